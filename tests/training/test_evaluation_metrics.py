"""Evaluation figures against scikit-learn on fixed predictions, and the bootstrap tests."""

import numpy as np
import pytest
from sklearn import metrics as sk

from training.evaluation import metrics
from training.evaluation import report as report_figures


@pytest.fixture
def single():
    rng = np.random.default_rng(0)
    truth = rng.integers(0, 3, 300)
    scores = rng.dirichlet([1, 1, 1], 300)
    scores[np.arange(150), truth[:150]] += 2  # half the documents predicted right, sure of it
    return truth, scores / scores.sum(axis=1, keepdims=True)


def test_single_label_figures_match_scikit_learn(single):
    truth, scores = single
    report = report_figures.evaluate(truth, scores, ["a", "b", "c"], multi=False)
    predicted = scores.argmax(axis=1)
    assert report["accuracy"] == pytest.approx(sk.accuracy_score(truth, predicted))
    assert report["macro_f1"] == pytest.approx(sk.f1_score(truth, predicted, average="macro"))
    assert report["weighted_f1"] == pytest.approx(sk.f1_score(truth, predicted, average="weighted"))
    assert report["confusion"] == sk.confusion_matrix(truth, predicted).tolist()
    assert report["roc_auc"] == pytest.approx(sk.roc_auc_score(truth, scores, multi_class="ovr", average="macro"))
    assert [row["support"] for row in report["per_label"]] == np.bincount(truth).tolist()
    low, high = report["macro_f1_interval"]
    assert low < report["macro_f1"] < high and high - low < 0.2
    assert 0 <= report["ece"] <= 1 and sum(row[4] for row in report["reliability"]) == 300


def test_multi_label_figures_match_scikit_learn():
    rng = np.random.default_rng(1)
    truth = rng.integers(0, 2, (200, 4))
    scores = np.clip(truth * 0.6 + rng.random((200, 4)) * 0.5, 0, 1)
    report = report_figures.evaluate(truth, scores, list("wxyz"), multi=True)
    predicted = (scores >= 0.5).astype(int)
    assert report["micro_f1"] == pytest.approx(sk.f1_score(truth, predicted, average="micro"))
    assert report["accuracy"] == pytest.approx(sk.accuracy_score(truth, predicted))
    assert report["pr_auc"] == pytest.approx(sk.average_precision_score(truth, scores, average="macro"))
    assert report["confusion"][0]["matrix"] == sk.multilabel_confusion_matrix(truth, predicted)[0].tolist()


def test_expected_calibration_error_of_a_perfectly_calibrated_and_an_overconfident_model():
    rng = np.random.default_rng(2)
    confidence = rng.random(20000)
    calibrated = (rng.random(20000) < confidence).astype(float)
    error, _bins = metrics.expected_calibration_error(confidence, calibrated)
    assert error < 0.02
    overconfident, _ = metrics.expected_calibration_error(np.full(1000, 0.95), np.r_[np.ones(600), np.zeros(400)])
    assert overconfident == pytest.approx(0.35)


def test_the_paired_bootstrap_tells_a_real_difference_from_noise(single):
    truth, scores = single
    weak = scores.argmax(axis=1)
    strong = weak.copy()
    strong[150:250] = truth[150:250]  # a hundred more right
    real = metrics.paired_bootstrap(truth, weak, strong, multi=False)
    assert real["delta"] > 0.2 and real["significant"] and real["low"] > 0
    noise = weak.copy()
    noise[150:152] = truth[150:152]
    assert not metrics.paired_bootstrap(truth, weak, noise, multi=False)["significant"]


def test_the_bootstraps_macro_f1_is_scikit_learns():
    rng = np.random.default_rng(3)
    for _ in range(50):
        k = int(rng.integers(2, 6))
        truth, predicted = rng.integers(0, k, 40), rng.integers(0, k, 40)
        predicted = np.where(rng.random(40) < 0.5, truth, predicted)  # about half right
        assert metrics.headline(truth, predicted, False) == pytest.approx(
            sk.f1_score(truth, predicted, average="macro", zero_division=0))
        truth_m, predicted_m = rng.integers(0, 2, (40, k)), rng.integers(0, 2, (40, k))
        truth_m[:, 0] = 0  # a label nobody has
        assert metrics.headline(truth_m, predicted_m, True) == pytest.approx(
            sk.f1_score(truth_m, predicted_m, average="macro", zero_division=0))
    assert metrics.headline(np.array([2, 2]), np.array([2, 2]), False) == 1.0  # classes 0 and 1 absent


def test_tuned_thresholds_are_each_label_s_best_f1_as_scikit_learn_counts_it():
    rng = np.random.default_rng(4)
    truth = rng.integers(0, 2, (120, 5))
    truth[:, 4] = 0  # a label that never occurs: 0.5
    scores = np.clip(truth * rng.uniform(0.1, 0.7, 5) + rng.random((120, 5)) * 0.6, 0, 1)
    expected = []
    for column in range(4):
        values = [sk.f1_score(truth[:, column], scores[:, column] >= threshold, zero_division=0)
                  for threshold in metrics.THRESHOLDS]
        expected.append(float(metrics.THRESHOLDS[int(np.argmax(values))]))
    assert metrics.tune_thresholds(truth, scores) == expected + [0.5]


