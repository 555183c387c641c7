"""A classifier folder's classifier.json: its labels, multi-label flag, thresholds and max length."""

import json

from studio.errors import Refusal

SETTINGS_FILE = "classifier.json"  # labels, multi-label, thresholds, max length


def write_settings(folder, labels, multi, thresholds, max_length, pooling=None):
    """`pooling`: how an encoder's states become the head's input ("cls": the model's own head, "mean")."""
    (folder / SETTINGS_FILE).write_text(json.dumps({"labels": labels, "multi": multi, "thresholds": thresholds,
                                                    "max_length": max_length,
                                                    **({"pooling": pooling} if pooling else {})}))


def read_settings(folder):
    return json.loads((folder / SETTINGS_FILE).read_text())


class ClassifierLoadError(Refusal):
    """The folder holds no classifier the studio can load safely; the message says why."""
