"""The pretraining form (managers)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from labeling.access import get_project
from labeling.models import Corpus, Role
from studio.settings_schema import SettingsError

from ..registry.bases import base_choices
from .forms import PretrainForm
from .service import PretrainingError, start_pretraining


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
