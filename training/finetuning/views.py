"""The fine-tune form (managers)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from labeling.access import get_project
from labeling.models import DatasetSnapshot, Role
from studio.settings_schema import SettingsError

from ..registry.bases import base_choices
from .forms import FinetuneForm
from .service import FinetuneError, start_finetuning


def ready_snapshots(project):
    return project.snapshots.filter(status=DatasetSnapshot.Status.READY)


@login_required
@require_http_methods(["GET", "POST"])
def finetune(request, pk):
    project = get_project(request.user, pk, Role.MANAGER)
    snapshots = ready_snapshots(project)
    bases = [("baseline", "baseline: TF-IDF + logistic regression"),
             ("crf", "crf: a span tagger (a CRF on word features; snapshots with spans)")] + [
        (value, label) for value, label in base_choices(project)]
    form = FinetuneForm(request.POST or None, snapshots=snapshots, bases=bases)
    if request.method == "POST" and form.is_valid():
        try:
            snapshot = snapshots.get(pk=form.cleaned_data["snapshot"])
            run = start_finetuning(request.user, project, snapshot, form.settings())
        except (FinetuneError, SettingsError, DatasetSnapshot.DoesNotExist) as error:
            form.add_error(None, str(error) if not isinstance(error, DatasetSnapshot.DoesNotExist)
                           else "Choose a ready snapshot.")
        else:
            messages.success(request, "Fine-tuning started; an evaluation on the test split follows it.")
            return redirect("job-detail", pk=run.job_id)
    return render(request, "training/finetune.html", {"project": project, "form": form},
                  status=400 if form.errors else 200)
