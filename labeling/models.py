from pathlib import Path

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import OuterRef, Subquery


class Role(models.TextChoices):
    ANNOTATOR = "annotator", "Annotator"
    REVIEWER = "reviewer", "Reviewer"
    MANAGER = "manager", "Manager"

    @classmethod
    def rank(cls, role):
        """Roles are nested: a manager may do all a reviewer may, a reviewer all an annotator may."""
        return [cls.ANNOTATOR, cls.REVIEWER, cls.MANAGER].index(role) if role else -1


class ProjectQuerySet(models.QuerySet):
    def for_user(self, user):
        """The projects `user` may see, each annotated with `user_role` (None for superusers who are not members).

        Every view and API endpoint starts here: what is not in this queryset is a 404.
        """
        if not user.is_authenticated:
            return self.none()
        role = Membership.objects.filter(project=OuterRef("pk"), user=user).values("role")[:1]
        projects = self.annotate(user_role=Subquery(role))
        if user.is_superuser:
            return projects
        return projects.filter(memberships__user=user)


class Project(models.Model):
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True, max_length=5000)
    overlap = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(20)],
        help_text="How many annotators label each document.",
    )
    reservation_minutes = models.PositiveSmallIntegerField(
        default=30, validators=[MinValueValidator(1), MaxValueValidator(24 * 60)],
        help_text="How long a document handed to an annotator stays theirs before others may get it.",
    )

    class TaskOrder(models.TextChoices):
        SEQUENTIAL = "sequential", "In order"
        RANDOM = "random", "Random"
        UNCERTAINTY = "uncertainty", "Most uncertain prediction first"

    task_order = models.CharField(
        max_length=12, choices=TaskOrder.choices, default=TaskOrder.SEQUENTIAL,
        help_text="Which open note an annotator gets next. By uncertainty needs model predictions; "
                  "notes without one come after, in order.",
    )
    gold_snapshot = models.ForeignKey(
        "DatasetSnapshot", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="The snapshot whose test split every candidate for production is evaluated on.",
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.name

    def has_role(self, minimum):
        """For a project from `for_user`: does the user hold `minimum` or a higher role here?"""
        return Role.rank(getattr(self, "user_role", None)) >= Role.rank(minimum)


class Membership(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.ANNOTATOR)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["user__username"]
        constraints = [models.UniqueConstraint(fields=["project", "user"], name="unique_membership")]

    def __str__(self):
        return f"{self.user} in {self.project} as {self.role}"


class LabelSchema(models.Model):
    class Kind(models.TextChoices):
        SINGLE = "single", "Single-label classification"
        MULTI = "multi", "Multi-label classification"

    project = models.OneToOneField(Project, on_delete=models.CASCADE, related_name="label_schema")
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.SINGLE)
    guidelines = models.TextField(blank=True, help_text="Markdown; raw HTML is shown as text.")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"{self.project} labels ({self.get_kind_display()})"


class Label(models.Model):
    schema = models.ForeignKey(LabelSchema, on_delete=models.CASCADE, related_name="labels")
    name = models.CharField(max_length=80)
    description = models.CharField(max_length=500, blank=True)
    color = models.CharField(
        max_length=7, default="#4c6ef5", validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", "Use a colour like #4c6ef5.")]
    )
    hotkey = models.CharField(
        max_length=1, blank=True, validators=[RegexValidator(r"^[0-9a-z]$", "Use one digit or lower-case letter.")]
    )
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["schema", "name"], name="unique_label_name"),
            models.UniqueConstraint(
                fields=["schema", "hotkey"], condition=~models.Q(hotkey=""), name="unique_label_hotkey"
            ),
        ]

    def __str__(self):
        return self.name


