"""Every figure of an evaluation report, from scikit-learn where it has them (worker side)."""

import numpy as np
from sklearn import metrics as sk

from .metrics import bootstrap_interval, collapsed, expected_calibration_error, micro_f1, predictions


def _auc(function, truth, scores):
    try:
        return float(function(truth, scores))
    except ValueError:  # a class with no positives (or no negatives) in this split
        return None


def evaluate(truth, scores, labels, multi, thresholds=None, seed=13):
    """Every figure of an evaluation report."""
    truth, scores = np.asarray(truth), np.asarray(scores, dtype=float)
    predicted = predictions(scores, multi, thresholds)
    precision, recall, f1, support = sk.precision_recall_fscore_support(
        truth, predicted, labels=None if multi else list(range(len(labels))), zero_division=0)
    report = {
        "documents": int(len(truth)),
        "accuracy": float(sk.accuracy_score(truth, predicted)),  # multi-label: exact match
        "macro_f1": float(sk.f1_score(truth, predicted, average="macro", zero_division=0)),
        "micro_f1": float(sk.f1_score(truth, predicted, average="micro", zero_division=0)),
        "weighted_f1": float(sk.f1_score(truth, predicted, average="weighted", zero_division=0)),
        "per_label": [{"label": label, "precision": float(p), "recall": float(r), "f1": float(f), "support": int(s)}
                      for label, p, r, f, s in zip(labels, precision, recall, f1, support)],
    }
    if multi:
        report["confusion"] = [{"label": label, "matrix": matrix.tolist()} for label, matrix in
                               zip(labels, sk.multilabel_confusion_matrix(truth, predicted))]
        report["roc_auc"] = _auc(lambda t, s: sk.roc_auc_score(t, s, average="macro"), truth, scores)
        report["pr_auc"] = _auc(lambda t, s: sk.average_precision_score(t, s, average="macro"), truth, scores)
        confidence = np.where(predicted == 1, scores, 1 - scores).ravel()
        correct = (predicted == truth).ravel().astype(float)
    else:
        report["confusion"] = sk.confusion_matrix(truth, predicted, labels=list(range(len(labels)))).tolist()
        onehot = np.eye(len(labels))[truth]
        report["roc_auc"] = _auc(lambda t, s: sk.roc_auc_score(t, s, average="macro"), onehot, scores) \
            if len(labels) > 2 else _auc(sk.roc_auc_score, truth, scores[:, 1])
        report["pr_auc"] = _auc(lambda t, s: sk.average_precision_score(t, s, average="macro"), onehot, scores)
        confidence = scores.max(axis=1)
        correct = (predicted == truth).astype(float)
    report["ece"], report["reliability"] = expected_calibration_error(confidence, correct)
    report["macro_f1_interval"] = bootstrap_interval(truth, predicted, multi, seed)
    report["micro_f1_interval"] = bootstrap_interval(truth, predicted, multi, seed, metric=micro_f1)
    report["collapsed"] = collapsed(truth, predicted, multi, labels)
    return report
