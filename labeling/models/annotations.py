"""Labels on documents: annotations, hand-outs to annotators, reviews and model predictions."""


from django.conf import settings
from django.db import models

from .corpora import Document
from .projects import Label, Project, SpanLabel


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


class Span(models.Model):
    """A stretch of a note's text an annotation marks with a span label: character offsets into the
    document's text, end exclusive."""

    annotation = models.ForeignKey(Annotation, on_delete=models.CASCADE, related_name="spans")
    label = models.ForeignKey(SpanLabel, on_delete=models.RESTRICT, related_name="spans")
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()

    class Meta:
        ordering = ["start", "end", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(start__lt=models.F("end")), name="span_start_before_end"),
        ]

    def __str__(self):
        return f"{self.label} {self.start}–{self.end}"

    @property
    def slice(self):
        """The span as a template's `slice` filter takes it ("start:end")."""
        return f"{self.start}:{self.end}"


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
    spans = models.JSONField(null=True, blank=True,
                             help_text="The final spans, [{start, end, label}] in text order; null: not settled.")
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
    spans = models.JSONField(default=list, blank=True,
                             help_text="Predicted spans, [{start, end, label, score}] in text order.")
    uncertainty = models.FloatField(null=True, blank=True, help_text="1 − the highest score; higher comes first.")
    explanation = models.JSONField(default=dict, blank=True,
                                   help_text="The words that pushed the model towards a label: {label, words: "
                                             "[{start, end, weight}]} (positive towards it, negative away).")
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
