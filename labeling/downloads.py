"""File responses shared by the Datasets pages and the API: a snapshot's Parquet file and streamed exports."""

from django.http import FileResponse, Http404, StreamingHttpResponse

from studio import artifacts, audit

from .models import DatasetSnapshot
from .services import exports, snapshots


def snapshot_file_response(user, snapshot, spacy=False):
    """The snapshot's Parquet file as a download (audited), or with `spacy` its spaCy training files (a zip of a
    DocBin per split, for a snapshot with spans); 404 while it is not ready, or without spans."""
    if snapshot.status != DatasetSnapshot.Status.READY:
        raise Http404("This snapshot has no file: it is still being written, or it failed.")
    try:
        stream = artifacts.store().open(snapshot.spacy_key if spacy else snapshot.key)  # streamed, never cached here
    except artifacts.ArtifactMissing:
        raise Http404("This snapshot has no spaCy files: only a snapshot with spans has them." if spacy else
                      "This snapshot's file is missing from the artifacts.") from None
    audit.record(user, "snapshot.download", snapshot, project_id=snapshot.project_id, sha256=snapshot.sha256,
                 **({"format": "spacy"} if spacy else {}))
    name = snapshots.download_name(snapshot)
    response = FileResponse(stream, as_attachment=True,
                            filename=name.replace(".parquet", "-spacy.zip") if spacy else name,
                            content_type="application/zip" if spacy else "application/vnd.apache.parquet")
    if not spacy:
        response["X-Content-SHA256"] = snapshot.sha256
        response["Content-Length"] = str(snapshot.size)
    return response


def export_response(user, project, fmt, content):
    """A streamed export; ExportError for a format or content there is none of."""
    name, content_type, chunks = exports.export(user, project, fmt, content)
    response = StreamingHttpResponse(chunks, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
