"""Uploads and corpus imports: store the file safely, preview it, stream it into documents."""

import hashlib
import json
import math
import uuid
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction

from studio import audit
from studio.jobs import service as jobs_service

from ..importing.formats import (
    FORMATS,
    PLAIN_TEXT_FORMATS,
    TEXT_FIELD,
    Row,
    RowError,
    Source,
    guess_format,
    read,
)
from ..importing.sources import ImportFileError
from ..models import Corpus, Document, Upload

BATCH_SIZE = 2000
MAX_REPORTED_ERRORS = 100
PREVIEW_ROWS = 10


class UploadTooLarge(ValueError):
    pass


def uploads_folder():
    folder = Path(settings.STUDIO_ARTIFACTS_DIR) / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def store_upload(user, project, name, chunks):
    """Write the uploaded chunks to disk, hashing as they come; refuse past the size limit."""
    stored_name = f"{uuid.uuid4().hex}.upload"  # never the user's name or extension
    path = uploads_folder() / stored_name
    digest = hashlib.sha256()
    size = 0
    try:
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
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    if size == 0:
        path.unlink(missing_ok=True)
        raise ImportFileError(f"{name} is empty.")
    upload = Upload.objects.create(
        project=project, uploaded_by=user, original_name=Path(name).name[:255], stored_name=stored_name,
        size=size, sha256=digest.hexdigest(),
    )
    audit.record(user, "upload.create", upload, project_id=project.pk, name=upload.original_name, size=size)
    return upload


def preview(upload, kind=None):
    """The format, encoding, columns and first rows of an upload, for the column-mapping form."""
    with Source(upload.path, upload.original_name) as source:
        kind = kind or guess_format(upload.original_name, source.sample)
        encoding = None if kind in ("zip", "parquet") else source.encoding
        rows, errors = [], []
        for item in read(source, kind):
            if isinstance(item, RowError):
                errors.append([item.number, item.reason])
            else:
                rows.append(item.fields)
            if len(rows) + len(errors) >= PREVIEW_ROWS:
                break
    columns = list(dict.fromkeys(key for row in rows for key in row))
    return {"format": kind, "encoding": encoding, "columns": columns, "rows": rows, "errors": errors}


def suggested_mapping(columns):
    lowered = {column.lower(): column for column in columns}
    text = next((lowered[name] for name in ("text", "note", "note_text", "body", "content", "abstract", "document")
                 if name in lowered), columns[0] if columns else TEXT_FIELD)
    identifier = next((lowered[name] for name in ("id", "external_id", "note_id", "doc_id", "document_id")
                       if name in lowered), "")
    return {"text_field": text, "id_field": identifier}


@transaction.atomic
def start_import(user, upload, *, name, format, text_field, id_field="", meta_fields=(), max_errors=100):
    if format not in FORMATS:
        raise ImportFileError(f"Unknown format {format!r}.")
    if format in PLAIN_TEXT_FORMATS:
        text_field, id_field, meta_fields = TEXT_FIELD, "id", ()
    corpus = Corpus.objects.create(
        project=upload.project, name=name, created_by=user, upload=upload, source_name=upload.original_name,
        source_sha256=upload.sha256, status=Corpus.Status.IMPORTING,
        mapping={"format": format, "text_field": text_field, "id_field": id_field, "meta_fields": list(meta_fields)},
    )
    job = jobs_service.start_job(
        user, "import", {"corpus_id": corpus.pk, "max_errors": max_errors},
        project=upload.project, inputs=[{"type": "upload", "id": upload.pk, "label": upload.original_name}],
    )
    audit.record(user, "corpus.import", corpus, project_id=corpus.project_id, upload=upload.pk, job=job.pk)
    return corpus, job


class _Errors:
    def __init__(self, limit):
        self.limit = limit
        self.count = 0
        self.first = []

    def add(self, number, reason):
        self.count += 1
        if len(self.first) < MAX_REPORTED_ERRORS:
            self.first.append([number, reason])

    @property
    def too_many(self):
        return self.count > self.limit


_COLUMNS = ("corpus_id", "external_id", "text", "meta", "content_hash", "length", "split")


