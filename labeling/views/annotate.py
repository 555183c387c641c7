"""The annotate page: one note at a time, labels on keys, submit/skip/undo without reloading.

htmx posts swap the task fragment; without JavaScript the same forms post and redirect back.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from ..access import get_document, get_project
from ..services import review, tasks

SHORTCUTS = [("s", "skip this note"), ("u", "undo your last submission: the note comes back as you submitted it"),
             ("g", "open or close the guidelines")]


def _task_context(user, project, assignment, error="", chosen=None, comment=None):
    context = {"project": project, "assignment": assignment, "error": error,
               "schema": getattr(project, "label_schema", None),
               "rejections": review.rejections_for(user, project), **tasks.task_state(user, project, assignment)}
    if assignment is not None:
        annotation, prediction = context["annotation"], context["prediction"]
        if chosen is None:
            # The annotator's own labels when redoing a note; otherwise a model's, to confirm or change.
            earlier = annotation or prediction
            chosen = [label.pk for label in earlier.labels.all()] if earlier else []
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
    return render(request, "labeling/annotate.html", {**context, "shortcut_keys": SHORTCUTS})


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
        label_ids = [int(value) for value in request.POST.getlist("labels")]
        version = int(request.POST["version"]) if request.POST.get("version") else None
    except ValueError:
        label_ids, version = [], None
    comment = request.POST.get("comment", "")[:2000]
    try:
        tasks.submit(request.user, project, document, label_ids, comment, version)
    except tasks.TaskError as error:
        # The same note again, with what the annotator chose, and why it was not saved.
        held = tasks.current(request.user, project)
        same = held if held is not None and held.document_id == document.pk else None
        if same is None:
            return _next_or_back(request, project, str(error), status=409)
        return _next_or_back(request, project, str(error), status=409 if isinstance(error, tasks.StaleAnnotation) else 400,
                             assignment=same, chosen=label_ids, comment=comment)
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
