"""Explanations of a classifier's predictions: for each note, the words that pushed it towards its top label
(the baseline: coefficient × feature; an encoder: integrated gradients), the strongest `top` of them. Computed
where the classifier is loaded — the predict API (`"explain": true`) and the pages that show a prediction."""

import numpy as np

from studio.errors import Refusal

from .words import strongest

TOP = 12
EXPLAINED_ERRORS = 20  # an evaluation report keeps the explanations of its first misclassified documents


class ExplainError(Refusal):
    """This classifier's predictions cannot be explained; the message says why."""


def explainable(version):
    """Whether a version's predictions can be explained: a classifier, the baseline or an encoder in PyTorch (not
    an ONNX export, not an ensemble)."""
    from ..ensembles.service import ENSEMBLE_FILE
    from ..models import RegisteredModel

    return (version.registered_model.kind == RegisteredModel.Kind.CLASSIFIER
            and (version.lineage or {}).get("runtime") != "onnx" and ENSEMBLE_FILE not in version.file_names())


def finder(classifier):
    """The classifier's explainer: (text, label index) → every word's weight [{start, end, weight}]."""
    scorer = classifier.scorer
    if hasattr(scorer, "vectorizers"):  # the TF-IDF baseline
        from .linear import explain as words_of

        return lambda text, label: words_of(scorer, text, label)
    if hasattr(scorer, "model"):  # an encoder in PyTorch
        from .gradients import explain as gradients_of

        return lambda text, label: gradients_of(scorer.model, scorer.tokenizer, text, label,
                                                classifier.settings["max_length"])
    raise ExplainError("Explanations need the baseline or an encoder in PyTorch: an ONNX export is explained "
                       "through the version it was exported from, an ensemble through each member.")


def explain(classifier, texts, scores, top=TOP):
    """For each text, {"label", "words": [{start, end, weight}]}: its top-scoring label's strongest words."""
    find = finder(classifier)
    found = []
    for text, row in zip(texts, np.asarray(scores)):
        label = int(np.argmax(row))
        words = strongest(find(text, label), top)
        found.append({"label": classifier.labels[label],
                      "words": [{**word, "weight": round(word["weight"], 5)} for word in words]})
    return found
