"""Corpus imports: preview an upload, map its fields, and stream it into documents."""

import collections
import hashlib
import json
import math
import threading

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Max

from studio import audit
from studio.jobs import service as jobs_service

from ..importing import columns
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
from ..models import Corpus, Document
from . import corpora, search, uploads
from .document_writer import WRITER_THREADS, BatchWriter, write_batch
from .imported_labels import LabelResolver, checked_label_values, label_names
from .imported_spans import SpanResolver

# A batch is written (and committed) when it holds this many notes or this much text, whichever comes first:
# fewer commits for short notes, memory bounded for long ones (a batch per writer thread waits in memory).
BATCH_SIZE = 2000
BATCH_CHARACTERS = 4_000_000
MAX_REPORTED_ERRORS = 100
PREVIEW_ROWS = 10
PROFILE_ROWS = 500  # rows read to guess what each column holds


def preview(upload, kind=None):
    """The format, encoding, columns and first rows of an upload, for the column-mapping form, with what each
    column seems to hold (read from the first PROFILE_ROWS rows), the columns suggested and the text warnings."""
    with Source(uploads.readable_path(upload), upload.original_name) as source:
        kind = kind or guess_format(upload.original_name, source.sample)
        encoding = None if kind in ("zip", "parquet") else source.encoding
        rows, errors = [], []
        wanted = PREVIEW_ROWS if kind in PLAIN_TEXT_FORMATS else PROFILE_ROWS  # plain text has one column
        for item in read(source, kind):
            if isinstance(item, RowError):
                errors.append([item.number, item.reason])
            else:
                rows.append(item.fields)
            if len(rows) >= wanted or len(errors) >= PREVIEW_ROWS:
                break
    names = list(dict.fromkeys(key for row in rows for key in row))
    profiles = columns.profile(names, rows)
    return {"format": kind, "encoding": encoding, "columns": names, "rows": rows[:PREVIEW_ROWS], "errors": errors,
            "profile": {name: found.as_dict() for name, found in profiles.items()},
            "suggested": columns.suggest(names, profiles),
            "warnings": {name: warning for name in names if (warning := columns.text_warning(name, profiles[name]))}}


def check_text_column(upload, format, text_field):
    """Refuse a text column that holds numbers or short codes, as the mapping form warns (ImportFileError)."""
    if format in PLAIN_TEXT_FORMATS:
        return
    warning = preview(upload, format)["warnings"].get(text_field)
    if warning:
        raise ImportFileError(warning)


@transaction.atomic
def start_import(user, upload, *, name, format, text_field, id_field="", meta_fields=(), label_fields=(),
                 label_delimiter="", label_values=None, span_field="", max_errors=100):
    """A corpus for the upload and the `import` job that fills it. Label fields become imported annotations:
    each holds a label name, names joined by `label_delimiter`, or a list of names; `label_values` names the
    labels a value stands for ({"1": "Neoplasms"}), and those labels are added in its order. `span_field` holds
    each note's spans (see imported_spans)."""
    if format not in FORMATS:
        raise ImportFileError(f"Unknown format {format!r}.")
    if format in PLAIN_TEXT_FORMATS:
        text_field, id_field, meta_fields, label_fields, label_values, span_field = TEXT_FIELD, "id", (), (), None, ""
    if span_field and (span_field == text_field or span_field in label_fields):
        raise ImportFileError(f"The span field {span_field!r} is mapped as the text or a label field too.")
    label_values = checked_label_values(label_values or {}) if label_fields else {}
    corpus = Corpus.objects.create(
        project=upload.project, name=name, created_by=user, upload=upload, source_name=upload.original_name,
        source_sha256=upload.sha256, status=Corpus.Status.IMPORTING,
        mapping={"format": format, "text_field": text_field, "id_field": id_field, "meta_fields": list(meta_fields),
                 "label_fields": list(label_fields), "label_delimiter": label_delimiter,
                 "label_values": label_values, **({"span_field": span_field} if span_field else {})},
    )
    job = jobs_service.start_job(
        user, "import", {"corpus_id": corpus.pk, "max_errors": max_errors},
        project=upload.project, inputs=[{"type": "upload", "id": upload.pk, "label": upload.original_name}],
    )
    audit.record(user, "corpus.import", corpus, project_id=corpus.project_id, upload=upload.pk, job=job.pk)
    return corpus, job


