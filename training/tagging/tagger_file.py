"""A span tagger version's folder: its model (CRFsuite's file, or a Hugging Face token classifier) and
`tagger.json` ({"kind": "crf" or "encoder", "labels": [span label names]}). Nothing in it is pickled; the
web side reads the settings here, and only a worker loads the model (tagging.run.load_tagger)."""

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

