"""The annotate page: one note at a time, labels on keys, submit/skip/undo without reloading.

htmx posts swap the task fragment; without JavaScript the same forms post and redirect back.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from ..access import get_document, get_project
from ..services import review, tasks
from ..services.spans import SpanError, as_dicts, posted_spans

SHORTCUTS = [("s", "skip this note"), ("u", "undo your last submission: the note comes back as you submitted it"),
             ("g", "open or close the guidelines")]
WHY_SHORTCUT = ("w", "hide or show the words a model's explanation highlights in the note")
NONE_SHORTCUT = ("n", "no label applies (multi-label projects): the note has none of the labels")


def shortcuts(schema, page=SHORTCUTS):
    """The page's own keys, with "no label applies" where the schema is multi-label."""
    return page + ([NONE_SHORTCUT] if schema is not None and schema.kind == "multi" else [])


def _task_context(user, project, assignment, error="", chosen=None, comment=None, spans=None):
    schema = getattr(project, "label_schema", None)
    context = {"project": project, "assignment": assignment, "error": error, "schema": schema,
               "rejections": review.rejections_for(user, project), "named_tasks": tasks.task_choices(project),
               **tasks.task_state(user, project, assignment)}
    context["span_labels"] = [{"name": label.name, "color": label.color, "key": label.hotkey,
                               "description": label.description} for label in schema.span_labels.all()] \
        if schema is not None else []
    if assignment is not None and context["span_labels"]:
        # The spans shown: those sent with a refused submission, else the annotator's own when redoing the note.
        # A model's spans come pre-selected, with their scores, when the annotator has none of their own yet.
        prediction = context["prediction"]
        context["spans"] = spans if spans is not None else (
            as_dicts(context["annotation"].spans.select_related("label")) if context["annotation"]
            else list(prediction.spans) if prediction is not None else [])
    if assignment is not None:
        annotation, prediction = context["annotation"], context["prediction"]
        if chosen is None:
            # The annotator's own labels when redoing a note (none: "no label applies"); otherwise a model's.
            earlier = annotation or prediction
            earlier_labels = list(earlier.labels.all()) if earlier else []
            chosen = [label.pk for label in earlier_labels]
            # "No label applies" answers the main labels: a named task's label beside it leaves it ticked.
            context["none_chosen"] = annotation is not None and not any(
                label.schema_id == getattr(schema, "pk", None) for label in earlier_labels)
        context["chosen"] = chosen
        context["comment"] = comment if comment is not None else (annotation.comment if annotation else "")
    return context


def _task(request, project, assignment, status=200, **extra):
    context = _task_context(request.user, project, assignment, **extra)
    return render(request, "labeling/_annotate_task.html", context, status=status)


@login_required
@require_GET
def annotate(request, pk):
    project = get_project(request.user, pk)
    context = _task_context(request.user, project, tasks.next_assignment(request.user, project))
    return render(request, "labeling/annotate.html", {**context, "shortcut_keys": shortcuts(context["schema"],
                                                                                          [*SHORTCUTS, WHY_SHORTCUT])})


def _next_or_back(request, project, error="", status=200, **extra):
    """After an action: the next task fragment for htmx, or back to the page for a plain form post."""
    if not request.htmx:
        if error:
            messages.error(request, error)
        return redirect("annotate", pk=project.pk)
    assignment = extra.pop("assignment", None) or tasks.next_assignment(request.user, project)
    return _task(request, project, assignment, status=status, error=error, **extra)


@login_required
@require_POST
def annotate_submit(request, pk, document_pk):
    document = get_document(request.user, pk, document_pk)
    project = document.corpus.project
    try:
        version = int(request.POST["version"]) if request.POST.get("version") else None
    except ValueError:
        version = None
    comment = request.POST.get("comment", "")[:2000]
    label_ids = spans = task_label_ids = None
    try:
        label_ids = tasks.posted_labels(request.POST)
        task_label_ids = tasks.posted_task_labels(request.POST)
        spans = posted_spans(request.POST)
        tasks.submit(request.user, project, document, label_ids, comment, version, spans=spans,
                     task_label_ids=task_label_ids)
    except (tasks.TaskError, SpanError) as error:
        # The same note again, with what the annotator chose, and why it was not saved.
        held = tasks.current(request.user, project)
        same = held if held is not None and held.document_id == document.pk else None
        if same is None:
            return _next_or_back(request, project, str(error), status=409)
        return _next_or_back(request, project, str(error), status=409 if isinstance(error, tasks.StaleAnnotation) else 400,
                             assignment=same, chosen=[*(label_ids or []), *(task_label_ids or [])], comment=comment,
                             spans=spans if isinstance(spans, list) else None)
    return _next_or_back(request, project)


@login_required
@require_POST
def annotate_skip(request, pk, document_pk):
    document = get_document(request.user, pk, document_pk)
    try:
        tasks.skip(request.user, document.corpus.project, document)
    except tasks.TaskError as error:
        return _next_or_back(request, document.corpus.project, str(error), status=400)
    return _next_or_back(request, document.corpus.project)


@login_required
@require_POST
def annotate_undo(request, pk):
    project = get_project(request.user, pk)
    try:
        assignment = tasks.undo(request.user, project)
    except tasks.TaskError as error:
        return _next_or_back(request, project, str(error), status=400)
    if not request.htmx:
        return redirect("annotate", pk=project.pk)
    return _task(request, project, assignment)
