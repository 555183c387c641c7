"""A fine-tuned encoder's probabilities in PyTorch: the saved Hugging Face folder (safetensors only, no code taken
from it), its own [CLS] head or the studio's mean-pooled one, on the GPU where there is one."""

import numpy as np
import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer

from . import pooled, windows
from .classifier_file import ClassifierLoadError, has_weights


@torch.no_grad()
def encoder_scores(model, tokenizer, texts, multi, max_length, batch_size=64):
    if getattr(model, "reading", None):  # long notes read in windows
        return windows.scores(model, tokenizer, texts, multi, max_length)
    device = next(model.parameters()).device
    model.eval()
    out = []
    for start in range(0, len(texts), batch_size):
        batch = tokenizer(texts[start:start + batch_size], truncation=True, max_length=max_length, padding=True,
                          return_tensors="pt").to(device)
        logits = model(**batch).logits.float()
        out.append((torch.sigmoid(logits) if multi else torch.softmax(logits, dim=-1)).cpu().numpy())
    return np.concatenate(out) if out else np.zeros((0, model.config.num_labels))


def load_model(folder, settings):
    """(model, tokenizer) of a classifier folder, in evaluation mode."""
    if not has_weights(folder):
        raise ClassifierLoadError(f"{folder.name} has no model.safetensors; pickled weights are never loaded.")
    labels, multi = settings["labels"], settings["multi"]
    model = (pooled.load(folder, labels, multi) if settings.get("pooling") == "mean" else
             AutoModelForSequenceClassification.from_pretrained(folder, use_safetensors=True, trust_remote_code=False))
    if settings.get("reading"):
        model = windows.load(folder, model, settings["reading"], multi)
    return model.eval(), AutoTokenizer.from_pretrained(folder, trust_remote_code=False)


class TorchScorer:
    def __init__(self, folder, settings):
        self.model, self.tokenizer = load_model(folder, settings)
        if torch.cuda.is_available():
            self.model = self.model.cuda()
        self.multi, self.max_length = settings["multi"], settings["max_length"]

    def scores(self, texts):
        return encoder_scores(self.model, self.tokenizer, texts, self.multi, self.max_length)
