"""Frozen, hashed datasets of resolved labels."""

from pathlib import Path

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from studio import artifacts
from studio.models import Authored

from .projects import Project


class DatasetSnapshot(Authored):
    """The project's labels frozen at a moment into an immutable Parquet file (see services.snapshots)."""

    class Status(models.TextChoices):
        BUILDING = "building", "Building"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="snapshots")
    name = models.CharField(max_length=120)
    task = models.ForeignKey("labeling.LabelSchema", null=True, blank=True, on_delete=models.RESTRICT,
                             related_name="snapshots", help_text="The named task whose labels it freezes (none: the "
                                                                 "main task's).")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.BUILDING)
    job = models.ForeignKey("studio.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    train_ratio = models.FloatField(default=0.8, validators=[MinValueValidator(0), MaxValueValidator(1)])
    validation_ratio = models.FloatField(default=0.1, validators=[MinValueValidator(0), MaxValueValidator(1)])
    test_ratio = models.FloatField(default=0.1, validators=[MinValueValidator(0), MaxValueValidator(1)])
    seed = models.PositiveIntegerField(default=13)
    corpora = models.ManyToManyField("labeling.Corpus", blank=True, related_name="snapshots",
                                     help_text="The corpora whose labeled documents it holds.")
    file_name = models.CharField(max_length=64, blank=True, help_text="Under the artifacts' snapshots folder.")
    sha256 = models.CharField(max_length=64, blank=True)
    size = models.BigIntegerField(default=0)
    row_count = models.PositiveIntegerField(default=0)
    counts = models.JSONField(default=dict, blank=True, help_text="{split: {label: documents}}.")
    split_sizes = models.JSONField(default=dict, blank=True, help_text="{split: documents}.")
    rules = models.JSONField(default=dict, blank=True, help_text="{adjudicated|majority|single: documents}.")
    unresolved = models.PositiveIntegerField(default=0, help_text="Labeled documents left out: their annotators tie.")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.name

    @property
    def key(self):
        """The Parquet file's name in the artifacts."""
        return f"snapshots/{self.file_name}"

    @property
    def spacy_key(self):
        """A snapshot with spans: the name of its spaCy training files (a zip of a DocBin per split)."""
        return f"snapshots/{Path(self.file_name).stem}-spacy.zip"

    @property
    def path(self):
        """Where this machine reads the Parquet file (fetched into its cache when the artifacts live elsewhere)."""
        return artifacts.store().fetch(self.key, self.sha256, missing_ok=True)
