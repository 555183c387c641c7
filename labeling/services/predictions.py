"""Model predictions for documents: what annotators see pre-selected, and the uncertainty the
task queue can order by. Prediction jobs and the API record them the same way."""

import math

from django.db import transaction
from django.db.models import Q

from studio.errors import Refusal

from ..models import Document, Label, LabelSchema, Prediction
from .schema import is_multi
from .spans import SpanError, check_spans

MAX_PER_CALL = 1000
MAX_EXPLAINED = 50  # words one prediction's explanation names


class PredictionError(Refusal):
    """A prediction names a document or label the project does not have, or a bad score."""


def _binary(p):
    return [p, 1.0 - p]


def _least_confidence(probabilities):
    return 1.0 - max(probabilities)


def _margin(probabilities):
    top = sorted(probabilities, reverse=True) + [0.0]
    return 1.0 - (top[0] - top[1])


def _entropy(probabilities):
    if len(probabilities) < 2:
        return 0.0
    return -sum(p * math.log(p) for p in probabilities if p > 0) / math.log(len(probabilities))


MEASURES = {"least_confidence": _least_confidence, "margin": _margin, "entropy": _entropy}


def uncertainty(scores, measure="least_confidence", multi=False):
    """How unsure the model is, higher first in the queue: least confidence (1 − the top score),
    margin (1 − the gap between the two top scores) or entropy (normalised to 0…1). Multi-label
    scores are independent yes/no probabilities: the most uncertain label counts."""
    if not scores:
        return None
    rate = MEASURES[measure]
    if multi:
        return max(rate(_binary(p)) for p in scores.values())
    return rate(list(scores.values()))


def _scores(raw, names, number):
    if not isinstance(raw, dict):
        raise PredictionError(f"Prediction {number}: scores must be an object of label name → probability.")
    scores = {}
    for name, value in raw.items():
        if name not in names:
            raise PredictionError(f"Prediction {number}: {name!r} is not one of the project's labels.")
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) \
                or not 0 <= value <= 1:
            raise PredictionError(f"Prediction {number}: the score for {name!r} must be a number from 0 to 1.")
        scores[name] = float(value)
    return scores


def _spans(schema, text, raw, number):
    """[{start, end, label, score}] checked as annotators' spans are, each with a score from 0 to 1."""
    if not raw:
        return []
    if schema is None or not isinstance(raw, list):
        raise PredictionError(f"Prediction {number}: spans need the project's span labels, as a list.")
    for span in raw:
        score = span.get("score") if isinstance(span, dict) else None
        if isinstance(score, bool) or not isinstance(score, int | float) or not math.isfinite(score) \
                or not 0 <= score <= 1:
            raise PredictionError(f"Prediction {number}: each span needs a score from 0 to 1.")
    try:
        checked = check_spans(schema, text, raw)
    except SpanError as error:
        raise PredictionError(f"Prediction {number}: {error}") from None
    score = {(span["start"], span["end"], span["label"]): float(span["score"]) for span in raw}
    return [{"start": start, "end": end, "label": label.name, "score": score[start, end, label.name]}
            for start, end, label in checked]


def _explanation(raw, names, text, number):
    """{label, words: [{start, end, weight}]} checked: a project label, at most MAX_EXPLAINED words inside the note,
    in reading order."""
    if not raw:
        return {}
    words = raw.get("words") if isinstance(raw, dict) else None
    if not isinstance(words, list) or raw.get("label") not in names:
        raise PredictionError(f"Prediction {number}: an explanation is {{label: one of the project's labels, words: "
                              "[{start, end, weight}]}.")
    if len(words) > MAX_EXPLAINED:
        raise PredictionError(f"Prediction {number}: an explanation names at most {MAX_EXPLAINED} words.")
    checked = []
    for word in words:
        start, end, weight = (word.get(key) if isinstance(word, dict) else None for key in ("start", "end", "weight"))
        if not all(isinstance(value, int) and not isinstance(value, bool) for value in (start, end)) \
                or not 0 <= start < end <= len(text) or isinstance(weight, bool) \
                or not isinstance(weight, int | float) or not math.isfinite(weight):
            raise PredictionError(f"Prediction {number}: each explained word is {{start, end, weight}}: character "
                                  f"offsets inside the note ({len(text):,} characters) and a number.")
        checked.append({"start": start, "end": end, "weight": float(weight)})
    return {"label": raw["label"], "words": sorted(checked, key=lambda word: word["start"])}


@transaction.atomic
def record(project, model_version, items, measure="least_confidence", version=None):
    """Store predictions [{document, labels: [label names], scores: {name: p}, spans: [{start, end, label,
    score}], explanation: {label, words: [{start, end, weight}]}}] of one model version (spans are checked against their notes as annotators' are; the least certain
    span counts towards the note's uncertainty);
    a document's earlier prediction by the same version is replaced — and with `version` (a studio
    ModelVersion), every earlier prediction by a version of the same registered model, so the queue
    orders by the latest. Returns how many were stored."""
    model_version = (model_version or "").strip()
    if not model_version or len(model_version) > 200:
        raise PredictionError("model_version: name the model that made these (at most 200 characters).")
    if not items:
        raise PredictionError("predictions: send at least one.")
    if len(items) > MAX_PER_CALL:
        raise PredictionError(f"predictions: at most {MAX_PER_CALL} in one call; send the rest in another.")
    labels = {label.name: label for label in Label.objects.filter(schema__project=project, schema__name="")}
    multi = is_multi(project)
    wanted = {item["document"] for item in items}
    if len(wanted) != len(items):
        raise PredictionError("predictions: each document at most once per call.")
    with_spans = any(item.get("spans") for item in items)
    documents = Document.objects.filter(corpus__project=project, id__in=wanted)
    texts = dict(documents.values_list("id", "text")) if with_spans or any(
        item.get("explanation") for item in items) else dict.fromkeys(
        documents.values_list("id", flat=True))
    if wanted - set(texts):
        raise PredictionError(f"Document {min(wanted - set(texts))} is not in this project.")
    schema = LabelSchema.objects.filter(project=project, name="").first() if with_spans else None
    rows, chosen = [], []
    for number, item in enumerate(items, 1):
        names = list(dict.fromkeys(item.get("labels") or []))
        missing = [name for name in names if name not in labels]
        if missing:
            raise PredictionError(f"Prediction {number}: {missing[0]!r} is not one of the project's labels.")
        scores = _scores(item.get("scores") or {}, labels, number)
        spans = _spans(schema, texts.get(item["document"]), item.get("spans") or [], number)
        unsure = [value for value in (uncertainty(scores, measure, multi),
                                      max((1.0 - span["score"] for span in spans), default=None)) if value is not None]
        explanation = _explanation(item.get("explanation"), labels, texts.get(item["document"]), number)
        rows.append(Prediction(project=project, document_id=item["document"], model_version=model_version,
                               version=version, scores=scores, spans=spans, uncertainty=max(unsure, default=None),
                               explanation=explanation))
        chosen.append([labels[name] for name in names])
    earlier = Q(model_version=model_version)
    if version is not None:
        earlier |= Q(version__registered_model_id=version.registered_model_id)
    Prediction.objects.filter(earlier, document_id__in=wanted).delete()
    created = Prediction.objects.bulk_create(rows)
    through = Prediction.labels.through
    through.objects.bulk_create([through(prediction_id=prediction.pk, label_id=label.pk)
                                 for prediction, picked in zip(created, chosen, strict=True) for label in picked])
    return len(created)
