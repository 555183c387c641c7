"""Files to import: uploaded through the browser or the API, or named on the server by an admin."""

import hashlib
import uuid
from pathlib import Path

from django.conf import settings

from studio import artifacts, audit
from studio.errors import Refusal

from ..importing.sources import ImportFileError
from ..models import Upload


class UploadTooLarge(Refusal):
    """An upload over STUDIO_MAX_UPLOAD_BYTES."""

    status = 413


def store_upload(user, project, name, chunks):
    """Write the uploaded chunks to disk, hashing as they come, then into the artifacts; refuse past the size limit."""
    stored_name = f"{uuid.uuid4().hex}.upload"  # never the user's name or extension
    key = Upload(stored_name=stored_name).key
    digest = hashlib.sha256()
    size = 0
    with artifacts.staged(key) as path:  # a refused or failed upload leaves nothing behind
        with open(path, "xb") as out:
            for chunk in chunks:
                size += len(chunk)
                if size > settings.STUDIO_MAX_UPLOAD_BYTES:
                    raise UploadTooLarge(
                        f"{name} is larger than the limit of {settings.STUDIO_MAX_UPLOAD_BYTES:,} bytes; "
                        "split it, or ask an admin to raise STUDIO_MAX_UPLOAD_BYTES."
                    )
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise ImportFileError(f"{name} is empty.")
        artifacts.store().publish(path, key)  # no copy stays in this process's cache: a worker reads it
    upload = Upload.objects.create(
        project=project, uploaded_by=user, original_name=Path(name).name[:255], stored_name=stored_name,
        size=size, sha256=digest.hexdigest(),
    )
    audit.record(user, "upload.create", upload, project_id=project.pk, name=upload.original_name, size=size)
    return upload


def server_import_dirs():
    return settings.STUDIO_SERVER_IMPORT_DIRS


def server_files(limit=200):
    """Files an admin may import from the server, as (path, size), for the picker; at most `limit`."""
    found = []
    for folder in server_import_dirs():
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            if len(found) >= limit:
                return found
            if path.is_file() and not path.name.startswith("."):
                found.append((str(path), path.stat().st_size))
    return found


def _in_import_folders(resolved):
    """`resolved` when it is a regular file inside a server import folder; OSError otherwise."""
    if not resolved.is_file() or not any(resolved.is_relative_to(folder) for folder in server_import_dirs()):
        raise FileNotFoundError(resolved)
    return resolved


def readable_path(upload):
    """Where to read an upload. A server file is checked again as it is opened: it must still be a regular file
    inside a server import folder, reached through no link (one swapped in after registration is refused)."""
    if not upload.server_path:
        try:
            return artifacts.store().fetch(upload.key, upload.sha256)
        except artifacts.ArtifactMissing:
            raise ImportFileError(f"{upload.original_name} is no longer in the artifacts; upload it again.") from None
    registered = Path(upload.server_path)
    try:
        if registered.resolve(strict=True) != registered:
            raise FileNotFoundError(registered)  # a link now stands somewhere on the way
        return _in_import_folders(registered)
    except (OSError, RuntimeError):
        raise ImportFileError(f"{upload.original_name} is no longer a file in the server import folders; "
                              "register it again.") from None


def register_server_file(user, project, path_text):
    """An upload that reads a file already on the server, in place; only from the configured folders.

    The caller checks that `user` is an admin. The file is hashed by the import job, not here.
    """
    path_text = (path_text or "").strip()
    folders = ", ".join(str(folder) for folder in server_import_dirs()) or "none are configured"
    if not path_text:
        raise ImportFileError(f"Give the path of a file in one of the server import folders ({folders}).")
    path = Path(path_text).expanduser()
    if not path.is_absolute():
        path = server_import_dirs()[0] / path if server_import_dirs() else path
    try:
        resolved = _in_import_folders(path.resolve(strict=True))
    except (OSError, RuntimeError):
        raise ImportFileError(f"{path_text!r} is not a file in the server import folders ({folders}).") from None
    size = resolved.stat().st_size
    if size == 0:
        raise ImportFileError(f"{resolved.name} is empty.")
    try:
        with open(resolved, "rb"):
            pass
    except OSError as error:
        raise ImportFileError(f"The server cannot read {resolved.name}: {error.strerror}.") from None
    upload = Upload.objects.create(
        project=project, uploaded_by=user, original_name=resolved.name[:255], server_path=str(resolved),
        stored_name=f"{uuid.uuid4().hex}.server", size=size, sha256="",
    )
    audit.record(user, "upload.server_file", upload, project_id=project.pk, path=str(resolved), size=size)
    return upload
