"""Predictions from the production classifier (or a named version). Each process loads a version
once — after checking its files against the registered sha256 — and keeps the last few loaded.
Which version serves is read from the alias on every request (one indexed query), so a promotion
or rollback is picked up by every process without a restart.

The classifier (torch, transformers) is imported on the first prediction a process serves, not
when the web process starts."""

import threading
from collections import OrderedDict

from django.conf import settings
from django.db import transaction

from labeling.models import Corpus, Label, SpanLabel
from labeling.services import predictions
from studio import audit
from studio.errors import Refusal
from studio.jobs import service as jobs_service

from ..evaluation.service import classifier_queue
from ..explanations.service import explainable
from ..finetuning.classifier_file import ClassifierLoadError
from ..models import Alias, ModelAlias, ModelVersion, RegisteredModel
from ..registry.versions import artifact_sha256
from ..tagging.tagger_file import TaggerLoadError

_loaded = OrderedDict()  # (version pk, sha256) → its classifier or tagger, most recently used last
_lock = threading.Lock()


class ServingError(Refusal):
    """The request cannot be served; `status` is the HTTP status to answer with."""


SERVED = (RegisteredModel.Kind.CLASSIFIER, RegisteredModel.Kind.TAGGER)


def resolve(project, model=None, version_id=None):
    """The version to serve: `version_id` when given, else the production version of the named
    classifier or span tagger (or of the project's only one in production)."""
    classifiers = ModelVersion.objects.select_related("registered_model").filter(
        registered_model__project=project, registered_model__kind__in=SERVED)
    if version_id is not None:
        found = classifiers.filter(pk=version_id).first() if str(version_id).isdigit() else None
        if found is None:
            raise ServingError("No classifier or span tagger version with that id in this project.", 404)
        return found
    aliases = ModelAlias.objects.select_related("version__registered_model").filter(
        registered_model__project=project, registered_model__kind__in=SERVED, name=Alias.PRODUCTION)
    if model:
        aliases = aliases.filter(registered_model__name=model)
    found = list(aliases[:2])
    if not found:
        raise ServingError(f"No classifier{f' named {model!r}' if model else ''} is in production in this project: "
                           "an admin promotes one from its version page.", 409)
    if len(found) > 1:
        names = ", ".join(sorted(ModelAlias.objects.filter(
            registered_model__project=project, name=Alias.PRODUCTION).values_list("registered_model__name", flat=True)))
        raise ServingError(f"Several classifiers are in production ({names}): name one with \"model\".")
    return found[0].version


def loaded(version):
    """The version's classifier or span tagger, loaded in this process on first use."""
    with _lock:
        key = (version.pk, version.sha256)  # a version's files are fixed by its sha256, whatever reuses its id
        if key in _loaded:
            _loaded.move_to_end(key)
            return _loaded[key]
        if not version.path.is_dir() or artifact_sha256(version.path) != version.sha256:
            raise ServingError(f"{version}'s files are missing or differ from what was registered; it is not served.",
                               503)
        try:
            if version.registered_model.kind == RegisteredModel.Kind.TAGGER:
                from ..tagging.loader import load_tagger  # its model's stack, on the first prediction only

                classifier = load_tagger(version.path)
            else:
                from ..finetuning.classifier import (
                    Classifier,  # the training stack, on the first prediction only
                )

                classifier = Classifier(version.path)
        except (ClassifierLoadError, TaggerLoadError) as error:
            raise ServingError(str(error), 503) from None
        _loaded[key] = classifier
        while len(_loaded) > settings.STUDIO_SERVING_CACHE:
            _loaded.popitem(last=False)
        return classifier


