"""A classifier folder's classifier.json: its labels, multi-label flag, thresholds, max length, how an encoder's
states reach its head and how it reads notes longer than its max length."""

import json

from studio.errors import Refusal

SETTINGS_FILE = "classifier.json"  # labels, multi-label, thresholds, max length


def write_settings(folder, labels, multi, thresholds, max_length, pooling=None, reading=None):
    """`pooling`: how an encoder's states become the head's input ("cls": the model's own head, "mean");
    `reading`: how it reads long notes (see `long_notes`; None: each note cut at `max_length`)."""
    (folder / SETTINGS_FILE).write_text(json.dumps({"labels": labels, "multi": multi, "thresholds": thresholds,
                                                    "max_length": max_length,
                                                    **({"pooling": pooling} if pooling else {}),
                                                    **({"reading": reading} if reading else {})}))


def long_notes(config):
    """How a fine-tune's settings read notes longer than `max_length`: None (cut there) or windows
    {"stride", "max_windows", "pooling"} (see windows.py; the stride as the run's start resolved it)."""
    if config.get("long_notes", "truncate") != "windows":
        return None
    return {"stride": config["stride"], "max_windows": config["max_windows"], "pooling": config["window_pooling"]}


def window_overlap(reading, body):
    """Tokens two neighbouring windows share, for windows of `body` tokens (special tokens left out) each
    `stride` on from the one before: the tokenizers' `stride`."""
    return max(0, body - min(reading["stride"], body))


WEIGHT_FILES = ("model.safetensors", "model.safetensors.index.json")  # in one file, or in shards an index names


def has_weights(folder):
    """Whether a Hugging Face folder holds safetensors weights (pickled ones never count)."""
    return any((folder / name).is_file() for name in WEIGHT_FILES)


def read_settings(folder):
    return json.loads((folder / SETTINGS_FILE).read_text())


class ClassifierLoadError(Refusal):
    """The folder holds no classifier the studio can load safely; the message says why."""


def reading_in_words(lineage, max_length):
    """How a version reads notes, as its page and model card say it ("" for a version whose lineage is silent)."""
    how = lineage.get("long_notes")
    if not how:
        return ""
    attention = f"; attention ran as {lineage['attention']}" if lineage.get("attention") else ""
    if "truncated_at" in how:
        return f"reads each note's first {how['truncated_at']:,} tokens (longer notes are cut){attention}"
    combined = {"max": "their maximum", "mean": "their mean"}.get(how["pooling"], "attention learnt in fine-tuning")
    return (f"reads long notes whole: windows of {max_length:,} tokens, each {how['stride']:,} on from the last "
            f"(at most {how['max_windows']:,} a note), their logits combined by {combined}{attention}")
