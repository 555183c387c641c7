"""Entity-level figures for span models: exact and overlap matching worked by hand, every error named, the
interval brackets the figure, and the exact figures equal seqeval's on the same spans written as BIO tags."""

import random

import pytest
from seqeval.metrics import classification_report, f1_score, precision_score, recall_score

from labeling.services.span_matching import counts, f1, matches
from training.evaluation.span_metrics import figures

# "Left breast cancer with lymph node metastasis": Disease and Anatomy spans.
TRUTH = [[(0, 18, "Disease"), (0, 11, "Anatomy"), (24, 34, "Anatomy"), (35, 45, "Disease")]]
PREDICTED = [[(5, 18, "Disease"),   # wrong boundary (Disease 0-18)
              (0, 11, "Anatomy"),   # exact
              (24, 34, "Disease"),  # wrong type (Anatomy 24-34)
              (46, 50, "Disease")]]  # spurious; Disease 35-45 is missed


def test_exact_and_overlap_matches_worked_by_hand():
    assert matches(TRUTH[0], PREDICTED[0]) == [((0, 11, "Anatomy"), (0, 11, "Anatomy"))]
    assert counts(TRUTH[0], PREDICTED[0]) == {"Anatomy": [1, 0, 1], "Disease": [0, 3, 2]}
    assert counts(TRUTH[0], PREDICTED[0], overlap=True) == {"Anatomy": [1, 0, 1], "Disease": [1, 2, 1]}
    found = figures(TRUTH, PREDICTED, ["Disease", "Anatomy"])
    assert found["exact"]["precision"] == pytest.approx(1 / 4) and found["exact"]["recall"] == pytest.approx(1 / 4)
    assert found["overlap"]["f1"] == pytest.approx(2 / 4)  # 2 of 4 predicted, 2 of 4 true
    disease = found["overlap"]["per_label"][0]
    assert disease == {"label": "Disease", "precision": pytest.approx(1 / 3), "recall": 0.5,
                       "f1": pytest.approx(0.4), "support": 2}
    assert [(error["kind"], error["predicted"], error["true"]) for error in found["errors"]] == [
        ("wrong_boundary", (5, 18, "Disease"), (0, 18, "Disease")),
        ("wrong_type", (24, 34, "Disease"), (24, 34, "Anatomy")),
        ("missed", None, (35, 45, "Disease")),
        ("spurious", (46, 50, "Disease"), None),
    ]


def test_an_overlapping_span_is_matched_once():
    truth = [(0, 10, "A"), (12, 20, "A")]
    assert matches(truth, [(5, 15, "A")], overlap=True) == [((0, 10, "A"), (5, 15, "A"))]
    assert counts(truth, [(5, 15, "A")], overlap=True) == {"A": [1, 0, 1]}


def test_nothing_expected_and_nothing_found_is_right():
    assert f1(0, 0, 0) == (1.0, 1.0, 1.0) and f1(0, 2, 0) == (0.0, 0.0, 0.0)
    found = figures([[], []], [[], []], ["A"])
    assert found["exact"]["f1"] == 1.0 and found["errors"] == []


def bio(tokens, spans):
    """The tokens' BIO tags for spans that start and end on token boundaries."""
    tags = []
    for start, end in tokens:
        span = next((span for span in spans if span[0] <= start and end <= span[1]), None)
        tags.append("O" if span is None else f"{'B' if span[0] == start else 'I'}-{span[2]}")
    return tags


def random_tokens(rng):
    tokens, at = [], 0
    for _ in range(rng.randint(5, 25)):
        word = rng.choice(["pain", "left", "breast", "cancer", "node", "mass", "acute", "renal", "failure"])
        tokens.append((at, at + len(word)))
        at += len(word) + 1
    return tokens


def random_spans(rng, tokens, labels):
    """Spans of one to three whole tokens, none touching another."""
    spans, index = [], 0
    while index < len(tokens):
        if rng.random() < 0.3:
            last = min(index + rng.randint(1, 3), len(tokens)) - 1
            spans.append((tokens[index][0], tokens[last][1], rng.choice(labels)))
            index = last + 1
        index += 1
    return spans


def test_exact_figures_equal_seqeval_on_the_same_spans_as_bio_tags():
    rng = random.Random(3)
    labels = ["Disease", "Anatomy", "Drug"]
    tokens = [random_tokens(rng) for _ in range(60)]
    truth = [random_spans(rng, note, labels) for note in tokens]
    predicted = []
    for note, spans in zip(tokens, truth):  # keep most, relabel some, add others
        kept = [(start, end, rng.choice(labels) if rng.random() < 0.15 else label)
                for start, end, label in spans if rng.random() < 0.8]
        extra = [span for span in random_spans(rng, note, labels) if rng.random() < 0.3 and not any(
            span[0] < other[1] and other[0] < span[1] for other in kept)]
        predicted.append(sorted(kept + extra))
    true_tags = [bio(note, spans) for note, spans in zip(tokens, truth)]
    predicted_tags = [bio(note, spans) for note, spans in zip(tokens, predicted)]
    found = figures(truth, predicted, labels)
    assert found["exact"]["f1"] == pytest.approx(f1_score(true_tags, predicted_tags))
    assert found["exact"]["precision"] == pytest.approx(precision_score(true_tags, predicted_tags))
    assert found["exact"]["recall"] == pytest.approx(recall_score(true_tags, predicted_tags))
    report = classification_report(true_tags, predicted_tags, output_dict=True)
    for row in found["exact"]["per_label"]:
        assert row["f1"] == pytest.approx(report[row["label"]]["f1-score"]), row["label"]
        assert row["support"] == report[row["label"]]["support"]
    low, high = found["exact"]["f1_interval"]
    assert low < found["exact"]["f1"] < high and 0.3 < found["exact"]["f1"] < 0.95