def check_texts(texts):
    if isinstance(texts, str):
        texts = [texts]
    if not isinstance(texts, list) or not texts or not all(isinstance(text, str) for text in texts):
        raise ServingError("Send \"texts\": a list of one or more strings (or \"text\": one string).")
    if len(texts) > settings.STUDIO_PREDICT_MAX_TEXTS:
        raise ServingError(f"At most {settings.STUDIO_PREDICT_MAX_TEXTS} texts a request; this one has {len(texts)}.",
                           413)
    longest = max(len(text) for text in texts)
    if longest > settings.STUDIO_PREDICT_MAX_CHARS:
        raise ServingError(f"A text may have at most {settings.STUDIO_PREDICT_MAX_CHARS:,} characters; one has "
                           f"{longest:,}.", 413)
    return texts


def predict(project, texts, model=None, version_id=None, explain=False):
    """`explain`: each classifier prediction also names the words that pushed it towards its top label."""
    texts = check_texts(texts)
    version = resolve(project, model, version_id)
    classifier = loaded(version)
    served = {"model": version.registered_model.name, "version": version.version, "version_id": version.pk}
    if version.registered_model.kind == RegisteredModel.Kind.TAGGER:
        if explain:
            raise ServingError("explain: a span tagger's spans are their own explanation; classifiers explain.")
        return {**served, "predictions": [{"spans": spans_of(found)} for found in classifier.predict_many(texts)]}
    scores = classifier.scores(texts)
    predictions = [{"labels": labels, "scores": dict(zip(classifier.labels, row.round(5).tolist()))}
                   for labels, row in zip(classifier.labels_of(scores), scores)]
    if explain:
        from ..explanations.service import ExplainError, explain as explained

        try:
            for prediction, explanation in zip(predictions, explained(classifier, texts, scores)):
                prediction["explanation"] = explanation
        except ExplainError as error:
            raise ServingError(str(error), 409) from None
    return {**served, "predictions": predictions}


def spans_of(found):
    """A tagger's [(start, end, label, score)] as the API and predictions hold them."""
    return [{"start": start, "end": end, "label": label, "score": round(score, 4)}
            for start, end, label, score in found]


class PredictError(Refusal):
    """The prediction job cannot start as asked; the message says why."""


def start_prediction(user, project, version, corpus, measure="least_confidence", explain=False):
    """`explain`: each prediction also keeps the words that pushed it towards its top label (highlighted on the
    annotate and review pages)."""
    if version.registered_model.kind not in SERVED:
        raise PredictError("Only classifiers and span taggers predict.")
    if explain and not explainable(version):
        raise PredictError(f"explain: {version}'s predictions cannot be explained: explanations come from the "
                           "baseline or an encoder in PyTorch (an ONNX export through the version it was exported "
                           "from, an ensemble through each member; a span tagger's spans are their own).")
    if corpus.project_id != project.pk or corpus.status != Corpus.Status.READY:
        raise PredictError("The corpus is not a ready corpus of this project.")
    if measure not in predictions.MEASURES:
        raise PredictError(f"measure: one of {', '.join(predictions.MEASURES)}.")
    if version.lineage.get("task"):
        raise PredictError(f"{version} labels the task “{version.lineage['task']}”; prediction jobs pre-select the "
                           "main task's labels on the annotate page (the predict API serves it).")
    tagger = version.registered_model.kind == RegisteredModel.Kind.TAGGER
    missing = set(version.lineage.get("span_labels" if tagger else "labels") or []) - set(
        (SpanLabel if tagger else Label).objects.filter(schema__project=project, schema__name="").values_list(
            "name", flat=True))
    if missing:
        raise PredictError(f"{version} predicts labels the project does not have: {', '.join(sorted(missing))}.")
    with transaction.atomic():
        job = jobs_service.start_job(
            user, "predict", {"version_id": version.pk, "corpus_id": corpus.pk, "measure": measure,
                              "explain": bool(explain), "queue": classifier_queue(version)},
            project=project, inputs=[{"type": "model_version", "id": version.pk, "label": str(version)},
                                     {"type": "corpus", "id": corpus.pk, "label": corpus.name}])
        audit.record(user, "model.predict", version, project_id=project.pk, corpus=corpus.pk, job=job.pk,
                     explain=bool(explain))
    return job
