"""Uploads, corpora and their documents, and the annotator pools documents are set aside for."""

from pathlib import Path

from django.conf import settings
from django.db import models

from studio import artifacts
from studio.models import Authored

from .projects import Project


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
    def key(self):
        """The uploaded file's name in the artifacts."""
        return f"uploads/{self.stored_name}"

    @property
    def path(self):
        """Where this machine reads the file: a server file in place, an upload from the artifacts."""
        if self.server_path:
            return Path(self.server_path)
        return artifacts.store().fetch(self.key, self.sha256, missing_ok=True)


class Corpus(Authored):
    class Kind(models.TextChoices):
        RAW = "raw", "Raw"
        CLEANED = "cleaned", "Cleaned"

    class Status(models.TextChoices):
        IMPORTING = "importing", "Importing"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    class Role(models.TextChoices):
        QUEUE = "queue", "Labeled: in the queue and in snapshots"
        ASIDE = "aside", "Kept aside: not labeled, not counted"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="corpora")
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.RAW)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="derived")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.IMPORTING)
    role = models.CharField(
        max_length=8, choices=Role.choices, default=Role.QUEUE,
        help_text="Whether annotators label it (the queue), and so whether it is counted and frozen in snapshots. "
                  "A cleaned corpus takes its source's place.",
    )
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

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "corpora"

    def __str__(self):
        return self.name


class AnnotatorPool(Authored):
    """Documents a manager set aside for named annotators: only they get them, and they get them first."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="pools")
    name = models.CharField(max_length=120)
    annotators = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="annotator_pools")
    description = models.CharField(max_length=500, blank=True, help_text="Which documents: the corpus and filter.")
    document_count = models.PositiveIntegerField(default=0)

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
