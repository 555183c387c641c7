"""Evaluation in the browser (managers): the report, evaluating a version on demand, and the
side-by-side comparison."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from labeling.access import get_project
from labeling.models import DatasetSnapshot, Role
from studio import charts

from ..access import get_report, get_version
from ..finetuning.service import FinetuneError
from ..finetuning.views import ready_snapshots
from ..models import EvaluationReport, RegisteredModel
from .compare import ComparisonError, comparable, compare
from ..explanations.service import EXPLAINED_ERRORS
from .service import start_evaluation


def _heat(matrix):
    peak = max((value for row in matrix for value in row), default=0) or 1
    return [[(value, min(5, round(5 * value / peak))) for value in row] for row in matrix]


@login_required
@require_GET
def report_detail(request, pk, report_pk):
    report = get_report(request.user, pk, report_pk, admins=True)
    figures = report.metrics
    if report.model_version.registered_model.kind == RegisteredModel.Kind.TAGGER:
        rows = zip(figures.get("exact", {}).get("per_label", []), figures.get("overlap", {}).get("per_label", []))
        errors = [{**error, "kind_name": error["kind"].replace("_", " ").capitalize()} for error in report.errors[:100]]
        return render(request, "training/span_report.html", {"project": report.project, "report": report,
                                                              "figures": figures, "per_label": list(rows),
                                                              "errors": errors})
    labels = [row["label"] for row in figures.get("per_label", [])]
    multi = bool(figures.get("confusion")) and isinstance(figures["confusion"][0], dict)
    context = {
        "project": report.project, "report": report, "figures": figures, "labels": labels, "multi": multi,
        "confusion": _heat(figures["confusion"]) if figures.get("confusion") and not multi else None,
        "label_confusion": [(row["label"], row["matrix"]) for row in figures.get("confusion", [])] if multi else None,
        "reliability": charts.reliability_chart("Reliability", figures.get("reliability", [])),
        "others": EvaluationReport.objects.filter(snapshot=report.snapshot, split=report.split,
                                                  status=EvaluationReport.Status.DONE,
                                                  model_version__registered_model__kind=RegisteredModel.Kind.CLASSIFIER)
        .exclude(pk=report.pk)
        .select_related("model_version__registered_model"),
        "against_members": _against_members(report), "against_teacher": _against_teacher(report),
        "explained": EXPLAINED_ERRORS,
    }
    return render(request, "training/report.html", context)


def _against_members(report):
    """For an ensemble's report on the split it was compared on: its paired test against its best member, and the
    members; None otherwise."""
    version = report.model_version
    lineage = version.lineage
    if version.base_name != "ensemble" or "test_vs_best_member" not in version.metrics or report.split != "test" \
            or lineage.get("snapshot", {}).get("id") != report.snapshot_id:
        return None
    members = lineage.get("members", [])
    best = next((member for member in members if member["version"] == version.metrics["best_member"]), None)
    return {"test": version.metrics["test_vs_best_member"], "best": best,
            "best_f1": version.metrics.get("best_member_test_macro_f1"), "members": members}


def _against_teacher(report):
    """For a distilled student's report: its teacher's latest finished report on the same snapshot and split, with
    the share of macro F1 kept, the sizes and the time a note took; None otherwise."""
    teacher = report.model_version.lineage.get("teacher")
    if not teacher or report.status != EvaluationReport.Status.DONE:
        return None
    found = (EvaluationReport.objects.select_related("model_version__registered_model")
             .filter(model_version_id=teacher["id"], snapshot_id=report.snapshot_id, split=report.split,
                     status=EvaluationReport.Status.DONE).order_by("-id").first())
    if found is None:
        return {"teacher": teacher, "report": None}
    student_f1, teacher_f1 = report.metrics.get("macro_f1"), found.metrics.get("macro_f1")
    return {"teacher": teacher, "report": found, "student_f1": student_f1, "teacher_f1": teacher_f1,
            "kept": f"{student_f1 / teacher_f1:.1%}" if teacher_f1 else "—",
            "student_size": report.model_version.size, "teacher_size": found.model_version.size,
            "student_ms": report.metrics.get("ms_per_note"), "teacher_ms": found.metrics.get("ms_per_note")}


@login_required
@require_POST
def evaluate_version(request, pk, version_pk):
    version = get_version(request.user, pk, version_pk)
    project = version.registered_model.project
    try:
        snapshot = ready_snapshots(project).get(pk=int(request.POST.get("snapshot", "0") or 0))
        report = start_evaluation(request.user, project, version, snapshot)
    except (FinetuneError, DatasetSnapshot.DoesNotExist, ValueError) as error:
        messages.error(request, str(error) if isinstance(error, FinetuneError) else "Choose a ready snapshot.")
        return redirect("model-version", pk=pk, version_pk=version.pk)
    return redirect("evaluation-report", pk=pk, report_pk=report.pk)


@login_required
@require_GET
def comparison(request, pk):
    project = get_project(request.user, pk, Role.MANAGER, admins=True)
    ids = [int(value) for value in request.GET.getlist("report") if value.isdigit()]
    reports = [get_report(request.user, project, report_pk) for report_pk in dict.fromkeys(ids)]
    pool = request.GET.get("pool") == "seeds"
    context = {"project": project, "comparable": comparable(project), "chosen": ids, "pool": pool}
    if not ids:  # opened from the Models tab or a link: the picker
        return render(request, "training/compare.html", context)
    try:
        found = compare(reports, pool_seeds=pool)
    except ComparisonError as error:
        return render(request, "training/compare.html", {**context, "problem": str(error)}, status=400)
    return render(request, "training/compare.html", {**context, **found})
