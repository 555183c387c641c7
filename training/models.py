import json

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from studio import artifacts
from studio.jobs.records import RunRecord
from studio.models import Authored


class CleaningRecipe(models.Model):
    """A project's saved cleaning steps and their settings (see training.cleaning.recipe)."""

    project = models.ForeignKey("labeling.Project", on_delete=models.CASCADE, related_name="cleaning_recipes")
    name = models.CharField(max_length=120)
    steps = models.JSONField(help_text="The recipe as JSON; missing settings take their defaults.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["project", "name"], name="unique_recipe_name")]

    def __str__(self):
        return self.name


class CleaningRun(RunRecord):
    """One cleaning job: a raw corpus in, a cleaned corpus out, and the report of what it did."""

    project = models.ForeignKey("labeling.Project", on_delete=models.CASCADE, related_name="cleaning_runs")
    source = models.ForeignKey("labeling.Corpus", on_delete=models.CASCADE, related_name="cleaning_runs")
    output = models.OneToOneField("labeling.Corpus", null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="cleaning_run")
    recipe = models.ForeignKey(CleaningRecipe, null=True, blank=True, on_delete=models.SET_NULL, related_name="runs")
    steps = models.JSONField(help_text="The full recipe this run used, defaults filled in.")
    documents_in = models.PositiveIntegerField(default=0)
    documents_out = models.PositiveIntegerField(default=0)
    drops = models.JSONField(default=dict, blank=True, help_text="{rule: documents dropped by it}.")
    changes = models.JSONField(default=dict, blank=True, help_text="{step: documents it changed}.")
    deidentified = models.JSONField(default=dict, blank=True, help_text="{category: replacements}.")
    found_by = models.JSONField(default=dict, blank=True, help_text="{source: {category: spans found}} before overlaps "
                                                                    "are resolved: patterns, and the recipe's model.")
    clusters = models.PositiveIntegerField(default=0, help_text="Near-duplicate clusters (two or more notes).")
    boilerplate = models.JSONField(default=list, blank=True, help_text="The repeated lines removed (the first 50).")
    timings = models.JSONField(default=dict, blank=True, help_text="{step: seconds}.")
    samples = models.JSONField(default=list, blank=True, help_text="[{source, external_id, before, after}].")

    def __str__(self):
        return f"cleaning of {self.source}"

    @property
    def folder(self):
        """The key in the artifacts under which the run's shards leave their results while it runs."""
        return f"cleaning/run-{self.pk}"


class CleaningOutcome(models.Model):
    """What a cleaning run did to one source document. Ids, not foreign keys: provenance outlives
    a deleted output corpus."""

    run = models.ForeignKey(CleaningRun, on_delete=models.CASCADE, related_name="outcomes")
    source_id = models.BigIntegerField(help_text="The parent (raw) document.")
    document_id = models.BigIntegerField(null=True, blank=True, help_text="The derived document; empty when dropped.")
    dropped_by = models.CharField(max_length=20, blank=True)
    changed_by = models.CharField(max_length=200, blank=True, help_text="Steps that changed the text, comma-separated.")
    cluster = models.BigIntegerField(null=True, blank=True, help_text="The representative's source id, for near-duplicates.")

    class Meta:
        ordering = ["source_id"]
        indexes = [
            models.Index(fields=["run", "source_id"], name="outcome_run_source"),
            models.Index(fields=["run", "cluster"], condition=models.Q(cluster__isnull=False), name="outcome_run_cluster"),
            models.Index(fields=["run", "document_id"], name="outcome_run_document"),
        ]


class CleaningShard(models.Model):
    """One slice of a cleaning run's source notes (an id range) for one pass: any cpu worker takes a pending shard,
    beats while it works and leaves its result in the run's folder; the run's own job merges the results."""

    class Phase(models.TextChoices):
        LINES = "lines", "Counting repeated lines"
        SCAN = "scan", "Cleaning"
        WRITE = "write", "De-identifying"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    run = models.ForeignKey(CleaningRun, on_delete=models.CASCADE, related_name="shards")
    phase = models.CharField(max_length=8, choices=Phase.choices)
    index = models.PositiveIntegerField()
    first_id = models.BigIntegerField(help_text="The first source document id of the shard.")
    last_id = models.BigIntegerField(help_text="The last source document id of the shard.")
    documents = models.PositiveIntegerField()
    done = models.PositiveIntegerField(default=0, help_text="Documents of the shard processed so far.")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    worker = models.CharField(max_length=200, blank=True)
    worker_pid = models.PositiveIntegerField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    starts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["run", "phase", "index"]
        constraints = [models.UniqueConstraint(fields=["run", "phase", "index"], name="unique_cleaning_shard")]

    def __str__(self):
        return f"Shard {self.index + 1} ({self.get_phase_display().lower()}) of the {self.run}"


class RegisteredModel(models.Model):
    """A named line of model versions in a project (an encoder, a classifier)."""

    class Kind(models.TextChoices):
        ENCODER = "encoder", "Encoder"
        CLASSIFIER = "classifier", "Classifier"
        TAGGER = "tagger", "Span tagger"

    project = models.ForeignKey("labeling.Project", on_delete=models.CASCADE, related_name="registered_models")
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["project", "name"], name="unique_registered_model_name")]

    def __str__(self):
        return self.name


