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
