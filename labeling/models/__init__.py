"""Labeling's models, one module per part of the domain."""

from .annotations import Annotation, Assignment, Prediction, Review
from .corpora import AnnotatorPool, Corpus, Document, Upload
from .projects import Label, LabelSchema, Membership, Project, ProjectQuerySet, Role
from .snapshots import DatasetSnapshot

__all__ = [
    "Annotation", "AnnotatorPool", "Assignment", "Corpus", "DatasetSnapshot", "Document", "Label", "LabelSchema",
    "Membership", "Prediction", "Project", "ProjectQuerySet", "Review", "Role", "Upload",
]