def test_the_validation_figure_is_not_scored_with_thresholds_tuned_on_the_same_rows():
    """On scores with no signal, thresholds tuned on the rows they score find some F1 anyway; the held-out figure
    does not profit from it. With signal, both agree closely."""
    rng = np.random.default_rng(5)
    optimistic, held_out = [], []
    for _ in range(20):
        truth, scores = rng.integers(0, 2, (60, 4)), rng.random((60, 4))
        tuned = metrics.predictions(scores, True, metrics.tune_thresholds(truth, scores))
        optimistic.append(metrics.headline(truth, tuned, True))
        held_out.append(metrics.held_out_f1(truth, scores, True))
    assert np.mean(optimistic) > np.mean(held_out) + 0.02
    truth = rng.integers(0, 2, (400, 3))
    scores = np.clip(truth * 0.5 + rng.random((400, 3)) * 0.6, 0, 1)
    tuned = metrics.predictions(scores, True, metrics.tune_thresholds(truth, scores))
    assert metrics.held_out_f1(truth, scores, True) == pytest.approx(metrics.headline(truth, tuned, True), abs=0.05)
    single = rng.integers(0, 3, 50)
    single_scores = rng.random((50, 3))
    assert metrics.held_out_f1(single, single_scores, False) == metrics.headline(single, single_scores.argmax(1), False)


def test_micro_f1_its_interval_and_its_paired_test():
    rng = np.random.default_rng(6)
    truth = rng.integers(0, 2, (200, 4))
    scores = np.clip(truth * 0.4 + rng.random((200, 4)) * 0.7, 0, 1)
    predicted = (scores >= 0.5).astype(int)
    assert metrics.micro_f1(truth, predicted, True) == pytest.approx(sk.f1_score(truth, predicted, average="micro"))
    single, guessed = rng.integers(0, 3, 100), rng.integers(0, 3, 100)
    assert metrics.micro_f1(single, guessed, False) == pytest.approx(sk.f1_score(single, guessed, average="micro"))
    report = report_figures.evaluate(truth, scores, list("wxyz"), multi=True)
    low, high = report["micro_f1_interval"]
    assert low < report["micro_f1"] < high and high - low < 0.2
    worse = predicted.copy()
    worse[:100] = 1 - truth[:100]  # half the notes all wrong
    test = metrics.paired_bootstrap(truth, predicted, worse, True, metric=metrics.micro_f1)
    assert test["delta"] < -0.2 and test["significant"]


def test_a_model_that_predicts_the_same_for_every_note_is_called_collapsed():
    truth = np.array([[1, 0, 0], [0, 1, 1], [0, 0, 1]])
    every = np.ones((3, 3), dtype=int)
    assert "predicts all labels for every one of 3 notes" in metrics.collapsed(truth, every, True, list("abc"))
    assert "predicts no label" in metrics.collapsed(truth, np.zeros((3, 3), dtype=int), True, list("abc"))
    assert metrics.collapsed(truth, truth, True, list("abc")) is None
    assert metrics.collapsed(np.ones((3, 3), dtype=int), every, True, list("abc")) is None  # right: all had them all
    assert "“b” for every one of 4 notes" in metrics.collapsed(np.array([0, 1, 2, 1]), np.array([1, 1, 1, 1]), False,
                                                               list("abc"))
    assert metrics.collapsed(np.array([0, 1]), np.array([0, 1]), False, list("ab")) is None
    report = report_figures.evaluate(np.array([0, 1, 2, 1]), np.tile([0.2, 0.7, 0.1], (4, 1)), list("abc"), multi=False)
    assert report["collapsed"].startswith("Collapsed: it predicts “b”")


def test_the_paired_bootstrap_over_seeds_compares_the_seeds_means(single):
    truth, scores = single
    weak = scores.argmax(axis=1)
    strong = weak.copy()
    strong[150:250] = truth[150:250]
    lucky = weak.copy()
    lucky[150:153] = truth[150:153]
    one = metrics.paired_bootstrap_seeds(truth, [weak], [strong], multi=False)
    assert one == metrics.paired_bootstrap(truth, weak, strong, multi=False)  # one seed each: the plain test
    real = metrics.paired_bootstrap_seeds(truth, [weak, weak], [strong, strong], multi=False)
    assert real["significant"] and real["delta"] == pytest.approx(one["delta"])
    mixed = metrics.paired_bootstrap_seeds(truth, [weak, weak], [lucky, weak], multi=False)
    assert not mixed["significant"] and 0 < mixed["delta"] < one["delta"] / 10
