"""A model version's folder as a ZIP, streamed as it is written, with a generated model card as
README.md (audited)."""

import zipfile

from django.http import Http404, StreamingHttpResponse

from studio import audit

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


def _zip(folder, card):
    out = _Chunks()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr("README.md", card)
        for path in sorted(folder.rglob("*")):
            if path.name == "README.md" and path.parent == folder:
                continue  # the card takes its place
            if path.is_file():
                with archive.open(path.relative_to(folder).as_posix(), "w", force_zip64=True) as entry, \
                        open(path, "rb") as source:
                    while chunk := source.read(1 << 20):
                        entry.write(chunk)
                        yield out.take()
    yield out.take()


def version_zip_response(user, version):
    if not version.path.is_dir():
        raise Http404("This model version's files are missing.")
    audit.record(user, "model.download", version, project_id=version.registered_model.project_id)
    response = StreamingHttpResponse(_zip(version.path, model_card(version)), content_type="application/zip")
    name = "".join(char if char.isalnum() or char in "-_" else "-" for char in version.registered_model.name)
    response["Content-Disposition"] = f'attachment; filename="{name}-v{version.version}.zip"'
    return response
