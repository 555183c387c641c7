"""Review: the documents annotators disagree on, the final labels a reviewer records, and
rejections an annotator gets to see. Every decision is audited."""

from django.db import transaction
from django.db.models import Count

from studio import audit

from ..models import Annotation, Document, LabelSchema, Review, SpanLabel
from .agreement import annotator_labels
from .corpora import queued
from .span_agreement import annotator_spans
from .spans import check_spans
from .tasks import TaskError, check_labels

SCAN_BATCH = 500


def disagreements(project, after=0, limit=50):
    """Documents of the queued corpora after the id `after` that two or more annotators labeled (or marked spans in)
    differently and no reviewer has settled, in id order; and the id to pass for the next page."""
    spans = SpanLabel.objects.filter(schema__project=project).exists()  # spans differing are a disagreement too
    candidates = (Document.objects.filter(corpus__in=queued(project), id__gt=after, review__isnull=True)
                  .annotate(annotators=Count("annotations", distinct=True))
                  .filter(annotators__gte=2).order_by("id").values_list("id", flat=True))
    found, cursor = [], after
    while len(found) <= limit:
        batch = list(candidates.filter(id__gt=cursor)[:SCAN_BATCH])
        if not batch:
            break
        sets = annotator_labels(document_id__in=batch)
        marked = annotator_spans(document_id__in=batch) if spans else {}
        found += [pk for pk in batch if len(set(sets.get(pk, {}).values())) > 1
                  or len({tuple(sorted(each)) for each in marked.get(pk, {}).values()}) > 1]
        cursor = batch[-1]
    more = len(found) > limit
    documents = list(Document.objects.filter(pk__in=found[:limit]).select_related("corpus").order_by("id"))
    return documents, (documents[-1].pk if more else None)


def next_disagreement(project, after):
    """The first unsettled disagreement after the document id `after`, else the first before it; None when none is
    left."""
    for start in (after, 0):
        documents, _more = disagreements(project, start, limit=1)
        if documents:
            return documents[0]
    return None


def who_said_what(document):
    return list(document.annotations.select_related("annotator", "rejected_by").prefetch_related("labels",
                                                                                                 "spans__label"))


@transaction.atomic
def adjudicate(reviewer, document, label_ids, comment="", spans=None):
    """Record the final labels — and with `spans` ([{start, end, label}], checked as annotators' are) the final
    spans — for a document (a later decision replaces an earlier one; spans left out stay as they were)."""
    project = document.corpus.project
    labels = check_labels(project, label_ids)
    defaults = {"reviewer": reviewer, "comment": comment}
    if spans is not None:
        checked = check_spans(LabelSchema.objects.get(project=project, name=""), document.text, spans)
        defaults["spans"] = [{"start": start, "end": end, "label": label.name} for start, end, label in checked]
    review, created = Review.objects.update_or_create(document=document, defaults=defaults)
    review.labels.set(labels)
    audit.record(reviewer, "review.adjudicate", review, project_id=project.pk, document=document.pk,
                 labels=[label.name for label in labels], replaced=not created,
                 **({"spans": len(defaults["spans"])} if spans is not None else {}))
    return review


@transaction.atomic
def reject(reviewer, annotation, reason):
    reason = (reason or "").strip()
    if not reason:
        raise TaskError("Say why the annotation is rejected: its annotator will read it.")
    if annotation.annotator_id is None:
        raise TaskError("Labels imported with a file have no annotator to tell; adjudicate the note instead.")
    annotation.rejected_reason, annotation.rejected_by = reason[:2000], reviewer
    annotation.save(update_fields=["rejected_reason", "rejected_by", "updated_at"])
    audit.record(reviewer, "annotation.reject", annotation, project_id=annotation.document.corpus.project_id,
                 annotator=annotation.annotator.get_username(), reason=annotation.rejected_reason)
    return annotation


def rejections_for(user, project, limit=20):
    """The user's rejected annotations, newest first, for the annotate page."""
    return list(Annotation.objects.filter(annotator=user, document__corpus__project=project)
                .exclude(rejected_reason="").select_related("document", "rejected_by")
                .order_by("-updated_at")[:limit])
