"""Labeling's models, one module per part of the domain."""

from .annotations import Annotation, Assignment, Prediction, Review, Span
from .corpora import AnnotatorPool, Corpus, Document, Upload
from .projects import Label, LabelSchema, Membership, Project, ProjectQuerySet, Role, SpanLabel
from .snapshots import DatasetSnapshot

__all__ = [
    "Annotation", "AnnotatorPool", "Assignment", "Corpus", "DatasetSnapshot", "Document", "Label", "LabelSchema",
    "Membership", "Prediction", "Project", "ProjectQuerySet", "Review", "Role", "Span", "SpanLabel", "Upload",
]