class _Errors:
    """The rows that could not be imported, counted by the reader and the writer threads alike."""

    def __init__(self, limit):
        self.limit = limit
        self.count = 0
        self.repeated = 0  # rows a writer dropped: their id was written by an earlier batch
        self.first = []
        self.lock = threading.Lock()

    def add(self, number, reason, repeated=False):
        """Count a row; ImportFileError once there are more than the limit."""
        with self.lock:
            self.count += 1
            self.repeated += repeated
            if len(self.first) < MAX_REPORTED_ERRORS:
                self.first.append([number, reason])
            if self.count > self.limit:
                raise ImportFileError(
                    f"More than {self.limit} rows could not be imported (the limit set for this import); "
                    "nothing was imported. Fix the rows listed and upload the file again."
                )


def _repeated(external_id):
    return f"the id {external_id!r} appears twice"


def _batch_writer(errors):
    """Writes a batch of new documents. An id that a batch no longer in the reader's memory wrote already is
    found by the database's unique (corpus, id) index: that batch is written again without those rows, each an
    error. The reader finds the repeats among the batches it still holds, so memory stays flat."""

    def write(corpus_id, rows, labels, numbers, guard):
        try:
            write_batch(corpus_id, rows, labels, guard)
        except IntegrityError:
            taken = set(Document.objects.filter(corpus_id=corpus_id, external_id__in=[row[1] for row in rows])
                        .values_list("external_id", flat=True))
            if not taken:
                raise  # not a repeated id
            for row, number in zip(rows, numbers):
                if row[1] in taken:
                    errors.add(number, _repeated(row[1]), repeated=True)
            write_batch(corpus_id, [row for row in rows if row[1] not in taken],
                        {external_id: ids for external_id, ids in labels.items() if external_id not in taken}, guard)

    return write


_ENCODER = json.JSONEncoder(default=str, allow_nan=False, check_circular=False)  # made once: faster per row


def _json(meta):
    """Metadata as JSON text; NaN and infinities (Parquet floats, say) become null, which JSON has."""
    try:
        return _ENCODER.encode(meta)
    except ValueError:
        return _ENCODER.encode({key: None if isinstance(value, float) and not math.isfinite(value) else value
                                for key, value in meta.items()})


def _document(corpus, row, mapping, labels, longest, spans=None):
    """A document row (a tuple in document_writer.COLUMNS order) and its imported answer for a file row — None,
    or (label ids, [(start, end, span label)]) — or the reason it cannot be one. `longest`: the most characters a
    note may have; `spans`: the SpanResolver of a mapped span field."""
    fields = row.fields
    text = fields.get(mapping["text_field"])
    if text is None:
        return f"no field {mapping['text_field']!r}"
    if not isinstance(text, str):
        text = str(text)
    if not text or text.isspace():
        return f"the text field {mapping['text_field']!r} is empty"
    if len(text) > longest:
        return f"the text has {len(text):,} characters; at most {longest:,} are allowed"
    external_id = fields.get(mapping["id_field"]) if mapping["id_field"] else None
    external_id = str(external_id) if external_id not in (None, "") else f"row-{row.number}"
    if len(external_id) > 255:
        return "the id is longer than 255 characters"
    label_ids = None
    if labels is not None:
        names = label_names(fields, mapping["label_fields"], mapping.get("label_delimiter", ""),
                            mapping.get("label_values"))
        listed = any(isinstance(fields.get(field), (list, tuple)) for field in mapping["label_fields"])
        label_ids = labels.resolve(names, listed) if isinstance(names, list) else names
        if isinstance(label_ids, str):
            return label_ids
        if not label_ids and not (listed and labels.multi):
            label_ids = None  # nothing given: unlabeled (an empty list in a multi-label project: no label applies)
    marked = spans.spans(fields, text, labeled=label_ids is not None) if spans is not None else None
    if isinstance(marked, str):
        return marked
    meta = {field: fields.get(field) for field in mapping["meta_fields"] if field in fields}
    document = (corpus.pk, external_id, text, _json(meta), hashlib.sha256(text.encode()).hexdigest(), len(text), "")
    return document, None if label_ids is None and marked is None else (label_ids or [], marked or [])


