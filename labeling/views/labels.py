"""The label schema page: everyone sees the labels and guidelines; managers change them."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from ..access import get_label, get_project, get_task
from ..forms import LabelAddForm, LabelEditForm, SchemaForm, TaskForm
from ..models import Annotation, DatasetSnapshot, Label, Role, Span
from ..services import schema as schema_service


def _page(request, project, status=200, schema_form=None, label_form=None, problem="", task_form=None):
    schema = getattr(project, "label_schema", None)
    labels = list(schema.labels.all()) if schema else []
    tasks = [(task, list(task.labels.all())) for task in project.named_tasks.prefetch_related("labels")]
    for task, _labels in tasks:
        task.form_id, task.next_color = f"labels-form-task-{task.pk}", schema_service.next_color(task)
        task.gold_choices = task.snapshots.filter(status=DatasetSnapshot.Status.READY).order_by("-id")
    every = labels + [label for _task, task_labels in tasks for label in task_labels]
    used = dict(Annotation.labels.through.objects.filter(label__in=every).values("label_id")
                .order_by().annotate(count=Count("id"))
                .values_list("label_id", "count"))
    for label in every:
        label.used = used.get(label.pk, 0)
    span_labels = list(schema.span_labels.all()) if schema else []
    marked = dict(Span.objects.filter(label__in=span_labels).values("label_id").order_by().annotate(count=Count("id"))
                  .values_list("label_id", "count"))
    for label in span_labels:
        label.used = marked.get(label.pk, 0)
    context = {
        "project": project, "schema": schema, "labels": labels, "span_labels": span_labels, "problem": problem,
        "named_tasks": tasks, "task_form": task_form or TaskForm(prefix="task"),
        "is_manager": request.user.is_superuser or project.has_role(Role.MANAGER),
        "schema_form": schema_form or SchemaForm(instance=schema, initial={"version": schema.version if schema else 1}),
        "label_form": label_form or LabelAddForm(prefix="new", initial={"color": schema_service.next_color(schema)}),
    }
    return render(request, "labeling/labels.html", context, status=status)


@login_required
@require_GET
def label_list(request, pk):
    return _page(request, get_project(request.user, pk))


@login_required
@require_POST
def schema_update(request, pk):
    project = get_project(request.user, pk, Role.MANAGER)
    form = SchemaForm(request.POST)
    if not form.is_valid():
        return _page(request, project, 400, schema_form=form)
    try:
        schema_service.update_schema(request.user, project, **form.cleaned_data)
    except schema_service.SchemaError as error:
        return _page(request, project, error.status, schema_form=form, problem=str(error))
    messages.success(request, "Saved.")
    return redirect("label-list", pk=project.pk)


@login_required
@require_POST
def label_add(request, pk):
    project = get_project(request.user, pk, Role.MANAGER)
    form = LabelAddForm(request.POST, prefix="new")
    if not form.is_valid():
        return _page(request, project, 400, label_form=form)
    try:
        task = int(request.POST["task"]) if request.POST.get("task", "").isdigit() else None
        label = schema_service.add_label(request.user, project, **form.cleaned_data, task=task)
    except schema_service.SchemaError as error:
        return _page(request, project, 400, label_form=form, problem=str(error))
    messages.success(request, f"Added “{label.name}”.")
    return redirect("label-list", pk=project.pk)


@login_required
@require_POST
def labels_save(request, pk, span=False):
    """Every label's row of the table (with `span`, of the span labels' table), saved at once: all changes or
    none."""
    project = get_project(request.user, pk, Role.MANAGER)
    schema = getattr(project, "label_schema", None)
    kind = "span-label" if span else "label"
    labels = schema.span_labels.all() if span and schema else [] if span else Label.objects.filter(
        schema__project=project)  # every task's: each form posts the rows of its table
    forms = [LabelEditForm(request.POST, prefix=f"{kind}-{label.pk}") for label in labels
             if f"{kind}-{label.pk}-name" in request.POST]
    problems = [f"{form.data.get(form.add_prefix('name')) or form.prefix}: {field} — {' '.join(errors)}"
                for form in forms if not form.is_valid() for field, errors in form.errors.items()]
    if problems:
        return _page(request, project, 400, problem="; ".join(problems))
    changes = {int(form.prefix.removeprefix(f"{kind}-")): form.cleaned_data for form in forms}
    try:
        saved = schema_service.update_labels(request.user, project.pk, changes, span=span)
    except schema_service.SchemaError as error:
        return _page(request, project, error.status, problem=str(error))
    messages.success(request, f"Saved {len(saved)} {'span ' if span else ''}label{'s' if len(saved) != 1 else ''}; "
                              f"their {'spans' if span else 'annotations'} keep them.")
    return redirect("label-list", pk=project.pk)


@login_required
@require_POST
def label_update(request, pk, label_pk):
    label = get_label(request.user, pk, label_pk)
    form = LabelEditForm(request.POST, prefix=f"label-{label.pk}")
    if not form.is_valid():
        return _page(request, label.schema.project, 400, problem="; ".join(
            f"{field}: {' '.join(errors)}" for field, errors in form.errors.items()))
    try:
        schema_service.update_label(request.user, label, **form.cleaned_data)
    except schema_service.SchemaError as error:
        return _page(request, label.schema.project, error.status, problem=str(error))
    messages.success(request, f"Saved “{label.name}”; its annotations keep it.")
    return redirect("label-list", pk=pk)


@login_required
@require_POST
def label_delete(request, pk, label_pk, span=False):
    label = get_label(request.user, pk, label_pk, span=span)
    project = label.schema.project
    try:
        count = schema_service.delete_label(request.user, label, confirmed=request.POST.get("confirm") == "yes")
    except schema_service.LabelInUse as error:
        return render(request, "labeling/label_delete.html",
                      {"project": project, "label": label, "count": error.count, "message": str(error),
                       "action": "span-label-delete" if span else "label-delete"}, status=409)
    messages.success(request, f"Deleted “{label.name}”" + (f" from {count} annotations." if count else "."))
    return redirect("label-list", pk=pk)


@login_required
@require_POST
def task_add(request, pk):
    project = get_project(request.user, pk, Role.MANAGER)
    form = TaskForm(request.POST, prefix="task")
    if not form.is_valid():
        return _page(request, project, 400, task_form=form)
    try:
        task = schema_service.add_task(request.user, project, **form.cleaned_data)
    except schema_service.SchemaError as error:
        return _page(request, project, 400, task_form=form, problem=str(error))
    messages.success(request, f"Added the task “{task.name}”: add its labels below.")
    return redirect(f"{reverse('label-list', args=[project.pk])}#task-{task.pk}")


@login_required
@require_POST
def task_delete(request, pk, task_pk):
    task = get_task(request.user, pk, task_pk)
    try:
        schema_service.delete_task(request.user, task)
    except schema_service.SchemaError as error:
        return _page(request, task.project, error.status, problem=str(error))
    messages.success(request, f"Deleted the task “{task.name}”.")
    return redirect("label-list", pk=pk)


@login_required
@require_POST
def task_gold(request, pk, task_pk):
    task = get_task(request.user, pk, task_pk)
    chosen = request.POST.get("gold_snapshot", "")
    snapshot = task.snapshots.filter(pk=chosen).first() if chosen.isdigit() else None
    try:
        if chosen and snapshot is None:
            raise schema_service.SchemaError(f"gold_snapshot: a ready snapshot of the task “{task.name}”'s labels.")
        schema_service.set_task_gold(request.user, task, snapshot)
    except schema_service.SchemaError as error:
        return _page(request, task.project, error.status, problem=str(error))
    messages.success(request, f"{task.name}'s candidates for production are judged on "
                              + (f"“{snapshot.name}”." if snapshot else "no snapshot now."))
    return redirect(f"{reverse('label-list', args=[pk])}#task-{task.pk}")
