"""A snapshot's rows for training and evaluation: texts, targets in the snapshot's label order.

pyarrow is loaded when a file is read: web processes import this module (comparisons read a split) and
most of them never read one."""

import json
from dataclasses import dataclass

import numpy as np

from labeling.services.snapshots import METADATA_KEY


@dataclass
class Split:
    ids: list
    external_ids: list
    texts: list
    targets: np.ndarray  # class indices (single-label) or an (n, k) 0/1 matrix (multi-label)


def snapshot_labels(snapshot):
    """(label names in the snapshot's order, multi-label?) from the file's own metadata."""
    import pyarrow.parquet as pq

    metadata = json.loads(pq.read_schema(snapshot.path).metadata[METADATA_KEY])
    return metadata["labels"], metadata["kind"] == "multi"


def read_split(snapshot, split, labels, multi):
    import pyarrow.parquet as pq

    table = pq.read_table(snapshot.path, columns=["document_id", "external_id", "text", "labels", "split"],
                          filters=[("split", "=", split)])
    index = {name: position for position, name in enumerate(labels)}
    rows = table.to_pylist()
    if multi:
        targets = np.zeros((len(rows), len(labels)), dtype=int)
        for row_number, row in enumerate(rows):
            for name in row["labels"]:
                targets[row_number, index[name]] = 1
    else:
        targets = np.array([index[row["labels"][0]] for row in rows], dtype=int)
    return Split([row["document_id"] for row in rows], [row["external_id"] for row in rows],
                 [row["text"] for row in rows], targets)
