"""A classifier version's scores for texts, whatever it is: the baseline (arrays + JSON), a
fine-tuned encoder (Hugging Face folder with its label mapping and thresholds), or an ensemble of such versions
(their probabilities weighed, each member's files checked against the sha256 it was combined with). Weights are read
from safetensors only: a folder whose weights are pickled (`pytorch_model.bin`) is refused, never
unpickled, and no code is ever taken from a model folder."""


import numpy as np
import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer

from ..evaluation.metrics import predictions
from ..ensembles.service import members_of
from . import pooled
from .baseline import Baseline
from .classifier_file import SETTINGS_FILE, ClassifierLoadError, read_settings


def checked_member(entry):
    """An ensemble member's folder, once its files are what the ensemble was made with."""
    from ..models import ModelVersion
    from ..registry.versions import artifact_sha256

    version = ModelVersion.objects.filter(pk=entry["version"]).first()
    if version is None or not version.path.is_dir():
        raise ClassifierLoadError(f"The ensemble's member {entry['name']} is gone.")
    if artifact_sha256(version.path) != entry["sha256"]:
        raise ClassifierLoadError(f"The ensemble's member {entry['name']} has changed since the ensemble was made "
                                  "(sha256 mismatch).")
    return version.path


@torch.no_grad()
def encoder_scores(model, tokenizer, texts, multi, max_length, batch_size=32):
    device = next(model.parameters()).device
    model.eval()
    out = []
    for start in range(0, len(texts), batch_size):
        batch = tokenizer(texts[start:start + batch_size], truncation=True, max_length=max_length, padding=True,
                          return_tensors="pt").to(device)
        logits = model(**batch).logits.float()
        out.append((torch.sigmoid(logits) if multi else torch.softmax(logits, dim=-1)).cpu().numpy())
    return np.concatenate(out) if out else np.zeros((0, model.config.num_labels))


class Classifier:
    """A classifier loaded once: `scores(texts)` → probabilities, `labels_of(scores)` → label names."""

    def __init__(self, folder):
        if not (folder / SETTINGS_FILE).is_file():
            raise ClassifierLoadError(f"{folder.name} holds no {SETTINGS_FILE}: it is not a studio classifier.")
        self.settings = read_settings(folder)
        self.labels, self.multi = self.settings["labels"], self.settings["multi"]
        self._members = None
        if (members := members_of(folder)) is not None:
            self._members = [(Classifier(checked_member(entry)), entry["weight"]) for entry in members]
            return
        if (folder / "baseline.json").exists():
            self._baseline, self._model = Baseline.load(folder), None
            return
        if not (folder / "model.safetensors").is_file():
            raise ClassifierLoadError(f"{folder.name} has no model.safetensors; pickled weights are never loaded.")
        self._baseline = None
        self._model = (pooled.load(folder, self.labels, self.multi) if self.settings.get("pooling") == "mean" else
                       AutoModelForSequenceClassification.from_pretrained(folder, use_safetensors=True,
                                                                          trust_remote_code=False))
        if torch.cuda.is_available():
            self._model = self._model.cuda()
        self._tokenizer = AutoTokenizer.from_pretrained(folder, trust_remote_code=False)

    def scores(self, texts):
        if self._members is not None:  # an ensemble: its members' probabilities, weighed
            return sum(weight * member.scores(texts) for member, weight in self._members)
        if self._baseline is not None:
            return self._baseline.predict_proba(texts)
        return encoder_scores(self._model, self._tokenizer, texts, self.multi, self.settings["max_length"])

    def predicted(self, scores):
        """Class indices (single-label) or a 0/1 matrix (multi-label, the tuned thresholds applied)."""
        return predictions(scores, self.multi, self.settings["thresholds"])

    def labels_of(self, scores):
        """Each row's predicted label names, as evaluation counts them."""
        chosen = self.predicted(scores)
        if self.multi:
            return [[self.labels[i] for i in np.nonzero(row)[0]] for row in chosen]
        return [[self.labels[int(index)]] for index in chosen]
