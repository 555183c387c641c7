"""Reviewers settle disagreements and reject annotations with a reason. Reviewers and managers."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ..access import get_document, get_project
from ..models import Annotation, Role
from ..services import browse, resolution, review, tasks
from ..services.spans import SpanError, as_dicts, posted_spans
from .annotate import WHY_SHORTCUT, shortcuts


@login_required
@require_GET
def review_list(request, pk):
    project = get_project(request.user, pk, Role.REVIEWER)
    try:
        after = browse.whole_number(request.GET, "after") or 0
    except browse.FilterError:
        after = 0
    documents, next_after = review.disagreements(project, after)
    return render(request, "labeling/review_list.html",
                  {"project": project, "documents": documents, "next_after": next_after})


@login_required
@require_http_methods(["GET", "POST"])
def review_document(request, pk, document_pk):
    document = get_document(request.user, pk, document_pk, Role.REVIEWER)
    project = document.corpus.project
    problem, status = "", 200
    if request.method == "POST":
        try:
            review.adjudicate(request.user, document, tasks.posted_labels(request.POST),
                              request.POST.get("comment", "")[:2000], spans=posted_spans(request.POST))
        except (tasks.TaskError, SpanError) as error:
            problem, status = str(error), 400
        else:
            following = review.next_disagreement(project, document.pk)
            if following is None:
                messages.success(request, f"Final labels recorded for {document.external_id}. "
                                          "No disagreement is left to settle.")
                return redirect("review-list", pk=project.pk)
            messages.success(request, f"Final labels recorded for {document.external_id}; "
                                      f"here is the next disagreement, {following.external_id}.")
            return redirect("review-document", pk=project.pk, document_pk=following.pk)
    settled = getattr(document, "review", None)
    chosen = [label.pk for label in settled.labels.all()] if settled else []
    annotations = review.who_said_what(document)
    schema = getattr(project, "label_schema", None)
    span_labels = [{"name": label.name, "color": label.color, "key": label.hotkey, "description": label.description}
                   for label in schema.span_labels.all()] if schema else []
    if span_labels:  # the final spans to settle: a reviewer's, else as a snapshot decides them (a tie: the first)
        sets = [tuple((span.start, span.end, span.label.name) for span in annotation.spans.all())
                for annotation in annotations if annotation.annotator_id and not annotation.rejected_reason]
        decided = (resolution.decide(None, sets)[0] or sets[0]) if sets else ()
        start = settled.spans if settled is not None and settled.spans is not None else [
            {"start": begin, "end": end, "label": label} for begin, end, label in decided]
    predicted = list(document.predictions.exclude(labels=None).select_related("version").prefetch_related("labels"))
    for prediction in predicted:  # its strongest words either way, in reading order
        words = sorted((prediction.explanation or {}).get("words", []), key=lambda word: -abs(word["weight"]))[:8]
        prediction.why = [{"text": document.text[word["start"]:word["end"]], "weight": word["weight"]}
                          for word in sorted(words, key=lambda word: word["start"])]
    explained = next((prediction for prediction in predicted if prediction.explanation), None)
    context = {"project": project, "document": document, "annotations": annotations, "predicted": predicted,
               "explained": None if span_labels else explained,
               "span_labels": span_labels, "spans": start if span_labels else [],
               "span_copies": _span_copies(document, annotations) if span_labels else [],
               "labels": tasks.label_choices(project), "schema": getattr(project, "label_schema", None),
               "settled": settled, "chosen": chosen, "none_chosen": settled is not None and not chosen,
               "problem": problem,
               "shortcut_keys": shortcuts(schema, [WHY_SHORTCUT] if explained and not span_labels else [])}
    return render(request, "labeling/review_document.html", context, status=status)


def _span_copies(document, annotations):
    """The note once per annotation (and per model that predicted spans for it), with its spans: [{"id", "by",
    "spans", "rejected"}] for review to lay side by side."""
    copies = [{"id": f"spans-of-annotation-{annotation.pk}",
               "by": annotation.annotator.username if annotation.annotator else "imported",
               "rejected": bool(annotation.rejected_reason), "predicted": False,
               "spans": as_dicts(annotation.spans.all())} for annotation in annotations]
    for prediction in document.predictions.exclude(spans=[]).select_related("version"):
        copies.append({"id": f"spans-of-prediction-{prediction.pk}", "by": prediction.model_version,
                       "version": prediction.version, "spans": prediction.spans, "rejected": False,
                       "predicted": True})
    return copies


@login_required
@require_POST
def annotation_reject(request, pk, annotation_pk):
    project = get_project(request.user, pk, Role.REVIEWER)
    annotation = (Annotation.objects.select_related("document__corpus", "annotator")
                  .filter(document__corpus__project=project, pk=annotation_pk).first())
    if annotation is None:
        raise Http404("No such annotation.")
    try:
        review.reject(request.user, annotation, request.POST.get("reason", ""))
    except tasks.TaskError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Rejected {annotation.annotator.get_username()}'s labels; they will see why.")
    return redirect("review-document", pk=project.pk, document_pk=annotation.document_id)
