"""A snapshot's Parquet file: its columns, and writing its rows in row groups (the worker's side of a snapshot;
pyarrow is loaded here only)."""

import json

import pyarrow as pa
import pyarrow.parquet as pq

from ..models import Document
from .snapshots import METADATA_KEY, ROW_GROUP


SPAN = pa.struct([pa.field("start", pa.int32()), pa.field("end", pa.int32()), pa.field("label", pa.string())])


def _schema(single, spans):
    fields = [
        pa.field("document_id", pa.int64()), pa.field("external_id", pa.string()), pa.field("corpus", pa.string()),
        pa.field("text", pa.string()), pa.field("labels", pa.list_(pa.string())),
    ]
    if single:
        fields.append(pa.field("label", pa.string()))
    if spans:  # character offsets into text, end exclusive, in text order; null where annotators' sets tie
        fields.append(pa.field("spans", pa.list_(SPAN)))
    return fields + [pa.field("rule", pa.string()), pa.field("annotators", pa.int32()), pa.field("split", pa.string())]


def _table(rows, single, spans, schema):
    columns = {
        "document_id": [row.id for row in rows], "external_id": [row.external_id for row in rows],
        "corpus": [row.corpus for row in rows], "text": [row.text for row in rows],
        "labels": [list(row.labels) for row in rows],
    }
    if single:
        columns["label"] = [row.labels[0] if row.labels else None for row in rows]
    if spans:
        columns["spans"] = [None if row.spans is None else [{"start": start, "end": end, "label": label}
                                                             for start, end, label in row.spans] for row in rows]
    columns.update(rule=[row.rule for row in rows], annotators=[row.votes for row in rows],
                   split=[row.split for row in rows])
    return pa.Table.from_pydict(columns, schema=schema)


def write(path, rows, single, metadata, reporter, spans=False):
    """Write the resolved rows (with `spans`, their spans too), their texts read a row group at a time, with
    `metadata` in the file."""
    arrow_schema = pa.schema(_schema(single, spans), metadata={METADATA_KEY: json.dumps(metadata, sort_keys=True)})
    texts = Document.objects.values_list("id", "text")
    with pq.ParquetWriter(path, arrow_schema, compression="zstd") as writer:
        for start in range(0, len(rows), ROW_GROUP):
            group = rows[start:start + ROW_GROUP]
            text = dict(texts.filter(id__in=[row.id for row in group]))
            for row in group:
                row.text = text[row.id]
            writer.write_table(_table(group, single, spans, arrow_schema), row_group_size=ROW_GROUP)
            for row in group:
                row.text = None
            reporter.progress(0.4 + 0.55 * (start + len(group)) / len(rows),
                              f"Wrote {start + len(group):,} of {len(rows):,} rows")
            reporter.check_cancel()
