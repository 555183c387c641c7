"""Pretraining, web side: check the configuration and the corpora, record the run, start its
`pretrain` job."""

from django.db import transaction

from labeling.models import Corpus
from studio import audit
from studio.errors import Refusal
from studio.jobs import service as jobs_service

from ..models import ModelVersion, Pretraining, RegisteredModel
from . import config as configs


class PretrainingError(Refusal):
    """The pretraining cannot start as asked; the message says why."""


def _corpora(project, config):
    ready = project.corpora.filter(status=Corpus.Status.READY)
    if config["corpora"]:
        chosen = list(ready.filter(pk__in=config["corpora"]))
        if len(chosen) != len(set(config["corpora"])):
            raise PretrainingError("corpora: some of these are not ready corpora of this project.")
        return chosen
    return list(ready.filter(kind=Corpus.Kind.CLEANED)) or list(ready)


def start_pretraining(user, project, raw):
    config = configs.clean(raw)
    chosen = _corpora(project, config)
    if not chosen:
        raise PretrainingError("The project has no ready corpus to pretrain on.")
    if config["base"].startswith("version:") and not ModelVersion.objects.filter(
            pk=int(config["base"][8:]), registered_model__project=project,
            registered_model__kind=RegisteredModel.Kind.ENCODER).exists():
        raise PretrainingError("base: no encoder version with that id in this project.")
    if config["start"] == "base":
        configs.check_length(project, config["base"], config["max_length"])
    config["corpora"] = [item.pk for item in chosen]
    config["model_name"] = config["model_name"] or f"{chosen[0].name} encoder"[:120]
    with transaction.atomic():
        run = Pretraining.objects.create(project=project, config=config, created_by=user)
        run.corpora.set(chosen)
        run.job = jobs_service.start_job(
            user, "pretrain", {"pretraining_id": run.pk, "queue": config["queue"]}, project=project,
            inputs=[{"type": "corpus", "id": item.pk, "label": item.name} for item in chosen])
        audit.record(user, "model.pretrain", run, project_id=project.pk, job=run.job.pk, model=config["model_name"])
    return run