def mark_duplicates(corpus):
    """Point each document whose text repeats an earlier one of the corpus at that first one."""
    with connection.cursor() as cursor:
        # One pass over the corpus in (content_hash, id) order, then a primary-key update per
        # repeat: no plan here depends on the table's statistics being up to date.
        cursor.execute(
            """UPDATE labeling_document SET duplicate_of_id = firsts.first_id
               FROM (SELECT id, FIRST_VALUE(id) OVER (PARTITION BY content_hash ORDER BY id) AS first_id
                     FROM labeling_document WHERE corpus_id = %s) AS firsts
               WHERE labeling_document.id = firsts.id AND firsts.id <> firsts.first_id""",
            [corpus.pk],
        )
        return cursor.rowcount


def refresh_statistics():
    """Let PostgreSQL's planner see the new documents now rather than when autovacuum gets to them."""
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE labeling_document")


def _hash_server_file(upload, reporter):
    """A file imported from the server is hashed by the job, not by the request that named it."""
    digest = hashlib.sha256()
    done = 0
    with open(uploads.readable_path(upload), "rb") as source:
        while chunk := source.read(1 << 20):
            digest.update(chunk)
            done += len(chunk)
            if done % (256 << 20) < (1 << 20):
                reporter.progress(0, f"Checking {upload.original_name}: {done / max(upload.size, 1):.0%}")
                reporter.check_cancel()
    upload.sha256 = digest.hexdigest()
    upload.save(update_fields=["sha256"])
    return upload.sha256


def run_import(job, reporter):
    """The `import` job: stream the upload into documents, all good rows or nothing; the corpus is ready to
    label as soon as they are in, and the job then fills their search vectors (search works meanwhile)."""
    corpus = Corpus.objects.select_related("upload", "project").get(pk=job.params["corpus_id"])
    if corpus.status != Corpus.Status.READY:  # a run re-delivered after the notes went in only finishes them
        result = _read(corpus, job, reporter.span(0, 0.5))
    else:
        result = {"documents": corpus.document_count, "skipped_rows": corpus.error_count}
    reporter.stage(0.5, f"{result['documents']:,} documents ready to label; looking for repeated notes")
    result["duplicates"] = mark_duplicates(corpus)
    reporter.stage(0.55, f"{result['duplicates']:,} repeated notes; indexing the documents for search")

    def indexed(share):
        reporter.progress(0.55 + 0.45 * share)
        reporter.check_cancel()  # a cancelled indexing leaves the corpus ready, its search slower

    search.index_corpus(corpus, guard=lambda: jobs_service.check_held(job), progress=indexed)
    return result


