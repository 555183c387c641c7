"""The retraining order in the Models tab."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from labeling.access import get_project
from labeling.models import Role

from . import service as retrain
from .forms import RetrainPolicyForm


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
