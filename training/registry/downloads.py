"""A model version's folder as a ZIP, streamed as it is written, with a generated model card as
README.md (audited). An ensemble's ZIP holds each member's folder too, under members/<version id>/."""

import itertools
import zipfile

from django.http import Http404, StreamingHttpResponse

from studio import audit

from ..ensembles.service import members_of
from ..models import ModelVersion
from .model_card import model_card


class _Chunks:
    """A write-only file for zipfile that hands back what was written so far."""

    def __init__(self):
        self.parts, self.position = [], 0

    def write(self, data):
        self.parts.append(bytes(data))
        self.position += len(data)
        return len(data)

    def tell(self):
        return self.position

    def flush(self):
        pass

    def take(self):
        data, self.parts = b"".join(self.parts), []
        return data


def _files(folder, prefix=""):
    """(name in the ZIP, path) of every file of `folder`, its own README.md left out (the card takes its place)."""
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not (path.name == "README.md" and path.parent == folder):
            yield prefix + path.relative_to(folder).as_posix(), path


def _zip(files, card):
    out = _Chunks()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr("README.md", card)
        for name, path in files:
            with archive.open(name, "w", force_zip64=True) as entry, open(path, "rb") as source:
                while chunk := source.read(1 << 20):
                    entry.write(chunk)
                    yield out.take()
    yield out.take()


def _member_files(version):
    for member in members_of(version.path) or ():
        found = ModelVersion.objects.filter(pk=member["version"]).first()
        if found is not None and found.path.is_dir():
            yield from _files(found.path, f"members/{found.pk}/")


def version_zip_response(user, version):
    if not version.path.is_dir():
        raise Http404("This model version's files are missing.")
    audit.record(user, "model.download", version, project_id=version.registered_model.project_id)
    files = itertools.chain(_files(version.path), _member_files(version))
    response = StreamingHttpResponse(_zip(files, model_card(version)), content_type="application/zip")
    name = "".join(char if char.isalnum() or char in "-_" else "-" for char in version.registered_model.name)
    response["Content-Disposition"] = f'attachment; filename="{name}-v{version.version}.zip"'
    return response
