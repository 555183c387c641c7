"""Cleaning, web side: check a request, record the run, start its `clean` job; and what a cleaning
that did not finish leaves behind."""

from django.db import transaction

from labeling.models import Corpus
from labeling.services import corpora
from studio import artifacts, audit
from studio.errors import Refusal
from studio.jobs import service as jobs_service

from ..models import CleaningOutcome, CleaningRun, CleaningShard, ModelVersion, RegisteredModel
from . import recipe as recipes
from .deid import CATEGORIES


class CleaningError(Refusal):
    """The cleaning cannot start as asked; the message says why."""


def start_cleaning(user, project, corpus, settings, recipe=None):
    """A run and its `clean` job for the corpus, with the recipe's settings (defaults filled in)."""
    if corpus.project_id != project.pk:
        raise CleaningError("That corpus is not this project's.")
    if corpus.status != Corpus.Status.READY:
        raise CleaningError("The corpus is not ready: wait for its import to finish.")
    full = recipes.clean(settings)
    if full["deid_model"]:
        _check_deid_model(project, full)
    with transaction.atomic():
        run = CleaningRun.objects.create(project=project, source=corpus, recipe=recipe, steps=full, created_by=user)
        run.job = jobs_service.start_job(user, "clean", {"run_id": run.pk}, project=project,
                                         inputs=[{"type": "corpus", "id": corpus.pk, "label": corpus.name}])
        audit.record(user, "corpus.clean", run, project_id=project.pk, corpus=corpus.pk, job=run.job.pk,
                     recipe=recipe.name if recipe else None)
    return run


def deid_models(project):
    """The project's span tagger versions that find at least one de-identification category, newest first."""
    return [version for version in ModelVersion.objects.filter(
        registered_model__project=project, registered_model__kind=RegisteredModel.Kind.TAGGER).select_related(
        "registered_model").order_by("-created_at", "-id") if phi_labels(version)]


def phi_labels(version):
    """The version's span labels named after a de-identification category (NAME, DATE, …)."""
    return [label for label in version.lineage.get("span_labels", []) if label.upper() in CATEGORIES]


def _check_deid_model(project, recipe):
    version = ModelVersion.objects.filter(pk=recipe["deid_model"], registered_model__project=project).select_related(
        "registered_model").first()
    if version is None or version.registered_model.kind != RegisteredModel.Kind.TAGGER:
        raise CleaningError("deid_model: no span tagger version with that id in this project.")
    if not recipe["deidentify"]:
        raise CleaningError("deid_model: a model finds identifiers for de-identification; turn deidentify on.")
    usable = [label for label in phi_labels(version) if label.upper() in recipe["categories"]]
    if not usable:
        raise CleaningError(f"deid_model: {version} finds none of the chosen categories (its labels: "
                            f"{', '.join(version.lineage.get('span_labels', [])) or 'none'}; a span label named "
                            "NAME, DATE, … is one).")


def cleanup(job):
    """A cleaning that did not finish leaves no half-made corpus, no outcomes and no shards."""
    for run in CleaningRun.objects.filter(job=job).select_related("output"):
        CleaningShard.objects.filter(run=run).delete()
        artifacts.store().delete(run.folder)
        if run.output_id:
            output = run.output
            corpora.delete_documents(output)
            CleaningRun.objects.filter(pk=run.pk).update(output=None)
            output.delete()
        CleaningOutcome.objects.filter(run=run).delete()
