"""A classifier version's scores for texts, whatever it is: the baseline (arrays + JSON), a fine-tuned encoder
(Hugging Face folder with its label mapping and thresholds, run in PyTorch), an encoder exported to ONNX (fp32 or
int8, run by ONNX Runtime without torch), or an ensemble of such versions (their probabilities weighed, each
member's files checked against the sha256 it was combined with). Each kind's stack is imported only when a folder
of that kind is loaded. Weights are read from safetensors or ONNX only: a folder whose weights are pickled
(`pytorch_model.bin`) is refused, never unpickled, and no code is ever taken from a model folder."""

import numpy as np

from ..ensembles.service import member_folder, members_of
from ..evaluation.metrics import predictions
from .classifier_file import SETTINGS_FILE, ClassifierLoadError, read_settings
from .onnx_scorer import MODEL_FILE as ONNX_FILE


class Ensemble:
    def __init__(self, members):
        self.members = [(Classifier(member_folder(entry)), entry["weight"]) for entry in members]

    def scores(self, texts):
        return sum(weight * member.scores(texts) for member, weight in self.members)


def scorer(folder, settings):
    """What turns texts into probabilities for the classifier in `folder`."""
    if (members := members_of(folder)) is not None:
        return Ensemble(members)
    if (folder / "baseline.json").exists():
        from .baseline import Baseline  # scikit-learn

        return Baseline.load(folder)
    if (folder / ONNX_FILE).is_file():
        from .onnx_scorer import OnnxScorer  # ONNX Runtime and tokenizers; no torch

        return OnnxScorer(folder, settings)
    from .torch_scorer import TorchScorer  # torch and transformers

    return TorchScorer(folder, settings)


class Classifier:
    """A classifier loaded once: `scores(texts)` → probabilities, `labels_of(scores)` → label names."""

    def __init__(self, folder):
        if not (folder / SETTINGS_FILE).is_file():
            raise ClassifierLoadError(f"{folder.name} holds no {SETTINGS_FILE}: it is not a studio classifier.")
        self.settings = read_settings(folder)
        self.labels, self.multi = self.settings["labels"], self.settings["multi"]
        self.scorer = scorer(folder, self.settings)

    def scores(self, texts):
        return self.scorer.scores(texts)

    def predicted(self, scores):
        """Class indices (single-label) or a 0/1 matrix (multi-label, the tuned thresholds applied)."""
        return predictions(scores, self.multi, self.settings["thresholds"])

    def labels_of(self, scores):
        """Each row's predicted label names, as evaluation counts them."""
        chosen = self.predicted(scores)
        if self.multi:
            return [[self.labels[i] for i in np.nonzero(row)[0]] for row in chosen]
        return [[self.labels[int(index)]] for index in chosen]
