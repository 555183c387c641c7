"""The Models tab and the registry in the browser: registered models, a version's page and
download, the promotion page, rollback."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from labeling.access import get_project, one_of
from labeling.models import Corpus, Role
from studio import artifacts

from ..access import get_version
from ..models import ModelVersion, RegisteredModel
from ..evaluation.compare import comparable
from ..explanations.service import explainable
from ..finetuning.classifier_file import reading_in_words
from ..onnx_export.service import exportable
from ..retraining.forms import RetrainPolicyForm
from . import aliases
from .downloads import version_zip_response


@login_required
@require_GET
def model_list(request, pk):
    project = get_project(request.user, pk, Role.MANAGER, admins=True)
    return render(request, "training/models.html", {
        "project": project, "comparable": comparable(project), "chosen": (),
        "registered": project.registered_models.prefetch_related("versions__evaluations__snapshot", "versions__aliases"),
        "runs": project.pretrainings.select_related("job", "output__registered_model")[:20],
        "policy": getattr(project, "retrain_policy", None),
        "policy_form": RetrainPolicyForm(instance=getattr(project, "retrain_policy", None)),
        "classifier_versions": ModelVersion.objects.filter(
            registered_model__project=project, registered_model__kind=RegisteredModel.Kind.CLASSIFIER).exclude(
            base_name="ensemble").select_related("registered_model").order_by("registered_model__name", "version"),
        "ready_snapshots": project.snapshots.filter(status="ready"),
    })


@login_required
@require_GET
def version_detail(request, pk, version_pk):
    version = get_version(request.user, pk, version_pk, admins=True)
    files = artifacts.store().files(version.folder)  # listed where they live: nothing is fetched to show them
    project = version.registered_model.project
    return render(request, "training/version.html", {
        "project": project, "version": version, "files": files,
        "reading": reading_in_words(version.lineage or {}, (version.params or {}).get("max_length", 0)),
        "evaluations": version.evaluations.select_related("snapshot"), "exportable": exportable(version),
        "explainable": explainable(version),
        "siblings": ModelVersion.objects.filter(job_id=version.job_id, lineage__multitask__isnull=False).exclude(
            pk=version.pk).select_related("registered_model") if (version.lineage or {}).get("multitask") else [],
        "exports": ModelVersion.objects.filter(base=version, lineage__runtime="onnx").select_related(
            "registered_model"),
        "snapshots": project.snapshots.filter(status="ready") if version.registered_model.kind == "classifier" else [],
        "corpora": project.corpora.filter(status=Corpus.Status.READY) if version.registered_model.kind == "classifier"
        else [],
    })


@login_required
@require_GET
def version_download(request, pk, version_pk):
    return version_zip_response(request.user, get_version(request.user, pk, version_pk, admins=True))


@login_required
@require_GET
def registered_model(request, pk, model_pk):
    project = get_project(request.user, pk, Role.MANAGER, admins=True)
    registered = one_of(project.registered_models.prefetch_related("versions__aliases"), model_pk, "registered model")
    return render(request, "training/registered_model.html", {
        "project": project, "registered": registered,
        "holders": {alias.name: alias for alias in registered.aliases.select_related("version", "moved_by")},
        "history": registered.alias_changes.select_related("version", "previous", "actor")[:100],
        "rollback_to": aliases.rollback_target(registered), "is_admin": aliases.is_admin(request.user),
    })


@login_required
@require_http_methods(["GET", "POST"])
def promote(request, pk, version_pk):
    version = get_version(request.user, pk, version_pk, admins=True)
    project = version.registered_model.project
    problem = None
    if request.method == "POST":
        move = aliases.promote if request.POST.get("alias") == "production" else aliases.propose
        try:
            move(request.user, version, request.POST.get("reason", "")[:2000])
        except aliases.PromotionError as error:
            problem = str(error)
        else:
            messages.success(request, f"{version} now holds {request.POST.get('alias', 'staging')}.")
            return redirect("registered-model", pk=project.pk, model_pk=version.registered_model_id)
    case = aliases.promotion_case(version)
    return render(request, "training/promote.html", {
        "project": project, "version": version, "case": case, "problem": problem,
        "is_admin": aliases.is_admin(request.user), "reason": request.POST.get("reason", ""),
        **(case["comparison"] or {}),
    }, status=400 if problem else 200)


@login_required
@require_POST
def rollback(request, pk, model_pk):
    project = get_project(request.user, pk, Role.MANAGER, admins=True)
    registered = one_of(project.registered_models.all(), model_pk, "registered model")
    try:
        change = aliases.rollback(request.user, registered, request.POST.get("reason", "")[:2000])
    except aliases.PromotionError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Production is back on {change.version}.")
    return redirect("registered-model", pk=project.pk, model_pk=registered.pk)
