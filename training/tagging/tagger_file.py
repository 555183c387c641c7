"""A span tagger version's folder: its model and `tagger.json` ({"kind": "crf", "labels": [span label names]}).
Nothing in it is pickled."""

import json

from studio.errors import Refusal

SETTINGS_FILE = "tagger.json"


class TaggerLoadError(Refusal):
    """The folder holds no span tagger the studio can load; the message says why."""


def write_settings(folder, kind, labels):
    (folder / SETTINGS_FILE).write_text(json.dumps({"kind": kind, "labels": labels}))


def read_settings(folder):
    try:
        return json.loads((folder / SETTINGS_FILE).read_text())
    except (OSError, ValueError) as error:
        raise TaggerLoadError(f"No span tagger in this version's folder ({error}).") from None


def load(folder):
    """The version's tagger: `.predict(text)` → [(start, end, label, score)]."""
    settings = read_settings(folder)
    if settings["kind"] != "crf":
        raise TaggerLoadError(f"A span tagger of kind {settings['kind']!r} cannot be loaded here.")
    from .crf import Tagger

    return Tagger(folder, settings["labels"])