def _read(corpus, job, reporter):
    """The documents of the corpus's upload, written; the corpus is then ready."""
    mapping = corpus.mapping
    # A re-delivered or retried import starts over from a clean corpus.
    corpora.delete_documents(corpus)
    Corpus.objects.filter(pk=corpus.pk).update(status=Corpus.Status.IMPORTING)
    errors = _Errors(job.params["max_errors"])
    id_floor = (Document.objects.aggregate(last=Max("id"))["last"] or 0) + 1  # ids only grow
    labels = spans = None
    imported = 0
    try:
        if not corpus.upload.sha256:
            corpus.source_sha256 = _hash_server_file(corpus.upload, reporter)
            Corpus.objects.filter(pk=corpus.pk).update(source_sha256=corpus.source_sha256)
        if mapping.get("label_fields"):
            # One field of single names or JSON lists: its first labeled row tells, when the project has no schema.
            labels = LabelResolver(corpus.project, multi=bool(mapping.get("label_delimiter"))
                                   or len(mapping["label_fields"]) > 1 or None, actor=job.created_by)
            labels.resolve_each(dict.fromkeys(mapping.get("label_values", {}).values()))
        if mapping.get("span_field"):
            spans = SpanResolver(corpus.project, mapping["span_field"], actor=job.created_by)
        with Source(uploads.readable_path(corpus.upload), corpus.upload.original_name) as source, \
                BatchWriter(guard=lambda: jobs_service.check_held(job), work=_batch_writer(errors)) as writer:
            batch, batch_labels, numbers, ids, characters = [], {}, [], set(), 0
            # The ids of the batches not surely written yet (queued, or being written), and the one being read.
            recent = collections.deque(maxlen=2 * WRITER_THREADS + 1)
            longest = settings.STUDIO_MAX_DOCUMENT_CHARS
            reporter.stage(0, f"Reading {source.name}")
            for item in read(source, mapping["format"]):
                result = (_document(corpus, item, mapping, labels, longest, spans) if isinstance(item, Row)
                          else item.reason)
                if isinstance(result, tuple) and (result[0][1] in ids or any(result[0][1] in each for each in recent)):
                    result = _repeated(result[0][1])
                if isinstance(result, tuple):
                    document, answer = result
                    batch.append(document)
                    numbers.append(item.number)
                    ids.add(document[1])
                    characters += document[5]
                    if answer is not None:
                        batch_labels[document[1]] = answer
                else:
                    errors.add(item.number, result)
                if len(batch) >= BATCH_SIZE or characters >= BATCH_CHARACTERS:
                    writer.write(corpus.pk, batch, batch_labels, numbers)
                    imported += len(batch)
                    recent.append(ids)
                    batch, batch_labels, numbers, ids, characters = [], {}, [], set(), 0
                    reporter.progress(source.position / max(source.size, 1), f"{imported:,} documents")
                    reporter.check_cancel()
            writer.write(corpus.pk, batch, batch_labels, numbers)
            imported += len(batch)
        imported -= errors.repeated
        errors.first.sort()
        refresh_statistics()
    except BaseException:
        # What only this run knows; the documents go in `cleanup`, which every ending of the job runs.
        for resolver in (labels, spans):
            if resolver is not None:
                resolver.remove_added()
        Corpus.objects.filter(pk=corpus.pk).update(error_count=errors.count, errors=errors.first)
        raise
    Corpus.objects.filter(pk=corpus.pk).update(
        status=Corpus.Status.READY, document_count=imported, error_count=errors.count, errors=errors.first,
        id_floor=id_floor, id_ceiling=Document.objects.aggregate(last=Max("id"))["last"] or 0,
    )
    if errors.count:
        reporter.logger.warning("%s rows were skipped; the first are listed on the corpus page", errors.count)
    result = {"documents": imported, "skipped_rows": errors.count}
    if labels is not None:
        result["labels_added"] = len(labels.added)
    if spans is not None:
        result["span_labels_added"] = len(spans.added)
    return result


def cleanup(job):
    """An import that did not finish (failed, cancelled, given up, never sent) leaves no half corpus."""
    corpus = Corpus.objects.filter(pk=job.params["corpus_id"], status=Corpus.Status.IMPORTING).first()
    if corpus is None:
        return
    corpora.delete_documents(corpus)
    Corpus.objects.filter(pk=corpus.pk).update(status=Corpus.Status.FAILED, document_count=0)
