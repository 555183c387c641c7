"""Exports of a project's labels, streamed a batch at a time: every annotation, or the resolved
labels a snapshot would take, as JSON Lines or CSV, with their spans where the project has span labels
(`spans`: [{start, end, label}], the shape Label Studio's and doccano's importers map); the resolved spans also
as CoNLL (BIO tags on whitespace tokens). CSV cells that a spreadsheet would run as a formula are neutralised.
Every export is audited."""

import csv
import io
import json

from studio import audit
from studio.errors import Refusal

from ..models import Annotation, Span, SpanLabel
from . import resolution
from .bio import align, tag_names, whitespace_tokens

FORMATS = {"jsonl": "application/x-ndjson", "csv": "text/csv; charset=utf-8", "conll": "text/plain; charset=utf-8"}
CONTENTS = ("annotations", "resolved")
COLUMNS = {
    "annotations": ["document_id", "external_id", "corpus", "text", "annotator", "source", "labels", "comment",
                    "version", "rejected_reason", "updated_at"],
    "resolved": ["document_id", "external_id", "corpus", "text", "labels", "rule", "annotators", "split"],
}
# A cell starting with one of these is a formula to Excel, LibreOffice and Google Sheets.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
BATCH = 2000


class ExportError(Refusal):
    """An export asked for in a format or of a content there is none of."""


def spreadsheet_safe(value):
    """The cell as text a spreadsheet shows as text: a leading apostrophe before a would-be formula."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def annotation_records(project, spans=False):
    """Every annotation of the project (imported ones too), in id order; with `spans`, their spans."""
    annotations = (Annotation.objects.filter(document__corpus__project=project).order_by("id")
                   .values("id", "document_id", "document__external_id", "document__corpus__name", "document__text",
                           "annotator__username", "source", "comment", "version", "rejected_reason", "updated_at"))
    after = 0
    while batch := list(annotations.filter(id__gt=after)[:BATCH]):
        labels = {}
        for annotation, name in (Annotation.labels.through.objects.filter(annotation_id__in=[row["id"] for row in batch])
                                 .order_by("label__position", "label_id").values_list("annotation_id", "label__name")):
            labels.setdefault(annotation, []).append(name)
        marked = {}
        if spans:
            for annotation, start, end, name in (Span.objects.filter(annotation_id__in=[row["id"] for row in batch])
                                                 .values_list("annotation_id", "start", "end", "label__name")):
                marked.setdefault(annotation, []).append({"start": start, "end": end, "label": name})
        for row in batch:
            yield {
                "document_id": row["document_id"], "external_id": row["document__external_id"],
                "corpus": row["document__corpus__name"], "text": row["document__text"],
                "annotator": row["annotator__username"], "source": row["source"], "labels": labels.get(row["id"], []),
                "comment": row["comment"], "version": row["version"], "rejected_reason": row["rejected_reason"],
                "updated_at": row["updated_at"].isoformat(),
                **({"spans": marked.get(row["id"], [])} if spans else {}),
            }
        after = batch[-1]["id"]


def resolved_records(project, spans=False):
    """Each labeled document's resolved labels (as a snapshot takes them), with `spans` its spans; ties are left
    out."""
    ids = resolution.labeled_document_ids(project)
    for row in resolution.resolve(project, ids, with_text=True, spans=spans):
        if row.rule != resolution.TIE:
            yield {"document_id": row.id, "external_id": row.external_id, "corpus": row.corpus, "text": row.text,
                   "labels": list(row.labels), "rule": row.rule, "annotators": row.votes, "split": row.split,
                   **({"spans": None if row.spans is None else [{"start": start, "end": end, "label": label}
                                                                for start, end, label in row.spans]} if spans else {})}


def _conll(records, labels):
    """CoNLL: per note a -DOCSTART- line naming it, then one whitespace token and its BIO tag a line; a blank line
    after each note."""
    names = tag_names(labels)
    for record in records:
        if record["spans"] is None:  # its annotators' span sets tie
            continue
        text, tokens = record["text"], whitespace_tokens(record["text"])
        marked = [(span["start"], span["end"], span["label"]) for span in record["spans"]]
        lines = [f"-DOCSTART- {record['external_id']}", ""]
        tags = align(tokens, marked, labels)
        lines += [f"{text[start:end]}\t{names[tag]}" for (start, end), tag in zip(tokens, tags)]
        yield ("\n".join(lines) + "\n\n").encode()


def _jsonl(records):
    for record in records:
        yield (json.dumps(record, ensure_ascii=False) + "\n").encode()


def _cell(column, value):
    """A CSV cell: labels joined by |, spans as their JSON list."""
    if column == "spans":
        return json.dumps(value, ensure_ascii=False)
    return "|".join(value) if isinstance(value, list) else value


def _csv(records, columns):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    for number, record in enumerate(records, 1):
        writer.writerow([spreadsheet_safe(_cell(column, record[column])) for column in columns])
        if number % 200 == 0:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


def export(actor, project, fmt, content):
    """(file name, content type, chunks of bytes) of the export; the audit event is written first."""
    if fmt not in FORMATS:
        raise ExportError(f"format must be one of: {', '.join(FORMATS)} (the Parquet file is a snapshot's download).")
    if content not in CONTENTS:
        raise ExportError(f"content must be one of: {', '.join(CONTENTS)}.")
    span_labels = list(SpanLabel.objects.filter(schema__project=project).values_list("name", flat=True))
    if fmt == "conll" and (content != "resolved" or not span_labels):
        raise ExportError("CoNLL holds spans as a dataset takes them: content=resolved, in a project with span labels.")
    audit.record(actor, "labels.export", project, project_id=project.pk, format=fmt, content=content)
    spans = bool(span_labels)
    records = annotation_records(project, spans) if content == "annotations" else resolved_records(project, spans)
    if fmt == "conll":
        chunks = _conll(records, span_labels)
    elif fmt == "jsonl":
        chunks = _jsonl(records)
    else:
        chunks = _csv(records, COLUMNS[content] + (["spans"] if spans else []))
    return f"project-{project.pk}-{content}.{'txt' if fmt == 'conll' else fmt}", FORMATS[fmt], chunks
