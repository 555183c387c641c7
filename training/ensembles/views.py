"""Ensembles in the browser: the Models tab's form combines chosen classifier versions."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from labeling.access import get_project
from labeling.models import DatasetSnapshot, Role

from .service import EnsembleError, start_ensemble


@login_required
@require_POST
def ensemble_create(request, pk):
    project = get_project(request.user, pk, Role.MANAGER)
    ids = [int(value) for value in request.POST.getlist("version") if value.isdigit()]
    snapshot = DatasetSnapshot.objects.filter(project=project, pk=int(request.POST.get("snapshot", "0") or 0)
                                              if request.POST.get("snapshot", "").isdigit() else 0).first()
    try:
        if snapshot is None:
            raise EnsembleError("Choose a ready snapshot of this project to weigh the members on.")
        job = start_ensemble(request.user, project, ids, snapshot, request.POST.get("name", "").strip())
    except EnsembleError as error:
        messages.error(request, str(error))
        return redirect("model-list", pk=project.pk)
    messages.success(request, "Combining the classifiers: the ensemble is registered and evaluated when the job ends.")
    return redirect("job-detail", pk=job.pk)
