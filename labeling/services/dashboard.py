"""The manager's view of a project: progress, who labels how much and how fast, the labels
given, agreement, review and recent jobs."""

from statistics import median

from django.db.models import Count

from studio.models import Job

from ..models import Annotation, Assignment, Document, Label, Review
from . import agreement, corpora
from .schema import is_multi

ACTIVE_GAP_SECONDS = 15 * 60  # longer pauses between two submissions are breaks, not labeling time


def _speed(times):
    """Median seconds between one annotator's consecutive submissions, breaks left out."""
    gaps = [(later - earlier).total_seconds() for earlier, later in zip(times, times[1:])]
    working = [gap for gap in gaps if gap <= ACTIVE_GAP_SECONDS]
    return median(working) if working else None


def figures(project):
    queued = corpora.queued(project)  # corpora kept aside (a cleaned one's source, say) are not counted
    documents = corpora.queued_documents(project)
    in_project = Document.objects.filter(corpus__in=queued)
    submitted = (Assignment.objects
                 .filter(project=project, state=Assignment.State.SUBMITTED, document__corpus__in=queued)
                 .order_by("annotator_id", "updated_at").values_list("annotator__username", "updated_at"))
    by_annotator = {}
    for username, at in submitted.iterator(chunk_size=10_000):
        by_annotator.setdefault(username, []).append(at)
    annotators = [{"username": username, "annotations": len(times), "last": times[-1],
                   "median_seconds": _speed(times)} for username, times in sorted(by_annotator.items())]
    label_counts = dict(
        Annotation.labels.through.objects.filter(annotation__document__corpus__in=queued,
                                                 annotation__source=Annotation.Source.ANNOTATOR)
        .values("label_id").order_by().annotate(count=Count("id")).values_list("label_id", "count"))
    labels = [{"name": label.name, "count": label_counts.get(label.pk, 0)}
              for label in Label.objects.filter(schema__project=project, schema__name="").order_by("position", "id")]
    if labels and is_multi(project):
        labels.append({"name": "No label applies", "none": True, "count": Annotation.objects.filter(
            document__corpus__in=queued, source=Annotation.Source.ANNOTATOR, labels__isnull=True).count()})
    agreed = agreement.project_agreement(project)
    settled = set(Review.objects.filter(document__corpus__in=queued).values_list("document_id", flat=True))
    return {
        "documents": documents,
        "complete": in_project.filter(full=True).count(),
        "labeled": in_project.filter(annotations__source=Annotation.Source.ANNOTATOR).distinct().count(),
        "overlap": project.overlap,
        "annotators": annotators,
        "labels": labels,
        "agreement": {"krippendorff_alpha": agreed["krippendorff_alpha"], "fleiss_kappa": agreed["fleiss_kappa"],
                      "documents_compared": agreed["documents_compared"]},
        "review": {"settled": len(settled), "waiting": len(set(agreed["disagreeing"]) - settled)},
        "recent_jobs": list(Job.objects.filter(project=project).order_by("-id")[:5]),
    }
