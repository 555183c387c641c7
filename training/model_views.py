"""The Models tab (managers): encoder versions, pretraining runs, the pretraining form, a version's
page and its download."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from labeling.access import get_project
from labeling.models import Corpus, Role

from .access import get_version
from .downloads import version_zip_response
from .forms import PretrainForm, RetrainPolicyForm
from .models import ModelVersion, RegisteredModel
from .pretraining import config as configs
from .pretraining.run import PretrainingError, start_pretraining
from .settings_schema import SettingsError


def base_choices(project):
    """The bases a pretraining may continue from: the project's encoder versions and the operator's folders."""
    versions = ModelVersion.objects.filter(registered_model__project=project,
                                           registered_model__kind=RegisteredModel.Kind.ENCODER)
    return ([(f"version:{version.pk}", f"{version} (this project)") for version in versions.select_related(
        "registered_model")] + [(f"folder:{name}", f"{name} (base models folder)") for name in configs.base_folders()])


@login_required
@require_GET
def model_list(request, pk):
    project = get_project(request.user, pk, Role.MANAGER)
    return render(request, "training/models.html", {
        "project": project,
        "registered": project.registered_models.prefetch_related("versions__evaluations__snapshot", "versions__aliases"),
        "runs": project.pretrainings.select_related("job", "output__registered_model")[:20],
        "policy": getattr(project, "retrain_policy", None),
        "policy_form": RetrainPolicyForm(instance=getattr(project, "retrain_policy", None)),
    })


@login_required
@require_http_methods(["GET", "POST"])
def pretrain(request, pk):
    project = get_project(request.user, pk, Role.MANAGER)
    corpora = project.corpora.filter(status=Corpus.Status.READY)
    form = PretrainForm(request.POST or None, corpora=corpora, bases=base_choices(project))
    if request.method == "POST" and form.is_valid():
        try:
            run = start_pretraining(request.user, project, form.settings())
        except (PretrainingError, SettingsError) as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Pretraining started: its job page shows the loss as it falls.")
            return redirect("job-detail", pk=run.job_id)
    return render(request, "training/pretrain.html", {"project": project, "form": form},
                  status=400 if form.errors else 200)


@login_required
@require_GET
def version_detail(request, pk, version_pk):
    version = get_version(request.user, pk, version_pk)
    files = sorted((path.relative_to(version.path).as_posix(), path.stat().st_size)
                   for path in version.path.rglob("*") if path.is_file()) if version.path.is_dir() else []
    project = version.registered_model.project
    return render(request, "training/version.html", {
        "project": project, "version": version, "files": files,
        "evaluations": version.evaluations.select_related("snapshot"),
        "snapshots": project.snapshots.filter(status="ready") if version.registered_model.kind == "classifier" else [],
        "corpora": project.corpora.filter(status=Corpus.Status.READY) if version.registered_model.kind == "classifier"
        else [],
    })


@login_required
@require_GET
def version_download(request, pk, version_pk):
    return version_zip_response(request.user, get_version(request.user, pk, version_pk))
