"""Room on disk before a job writes something large (a checkpoint, a model version, a snapshot): a full disk is
said in words that name the folder and the figures, before anything is half-written."""

import shutil
from pathlib import Path

from .errors import Refusal

MARGIN = 16 * 1024**2  # what the file system's own bookkeeping and small files next to it take


class NoSpace(Refusal):
    """Not enough free space for what a job is about to write."""

    status = 507


def ensure_space(folder, needed, what):
    """NoSpace unless `folder` (or, when it does not exist yet, its nearest existing parent) has `needed` bytes free."""
    existing = Path(folder)
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    free = shutil.disk_usage(existing).free
    if free < needed + MARGIN:
        raise NoSpace(f"No space left in {folder} for {what} (about {(needed + MARGIN) / 1024**2:,.0f} MB needed, "
                      f"{free / 1024**2:,.0f} MB free). Free some space, then retry the job.")


def folder_size(folder):
    return sum(path.stat().st_size for path in Path(folder).rglob("*") if path.is_file())