def _insert_documents(rows):
    """Write document rows (tuples in _COLUMNS order) in one statement per batch.

    PostgreSQL takes them with COPY; other databases with one executemany. Model instances
    and the ORM's per-value preparation cost more than parsing the file did.
    """
    if not rows:
        return
    table = Document._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({', '.join(_COLUMNS)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            placeholders = ", ".join(["%s"] * len(_COLUMNS))
            cursor.executemany(f"INSERT INTO {table} ({', '.join(_COLUMNS)}) VALUES ({placeholders})", rows)


def _json(meta):
    """Metadata as JSON text; NaN and infinities (Parquet floats, say) become null, which JSON has."""
    try:
        return json.dumps(meta, default=str, allow_nan=False)
    except ValueError:
        return json.dumps({key: None if isinstance(value, float) and not math.isfinite(value) else value
                           for key, value in meta.items()}, default=str)


def _document(corpus, row, mapping, seen_ids):
    """A document row (a tuple in _COLUMNS order) for a file row, or the reason it cannot be one."""
    fields = row.fields
    text = fields.get(mapping["text_field"])
    if text is None:
        return f"no field {mapping['text_field']!r}"
    if not isinstance(text, str):
        text = str(text)
    if not text.strip():
        return f"the text field {mapping['text_field']!r} is empty"
    if len(text) > settings.STUDIO_MAX_DOCUMENT_CHARS:
        return f"the text has {len(text):,} characters; at most {settings.STUDIO_MAX_DOCUMENT_CHARS:,} are allowed"
    external_id = fields.get(mapping["id_field"]) if mapping["id_field"] else None
    external_id = str(external_id) if external_id not in (None, "") else f"row-{row.number}"
    if len(external_id) > 255:
        return "the id is longer than 255 characters"
    key = hashlib.blake2b(external_id.encode(), digest_size=8).digest()
    if key in seen_ids:
        return f"the id {external_id!r} appears twice"
    seen_ids.add(key)
    meta = {field: fields.get(field) for field in mapping["meta_fields"] if field in fields}
    return (corpus.pk, external_id, text, _json(meta), hashlib.sha256(text.encode()).hexdigest(), len(text), "")


def run_import(job, reporter):
    """The `import` job: stream the upload into documents, all good rows or nothing."""
    corpus = Corpus.objects.select_related("upload").get(pk=job.params["corpus_id"])
    mapping = corpus.mapping
    # A re-delivered or retried import starts over from a clean corpus.
    corpus.documents.all().delete()
    Corpus.objects.filter(pk=corpus.pk).update(status=Corpus.Status.IMPORTING)
    errors = _Errors(job.params["max_errors"])
    imported = 0
    try:
        with Source(corpus.upload.path, corpus.upload.original_name) as source:
            batch, seen_ids = [], set()
            reporter.progress(0, f"Reading {source.name}")
            for item in read(source, mapping["format"]):
                result = _document(corpus, item, mapping, seen_ids) if isinstance(item, Row) else item.reason
                if isinstance(result, tuple):
                    batch.append(result)
                else:
                    errors.add(item.number, result)
                    if errors.too_many:
                        raise ImportFileError(
                            f"More than {errors.limit} rows could not be imported (the limit set for this import); "
                            "nothing was imported. Fix the rows listed and upload the file again."
                        )
                if len(batch) >= BATCH_SIZE:
                    _insert_documents(batch)
                    imported += len(batch)
                    batch = []
                    reporter.progress(source.position / max(source.size, 1), f"{imported:,} documents")
                    reporter.check_cancel()
            _insert_documents(batch)
            imported += len(batch)
    except BaseException:
        corpus.documents.all().delete()
        Corpus.objects.filter(pk=corpus.pk).update(
            status=Corpus.Status.FAILED, document_count=0, error_count=errors.count, errors=errors.first
        )
        raise
    Corpus.objects.filter(pk=corpus.pk).update(
        status=Corpus.Status.READY, document_count=imported, error_count=errors.count, errors=errors.first
    )
    if errors.count:
        reporter.logger.warning("%s rows were skipped; the first are listed on the corpus page", errors.count)
    return {"documents": imported, "skipped_rows": errors.count}