class Upload(models.Model):
    """A file a user uploaded, kept outside any served folder until an import reads it."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="uploads")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    original_name = models.CharField(max_length=255)
    stored_name = models.CharField(max_length=64, unique=True, help_text="File name under the uploads folder.")
    server_path = models.CharField(
        max_length=1000, blank=True, help_text="For a file an admin imports from the server: its path, read in place."
    )
    size = models.BigIntegerField()
    sha256 = models.CharField(max_length=64, blank=True, help_text="Empty until the import has read a server file.")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-uploaded_at", "-id"]

    def __str__(self):
        return self.original_name

    @property
    def path(self):
        if self.server_path:
            return Path(self.server_path)
        return Path(settings.STUDIO_ARTIFACTS_DIR) / "uploads" / self.stored_name


class Corpus(models.Model):
    class Kind(models.TextChoices):
        RAW = "raw", "Raw"
        CLEANED = "cleaned", "Cleaned"

    class Status(models.TextChoices):
        IMPORTING = "importing", "Importing"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="corpora")
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.RAW)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="derived")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.IMPORTING)
    document_count = models.PositiveIntegerField(default=0)
    source_name = models.CharField(max_length=255, blank=True)
    source_sha256 = models.CharField(max_length=64, blank=True)
    upload = models.ForeignKey(Upload, null=True, blank=True, on_delete=models.SET_NULL, related_name="corpora")
    mapping = models.JSONField(default=dict, blank=True, help_text="Format and fields the import used.")
    error_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True, help_text="The first 100 row errors: [line, reason].")
    # Every document id of the corpus lies in this range (set by the import). The browser bounds
    # its queries with it: PostgreSQL's planner otherwise takes a corpus's rows to be spread evenly
    # through the table and walks the primary key through every corpus imported before this one.
    id_floor = models.BigIntegerField(null=True, blank=True, editable=False)
    id_ceiling = models.BigIntegerField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "corpora"

    def __str__(self):
        return self.name


class AnnotatorPool(models.Model):
    """Documents a manager set aside for named annotators: only they get them, and they get them first."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="pools")
    name = models.CharField(max_length=120)
    annotators = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="annotator_pools")
    description = models.CharField(max_length=500, blank=True, help_text="Which documents: the corpus and filter.")
    document_count = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["project", "name"], name="unique_pool_name")]

    def __str__(self):
        return self.name


class Document(models.Model):
    class Split(models.TextChoices):
        NONE = "", "Unassigned"
        TRAIN = "train", "Train"
        VALIDATION = "validation", "Validation"
        TEST = "test", "Test"

    # Indexed by (corpus, id) below; a second index on corpus alone would only slow imports.
    corpus = models.ForeignKey(Corpus, on_delete=models.CASCADE, related_name="documents", db_index=False)
    external_id = models.CharField(max_length=255)
    text = models.TextField()
    meta = models.JSONField(default=dict, blank=True)
    content_hash = models.CharField(max_length=64)
    length = models.PositiveIntegerField()
    split = models.CharField(max_length=10, choices=Split.choices, blank=True, default=Split.NONE)
    # Annotators who hold the document (reserved) or have labeled it; `full` once that reaches the
    # project's overlap. The task queue reads only documents that are not full, by a partial index.
    claims = models.PositiveSmallIntegerField(db_default=0)  # database defaults: imports COPY rows without them
    full = models.BooleanField(db_default=False)
    duplicate_of = models.ForeignKey(  # indexed where set, below: most documents repeat nothing
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False,
        help_text="The first document of the corpus with the same text, when this one repeats it.",
    )
    pool = models.ForeignKey(  # indexed with the open tasks, below
        AnnotatorPool, null=True, blank=True, on_delete=models.SET_NULL, related_name="documents", db_index=False,
        help_text="When set, only the pool's annotators get this document.",
    )

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["corpus", "external_id"], name="unique_document_external_id")]
        indexes = [
            # The browser pages by id within a corpus (keyset), optionally within a split.
            models.Index(fields=["corpus", "id"], name="document_corpus_id"),
            models.Index(fields=["corpus", "split", "id"], name="document_corpus_split_id"),
            models.Index(fields=["corpus", "content_hash"], name="document_corpus_hash"),
            # Repeats are rare: the "only repeated notes" filter reads this small index, not the corpus.
            models.Index(fields=["corpus", "id"], condition=models.Q(duplicate_of__isnull=False),
                         name="document_corpus_repeats"),
            models.Index(fields=["duplicate_of"], condition=models.Q(duplicate_of__isnull=False),
                         name="document_duplicate_of"),
            # The task queue: open documents of a pool (or of none), in order.
            models.Index(fields=["pool", "corpus", "id"], condition=models.Q(full=False), name="document_open_tasks"),
        ]

    def __str__(self):
        return self.external_id


