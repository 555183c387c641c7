"""A snapshot's spans for training and evaluating span models: the span labels (from the file's own metadata) and
each split's notes with their spans. pyarrow is loaded when a file is read."""

import json
from dataclasses import dataclass

from labeling.services.snapshots import METADATA_KEY


@dataclass
class SpanSplit:
    ids: list
    external_ids: list
    texts: list
    spans: list  # per note [(start, end, label)] in text order


def span_labels(snapshot):
    """The snapshot's span label names, in the schema's order ([] for a snapshot without spans)."""
    import pyarrow.parquet as pq

    return json.loads(pq.read_schema(snapshot.path).metadata[METADATA_KEY]).get("span_labels", [])


def read_spans(snapshot, split):
    import pyarrow.parquet as pq

    table = pq.read_table(snapshot.path, columns=["document_id", "external_id", "text", "spans", "split"],
                          filters=[("split", "=", split)])
    rows = [row for row in table.to_pylist() if row["spans"] is not None]  # a tie between span sets: none to learn
    return SpanSplit([row["document_id"] for row in rows], [row["external_id"] for row in rows],
                     [row["text"] for row in rows],
                     [[(span["start"], span["end"], span["label"]) for span in row["spans"]] for row in rows])
