"""A classifier version's scores for texts, whatever it is: the baseline (arrays + JSON) or a
fine-tuned encoder (Hugging Face folder with its label mapping and thresholds)."""

import json

import numpy as np
import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer

from .baseline import Baseline

SETTINGS_FILE = "classifier.json"  # labels, multi-label, thresholds, max length


def write_settings(folder, labels, multi, thresholds, max_length):
    (folder / SETTINGS_FILE).write_text(json.dumps({"labels": labels, "multi": multi, "thresholds": thresholds,
                                                    "max_length": max_length}))


def read_settings(folder):
    return json.loads((folder / SETTINGS_FILE).read_text())


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


def scores(folder, texts):
    """(probabilities, settings) of the classifier saved in `folder` for the texts."""
    settings = read_settings(folder)
    if (folder / "baseline.json").exists():
        return Baseline.load(folder).predict_proba(texts), settings
    model = AutoModelForSequenceClassification.from_pretrained(folder)
    if torch.cuda.is_available():
        model = model.cuda()
    tokenizer = AutoTokenizer.from_pretrained(folder)
    return encoder_scores(model, tokenizer, texts, settings["multi"], settings["max_length"]), settings
