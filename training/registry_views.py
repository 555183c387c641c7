"""The registry in the browser: a registered model's page (versions, aliases, history, rollback),
the promotion page (candidate against production on the gold snapshot), and prediction jobs."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from labeling.access import get_corpus, get_project, one_of
from labeling.models import Role

from . import retraining as retrain
from .access import get_version
from .forms import RetrainPolicyForm
from .predict_job import PredictError, start_prediction
from .registry import aliases


@login_required
@require_GET
def registered_model(request, pk, model_pk):
    project = get_project(request.user, pk, Role.MANAGER)
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
    version = get_version(request.user, pk, version_pk)
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
    project = get_project(request.user, pk, Role.MANAGER)
    registered = one_of(project.registered_models.all(), model_pk, "registered model")
    try:
        change = aliases.rollback(request.user, registered, request.POST.get("reason", "")[:2000])
    except aliases.PromotionError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Production is back on {change.version}.")
    return redirect("registered-model", pk=project.pk, model_pk=registered.pk)


@login_required
@require_POST
def predict_corpus(request, pk, version_pk):
    version = get_version(request.user, pk, version_pk)
    corpus_pk = request.POST.get("corpus", "")
    corpus = get_corpus(request.user, pk, int(corpus_pk) if corpus_pk.isdigit() else 0, Role.MANAGER)
    try:
        job = start_prediction(request.user, version.registered_model.project, version, corpus,
                               request.POST.get("measure", "least_confidence"))
    except PredictError as error:
        messages.error(request, str(error))
        return redirect("model-version", pk=pk, version_pk=version.pk)
    messages.success(request, f"Predicting {corpus.name} with {version}: annotators see the labels as "
                              "pre-selections once it finishes.")
    return redirect("job-detail", pk=job.pk)


@login_required
@require_POST
def retraining(request, pk):
    """Save the project's retraining order; with `run`, also start a retraining now."""
    project = get_project(request.user, pk, Role.MANAGER)
    form = RetrainPolicyForm(request.POST, instance=getattr(project, "retrain_policy", None))
    if not form.is_valid():
        messages.error(request, "Retraining not saved: " + "; ".join(
            f"{form.fields[name].label if name in form.fields else name}: {' '.join(errors)}"
            for name, errors in form.errors.items()))
        return redirect("model-list", pk=project.pk)
    policy = retrain.set_policy(request.user, project, **{name: form.cleaned_data[name] for name in form.Meta.fields})
    if "run" in request.POST:
        job = retrain.start_retraining(policy, request.user)
        messages.success(request, "Retraining started.")
        return redirect("job-detail", pk=job.pk)
    messages.success(request, f"Saved: {'a retraining every ' + str(policy.every) + ' new labels' if policy.enabled else 'automatic retraining is off'}.")
    return redirect("model-list", pk=project.pk)
