"""Span agreement worked by hand: three annotators, two notes (one labeled by two of them only)."""

import pytest

from labeling.services.span_agreement import span_agreement

NOTES = {
    1: {"a": [(0, 5, "D"), (10, 15, "A")], "b": [(0, 5, "D"), (10, 14, "A")], "c": [(0, 5, "D")]},
    2: {"a": [], "b": [(3, 8, "D")]},
}


def test_pairwise_span_f1_exact_and_by_overlap_per_pair_per_label_and_overall():
    found = span_agreement(NOTES, ["D", "A", "Unused"])
    pairs = {(pair["first"], pair["second"]): pair for pair in found["pairs"]}
    # a–b: note 1 agrees on D, differs on A's end; note 2 only b marked D. Exact 1 matched, 2 + 1 unmatched.
    assert pairs["a", "b"]["documents"] == 2
    assert pairs["a", "b"]["exact_f1"] == pytest.approx(2 / 5) and pairs["a", "b"]["overlap_f1"] == pytest.approx(4 / 5)
    assert pairs["a", "c"]["documents"] == 1 and pairs["a", "c"]["exact_f1"] == pytest.approx(2 / 3)
    assert pairs["b", "c"]["overlap_f1"] == pytest.approx(2 / 3)
    assert found["exact_f1"] == pytest.approx(6 / 11) and found["overlap_f1"] == pytest.approx(8 / 11)
    labels = {row["label"]: row for row in found["per_label"]}
    assert labels["D"]["exact_f1"] == pytest.approx(6 / 7) and labels["A"]["exact_f1"] == 0.0
    assert labels["A"]["overlap_f1"] == pytest.approx(0.5)
    assert labels["Unused"] == {"label": "Unused", "exact_f1": None, "overlap_f1": None}


def test_notes_nobody_marked_agree_and_no_pairs_say_nothing():
    assert span_agreement({1: {"a": [], "b": []}}, ["D"])["exact_f1"] == 1.0
    assert span_agreement({1: {"a": [(0, 2, "D")]}}, ["D"]) == {"exact_f1": None, "overlap_f1": None, "pairs": [],
                                                                 "per_label": [{"label": "D", "exact_f1": None,
                                                                                "overlap_f1": None}]}
