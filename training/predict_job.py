"""The `predict` job: a classifier version's labels and scores for every document of a corpus,
stored as predictions (pre-selections on the annotate page) with the uncertainty measure the
manager chose, which the task queue orders by when the project asks for uncertain notes first."""

from django.db import transaction

from labeling.models import Corpus, Label
from labeling.services import predictions
from studio import audit
from studio.jobs import service as jobs_service

from .finetuning.run import classifier_queue
from .models import ModelVersion, RegisteredModel
from .serving import loaded

BATCH = 256


class PredictError(ValueError):
    """The prediction job cannot start as asked; the message says why."""


def start_prediction(user, project, version, corpus, measure="least_confidence"):
    if version.registered_model.kind != RegisteredModel.Kind.CLASSIFIER:
        raise PredictError("Only classifiers predict labels.")
    if corpus.project_id != project.pk or corpus.status != Corpus.Status.READY:
        raise PredictError("The corpus is not a ready corpus of this project.")
    if measure not in predictions.MEASURES:
        raise PredictError(f"measure: one of {', '.join(predictions.MEASURES)}.")
    missing = set(version.lineage.get("labels") or []) - set(
        Label.objects.filter(schema__project=project).values_list("name", flat=True))
    if missing:
        raise PredictError(f"{version} predicts labels the project does not have: {', '.join(sorted(missing))}.")
    with transaction.atomic():
        job = jobs_service.start_job(
            user, "predict", {"version_id": version.pk, "corpus_id": corpus.pk, "measure": measure,
                              "queue": classifier_queue(version)},
            project=project, inputs=[{"type": "model_version", "id": version.pk, "label": str(version)},
                                     {"type": "corpus", "id": corpus.pk, "label": corpus.name}])
        audit.record(user, "model.predict", version, project_id=project.pk, corpus=corpus.pk, job=job.pk)
    return job


def run_prediction(job, reporter):
    version = ModelVersion.objects.select_related("registered_model__project").get(pk=job.params["version_id"])
    corpus = Corpus.objects.get(pk=job.params["corpus_id"], project=version.registered_model.project)
    done = predict_corpus(version, corpus, job.params["measure"], reporter)
    return {"documents": done, "model_version": version.pk, "measure": job.params["measure"]}


def predict_corpus(version, corpus, measure, reporter):
    """Store the version's predictions for every document of the corpus; how many."""
    project = corpus.project
    classifier = loaded(version)
    documents = corpus.documents.order_by("id").values_list("id", "text")
    total, done, last = corpus.documents.count(), 0, 0
    while True:
        batch = list(documents.filter(id__gt=last)[:BATCH])
        if not batch:
            break
        reporter.check_cancel()
        scores = classifier.scores([text for _pk, text in batch])
        items = [{"document": pk, "labels": labels, "scores": dict(zip(classifier.labels, row.tolist()))}
                 for (pk, _text), labels, row in zip(batch, classifier.labels_of(scores), scores)]
        predictions.record(project, str(version), items, measure, version=version)
        done, last = done + len(batch), batch[-1][0]
        reporter.progress(done / max(total, 1), f"Predicted {done:,} of {total:,} notes in {corpus.name}")
    return done
