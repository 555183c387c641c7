"""Span taggers side by side on one snapshot split: each entity figure with its delta against the first, and paired
bootstrap tests of the exact and the by-overlap entity F1 on the same notes (each resample of the notes sums both
taggers' span counts over it)."""

import numpy as np

from labeling.services.span_matching import counts

from ..tagging.spans_data import read_spans
from . import metrics
from .compare import table_row
from .span_metrics import BOOTSTRAP, f1_from_counts

ROWS = ("entity_f1", "overlap_f1", "precision", "recall", "macro_f1")
NAMES = {"precision": "Precision (exact)", "recall": "Recall (exact)", "macro_f1": "Macro F1 (over span labels)"}
TESTS = ("Entity F1 (exact) difference real?", "Entity F1 (by overlap) difference real?")


def compare(reports, columns):
    """The comparison of span taggers' reports (one column each), in the shape `compare.compare` gives."""
    first = reports[0]
    split = read_spans(first.snapshot, first.split)
    predicted = [_predicted(column[0], split) for column in columns]
    table = [table_row(name, [figure(column[0], name) for column in columns], [None] * len(columns), NAMES.get(name))
             for name in ROWS]
    tests = [[None] + [paired_entity_f1(split.spans, predicted[0], other, overlap) for other in predicted[1:]]
             for overlap in (False, True)]
    return {"table": table, "tests": tests[0], "micro_tests": tests[1], "test_names": TESTS}


def figure(report, name):
    found = report.metrics
    return {"entity_f1": found.get("entity_f1"), "overlap_f1": found.get("overlap", {}).get("f1"),
            "precision": found.get("exact", {}).get("precision"), "recall": found.get("exact", {}).get("recall"),
            "macro_f1": found.get("macro_f1")}[name]


def _predicted(report, split):
    stored = report.predictions
    return [[(span["start"], span["end"], span["label"]) for span in stored.get(str(pk), [])] for pk in split.ids]


def note_counts(truth, predicted, overlap):
    """notes × [true positives, false positives, false negatives], every label summed."""
    rows = [np.sum(list(counts(true, guessed, overlap).values()) or [[0, 0, 0]], axis=0)
            for true, guessed in zip(truth, predicted)]
    return np.array(rows, dtype=np.int64).reshape(-1, 3)


def paired_entity_f1(truth, first, second, overlap=False, seed=13, rounds=BOOTSTRAP):
    """Entity F1 of `second` minus `first` on the same notes, its 95% interval over resamples of the notes, and
    the share of resamples where the sign flips (a two-sided p-value estimate)."""
    ones, twos = note_counts(truth, first, overlap), note_counts(truth, second, overlap)
    samples = np.random.default_rng(seed).integers(0, len(ones), (rounds, len(ones)))
    observed = float(f1_from_counts(twos.sum(axis=0)) - f1_from_counts(ones.sum(axis=0)))
    deltas = f1_from_counts(twos[samples].sum(axis=1)) - f1_from_counts(ones[samples].sum(axis=1))
    return metrics.bootstrap_result(observed, deltas)
