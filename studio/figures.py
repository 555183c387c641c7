"""Numbers and metric names for people: 0.577, 2,888, 41 s, “Validation macro F1”, and which way is better."""

import math

# Metric keys as people read them; a key not listed is spelled out from its parts (see `metric_name`).
NAMES = {
    "loss": "Training loss",
    "train_loss": "Average training loss",
    "eval_loss": "Held-out loss",
    "perplexity": "Perplexity",
    "eval_perplexity": "Held-out perplexity",
    "learning_rate": "Learning rate",
    "grad_norm": "Gradient norm",
    "macro_f1": "Macro F1",
    "entity_f1": "Entity F1 (exact)",
    "overlap_f1": "Entity F1 (by overlap)",
    "micro_f1": "Micro F1",
    "weighted_f1": "Weighted F1",
    "accuracy": "Accuracy",
    "roc_auc": "ROC AUC",
    "pr_auc": "PR AUC",
    "ece": "Calibration error (ECE)",
    "eval_macro_f1": "Validation macro F1",
    "eval_entity_f1": "Validation entity F1",
    "validation_macro_f1": "Validation macro F1",
    "errors": "Misclassified documents",
    "model_version": "Model version",
    "evaluation": "Evaluation",
    "snapshot": "Snapshot",
}
WORDS = {"f1": "F1", "auc": "AUC", "roc": "ROC", "pr": "PR", "ece": "ECE", "eval": "held-out", "id": "ID"}

# Lower is better for these; everything else (F1, accuracy, AUC…) is better higher. Suffixes count too
# (`eval_loss`, `loss_after`).
LOWER_IS_BETTER = ("loss", "perplexity", "ece", "error", "errors", "brier", "seconds")


def figure(value):
    """A number as a person reads it: 2,888 · 0.577 · 1.000 · 41.2 · 12,345 · 3.20e-05; anything else unchanged."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return "—" if value is None else value
    if isinstance(value, int):
        return f"{value:,}"
    if not math.isfinite(value):
        return "—" if math.isnan(value) else ("∞" if value > 0 else "−∞")
    size = abs(value)
    if value == 0:
        return "0"
    if size < 1e-3:
        return f"{value:.2e}"
    if size <= 1:  # scores and rates: 1.000 beside 0.577
        return f"{value:.3f}"
    if value == int(value) and size < 1e15:
        return f"{int(value):,}"
    if size < 100:
        return f"{value:.3g}"
    return f"{value:,.0f}"


def duration(seconds):
    """41 s · 3 min 5 s · 2 h 4 min; under ten seconds to a tenth: 4.2 s."""
    if seconds is None or not math.isfinite(seconds):
        return "—"
    if seconds < 10:
        return f"{seconds:.1f} s"
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes, rest = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {rest} s" if rest else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


def metric_name(key):
    """`validation_macro_f1` → “Validation macro F1”; known keys by their usual names."""
    if key in NAMES:
        return NAMES[key]
    words = [WORDS.get(word, word) for word in str(key).split("_") if word]
    text = " ".join(words) or str(key)
    return text[0].upper() + text[1:]


def higher_is_better(key):
    parts = str(key).split("_")
    return not any(word in LOWER_IS_BETTER for word in parts)