class Annotation(models.Model):
    """One annotator's labels for one document; labels that came with an imported file have no annotator."""

    class Source(models.TextChoices):
        ANNOTATOR = "annotator", "Annotator"
        IMPORTED = "imported", "Imported"

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="annotations")
    annotator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="annotations"
    )
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.ANNOTATOR)
    labels = models.ManyToManyField(Label, related_name="annotations", blank=True)
    comment = models.TextField(blank=True, max_length=2000)
    version = models.PositiveIntegerField(default=1, help_text="Raised by every change; a stale change is refused.")
    rejected_reason = models.TextField(blank=True, max_length=2000, help_text="Why a reviewer rejected it.")
    rejected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["document", "annotator"], name="unique_annotation_per_annotator"),
        ]
        indexes = [models.Index(fields=["annotator", "document"], name="annotation_annotator_document")]

    def __str__(self):
        return f"{self.document} by {self.annotator or 'import'}"


class Assignment(models.Model):
    """A document handed to an annotator: reserved until a deadline, then submitted or skipped.

    There is at most one per annotator and document, so nobody gets a document twice; an expired
    reservation is deleted, which frees the document for others (and for its annotator).
    """

    class State(models.TextChoices):
        RESERVED = "reserved", "Reserved"
        SUBMITTED = "submitted", "Submitted"
        SKIPPED = "skipped", "Skipped"

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="assignments")
    annotator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assignments")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="assignments")
    state = models.CharField(max_length=10, choices=State.choices, default=State.RESERVED)
    reserved_until = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["document", "annotator"], name="unique_assignment")]
        indexes = [
            models.Index(fields=["project", "state", "reserved_until"], name="assignment_expiry"),
            models.Index(fields=["project", "annotator", "state", "updated_at"], name="assignment_annotator"),
        ]

    def __str__(self):
        return f"{self.document} → {self.annotator} ({self.state})"


class Review(models.Model):
    """A reviewer's final (adjudicated) labels for a document its annotators disagreed on."""

    document = models.OneToOneField(Document, on_delete=models.CASCADE, related_name="review")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reviews")
    labels = models.ManyToManyField(Label, related_name="reviews")
    comment = models.TextField(blank=True, max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"review of {self.document}"


class Prediction(models.Model):
    """A model's labels and scores for a document: shown to annotators as a pre-selection, and its
    uncertainty can order the task queue. Filled by prediction jobs or through the API."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="predictions")
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="predictions")
    model_version = models.CharField(max_length=200, help_text="Which model made it, e.g. “triage-classifier v3”.")
    version = models.ForeignKey("training.ModelVersion", null=True, blank=True, on_delete=models.CASCADE,
                                related_name="predictions", help_text="The studio's version that made it, if one did.")
    labels = models.ManyToManyField(Label, related_name="predictions", blank=True)
    scores = models.JSONField(default=dict, blank=True, help_text="{label name: probability}.")
    uncertainty = models.FloatField(null=True, blank=True, help_text="1 − the highest score; higher comes first.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["document", "model_version"], name="unique_prediction_per_model"),
        ]
        indexes = [
            models.Index(fields=["project", "-uncertainty", "document"], condition=models.Q(uncertainty__isnull=False),
                         name="prediction_uncertainty"),
        ]

    def __str__(self):
        return f"{self.model_version} on {self.document}"


class DatasetSnapshot(models.Model):
    """The project's labels frozen at a moment into an immutable Parquet file (see services.snapshots)."""

    class Status(models.TextChoices):
        BUILDING = "building", "Building"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="snapshots")
    name = models.CharField(max_length=120)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.BUILDING)
    job = models.ForeignKey("studio.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    train_ratio = models.FloatField(default=0.8, validators=[MinValueValidator(0), MaxValueValidator(1)])
    validation_ratio = models.FloatField(default=0.1, validators=[MinValueValidator(0), MaxValueValidator(1)])
    test_ratio = models.FloatField(default=0.1, validators=[MinValueValidator(0), MaxValueValidator(1)])
    seed = models.PositiveIntegerField(default=13)
    file_name = models.CharField(max_length=64, blank=True, help_text="Under the artifacts' snapshots folder.")
    sha256 = models.CharField(max_length=64, blank=True)
    size = models.BigIntegerField(default=0)
    row_count = models.PositiveIntegerField(default=0)
    counts = models.JSONField(default=dict, blank=True, help_text="{split: {label: documents}}.")
    rules = models.JSONField(default=dict, blank=True, help_text="{adjudicated|majority|single: documents}.")
    unresolved = models.PositiveIntegerField(default=0, help_text="Labeled documents left out: their annotators tie.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.name

    @property
    def path(self):
        return Path(settings.STUDIO_ARTIFACTS_DIR) / "snapshots" / self.file_name
