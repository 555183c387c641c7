"""The fine-tune form (managers)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from labeling.access import get_project
from labeling.models import Corpus, DatasetSnapshot, Role
from studio.settings_schema import SettingsError

from ..models import ModelVersion, RegisteredModel
from ..registry.bases import base_choices
from .forms import FinetuneForm
from .service import FinetuneError, start_finetuning


def ready_snapshots(project):
    return project.snapshots.filter(status=DatasetSnapshot.Status.READY).select_related("task")


@login_required
@require_http_methods(["GET", "POST"])
def finetune(request, pk):
    project = get_project(request.user, pk, Role.MANAGER)
    snapshots = ready_snapshots(project)
    bases = [("baseline", "baseline: TF-IDF + logistic regression"),
             ("crf", "crf: a span tagger (a CRF on word features; snapshots with spans)")] + [
        (value, label) for value, label in base_choices(project)]
    teachers = [(version.pk, str(version)) for version in ModelVersion.objects.filter(
        registered_model__project=project, registered_model__kind=RegisteredModel.Kind.CLASSIFIER).select_related(
        "registered_model").order_by("-id")[:200]]
    corpora = [(corpus.pk, f"{corpus.name} ({corpus.document_count:,} notes)")
               for corpus in project.corpora.filter(status=Corpus.Status.READY).order_by("name")]
    teacher = request.GET.get("teacher", "")
    initial = {"teacher": int(teacher), "student_layers": 2} if teacher.isdigit() else None
    form = FinetuneForm(request.POST or None, snapshots=snapshots, bases=bases, teachers=teachers, corpora=corpora,
                        initial_settings=initial)
    if request.method == "POST" and form.is_valid():
        try:
            snapshot = snapshots.get(pk=form.cleaned_data["snapshot"])
            run = start_finetuning(request.user, project, snapshot, form.settings())
        except (FinetuneError, SettingsError, DatasetSnapshot.DoesNotExist) as error:
            form.add_error(None, str(error) if not isinstance(error, DatasetSnapshot.DoesNotExist)
                           else "Choose a ready snapshot.")
        else:
            messages.success(request, ("Distillation" if run.config["teacher"] else "Fine-tuning")
                             + " started; an evaluation on the test split follows it.")
            return redirect("job-detail", pk=run.job_id)
    return render(request, "training/finetune.html", {"project": project, "form": form},
                  status=400 if form.errors else 200)
