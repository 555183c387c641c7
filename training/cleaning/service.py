"""Cleaning, web side: check a request, record the run, start its `clean` job; and what a cleaning
that did not finish leaves behind."""

from django.db import transaction

from labeling.models import Corpus
from labeling.services import corpora
from studio import audit
from studio.errors import Refusal
from studio.jobs import service as jobs_service

from ..models import CleaningOutcome, CleaningRun
from . import recipe as recipes


class CleaningError(Refusal):
    """The cleaning cannot start as asked; the message says why."""


def start_cleaning(user, project, corpus, settings, recipe=None):
    """A run and its `clean` job for the corpus, with the recipe's settings (defaults filled in)."""
    if corpus.project_id != project.pk:
        raise CleaningError("That corpus is not this project's.")
    if corpus.status != Corpus.Status.READY:
        raise CleaningError("The corpus is not ready: wait for its import to finish.")
    full = recipes.clean(settings)
    with transaction.atomic():
        run = CleaningRun.objects.create(project=project, source=corpus, recipe=recipe, steps=full, created_by=user)
        run.job = jobs_service.start_job(user, "clean", {"run_id": run.pk}, project=project,
                                         inputs=[{"type": "corpus", "id": corpus.pk, "label": corpus.name}])
        audit.record(user, "corpus.clean", run, project_id=project.pk, corpus=corpus.pk, job=run.job.pk,
                     recipe=recipe.name if recipe else None)
    return run


def cleanup(job):
    """A cleaning that did not finish leaves no half-made corpus and no outcomes."""
    for run in CleaningRun.objects.filter(job=job).select_related("output"):
        if run.output_id:
            output = run.output
            corpora.delete_documents(output)
            CleaningRun.objects.filter(pk=run.pk).update(output=None)
            output.delete()
        CleaningOutcome.objects.filter(run=run).delete()