class ModelVersion(Authored):
    """One immutable trained model: a Hugging Face folder (config.json, model.safetensors,
    tokenizer files) under the artifacts folder, with where it came from and how it scored."""

    registered_model = models.ForeignKey(RegisteredModel, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    folder = models.CharField(max_length=300, help_text="Under STUDIO_ARTIFACTS_DIR.")
    base = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="derived")
    base_name = models.CharField(max_length=300, blank=True, help_text="A base model folder or hub id it started from.")
    job = models.ForeignKey("studio.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    params = models.JSONField(default=dict, blank=True)
    lineage = models.JSONField(default=dict, blank=True, help_text="Input corpora and their hashes, base, device.")
    metrics = models.JSONField(default=dict, blank=True)
    size = models.BigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True, help_text="Of the folder's files (see registry.versions).")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["registered_model", "version"], name="unique_model_version")]

    def __str__(self):
        return f"{self.registered_model.name} v{self.version}"

    @property
    def path(self):
        """Where this machine reads the version's folder (fetched into its cache, by sha256, when the artifacts live
        elsewhere); a folder that is not there when the artifacts lack it."""
        return artifacts.store().fetch(self.folder, self.sha256, missing_ok=True)

    def read_json(self, name):
        """One JSON file of the version, read where it lives (nothing else is fetched); None when it has none."""
        try:
            with artifacts.store().open(f"{self.folder}/{name}") as stream:
                return json.loads(stream.read())
        except artifacts.ArtifactMissing:
            return None

    def file_names(self):
        """The names of the version's files, read where they live: nothing is fetched to list them."""
        return {name for name, _size in artifacts.store().files(self.folder)}


class Alias(models.TextChoices):
    PRODUCTION = "production", "Production"
    STAGING = "staging", "Staging"


class ModelAlias(models.Model):
    """Which version of a registered model holds an alias now: at most one per alias."""

    registered_model = models.ForeignKey(RegisteredModel, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(max_length=12, choices=Alias.choices)
    version = models.ForeignKey(ModelVersion, on_delete=models.RESTRICT, related_name="aliases")
    moved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    moved_at = models.DateTimeField()

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["registered_model", "name"], name="unique_model_alias")]

    def __str__(self):
        return f"{self.registered_model.name}@{self.name}"


class AliasChange(models.Model):
    """One move of an alias: which version held it before and after, by whom, when and why."""

    class Action(models.TextChoices):
        PROMOTE = "promote", "Promoted"
        ROLLBACK = "rollback", "Rolled back"
        PROPOSE = "propose", "Proposed"

    registered_model = models.ForeignKey(RegisteredModel, on_delete=models.CASCADE, related_name="alias_changes")
    alias = models.CharField(max_length=12, choices=Alias.choices)
    action = models.CharField(max_length=10, choices=Action.choices)
    version = models.ForeignKey(ModelVersion, on_delete=models.RESTRICT, related_name="+")
    previous = models.ForeignKey(ModelVersion, null=True, blank=True, on_delete=models.RESTRICT, related_name="+")
    reason = models.TextField(blank=True)
    comparison = models.JSONField(default=dict, blank=True,
                                  help_text="The candidate's and the previous version's figures on the gold snapshot.")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["registered_model", "alias", "-id"], name="alias_change_history")]


class Pretraining(RunRecord):
    """A pretraining run: its configuration, its job, and the encoder version it made."""

    project = models.ForeignKey("labeling.Project", on_delete=models.CASCADE, related_name="pretrainings")
    config = models.JSONField(help_text="The full configuration, defaults filled in.")
    corpora = models.ManyToManyField("labeling.Corpus", related_name="pretrainings")
    output = models.OneToOneField(ModelVersion, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="pretraining")


class Finetuning(RunRecord):
    """A fine-tuning run: a snapshot and a base in, a classifier version out."""

    project = models.ForeignKey("labeling.Project", on_delete=models.CASCADE, related_name="finetunings")
    snapshot = models.ForeignKey("labeling.DatasetSnapshot", on_delete=models.RESTRICT, related_name="finetunings")
    config = models.JSONField(help_text="The full configuration, defaults filled in.")
    output = models.OneToOneField(ModelVersion, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="finetuning")


class EvaluationReport(RunRecord):
    """A classifier's figures on one split of a snapshot (see training.evaluation.metrics)."""

    project = models.ForeignKey("labeling.Project", on_delete=models.CASCADE, related_name="evaluations")
    model_version = models.ForeignKey(ModelVersion, on_delete=models.CASCADE, related_name="evaluations")
    snapshot = models.ForeignKey("labeling.DatasetSnapshot", on_delete=models.RESTRICT, related_name="evaluations")
    split = models.CharField(max_length=12, default="test")
    metrics = models.JSONField(default=dict, blank=True)
    errors = models.JSONField(default=list, blank=True,
                              help_text="Misclassified documents: [{document_id, external_id, truth, predicted, scores}].")
    predictions = models.JSONField(default=dict, blank=True,
                                   help_text="{document id: scores}, kept for paired comparisons.")

    def __str__(self):
        return f"{self.model_version} on the {self.split} split"


class RetrainPolicy(models.Model):
    """“Retrain the baseline every N new labels”: a project's standing order. Each time annotators
    have added `every` labels, a `retrain` job freezes a snapshot, fits the baseline, evaluates it
    and predicts the project's corpora, so the uncertainty queue keeps following the newest model."""

    class Measure(models.TextChoices):
        LEAST_CONFIDENCE = "least_confidence", "Least confidence"
        MARGIN = "margin", "Margin"
        ENTROPY = "entropy", "Entropy"

    project = models.OneToOneField("labeling.Project", on_delete=models.CASCADE, related_name="retrain_policy")
    every = models.PositiveIntegerField(default=100, validators=[MinValueValidator(10), MaxValueValidator(100_000)],
                                        help_text="New labels between two retrainings.")
    model_name = models.CharField(max_length=120, default="Retrained baseline",
                                  help_text="The registered classifier each retraining adds a version to.")
    measure = models.CharField(max_length=20, choices=Measure.choices, default=Measure.LEAST_CONFIDENCE,
                               help_text="How the predictions' uncertainty is measured for the task queue.")
    enabled = models.BooleanField(default=True)
    pending = models.PositiveIntegerField(default=0, help_text="New labels since the last retraining started.")
    runs = models.PositiveIntegerField(default=0)
    last_job = models.ForeignKey("studio.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"retrain every {self.every} labels"
