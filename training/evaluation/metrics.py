"""Classification metrics on one split, from true labels and predicted scores.

Single-label: `truth` is a vector of class indices, `scores` an (n, k) matrix of probabilities.
Multi-label: `truth` and the thresholded predictions are (n, k) 0/1 matrices, `scores` the
per-label probabilities. Calibration, the headline macro F1, bootstrap intervals and the paired
bootstrap test are computed here with numpy (comparisons and promotion pages use them); the full
report, with scikit-learn's figures, is `report.evaluate` (worker side).
"""

import numpy as np

BOOTSTRAP = 1000


def predictions(scores, multi, thresholds=None):
    """Predicted classes (single-label: argmax) or 0/1 labels (multi-label: score ≥ threshold)."""
    if multi:
        return (scores >= (0.5 if thresholds is None else np.asarray(thresholds))).astype(int)
    return scores.argmax(axis=1)


def headline(truth, predicted, multi):
    """The figure a report leads with: macro F1, as scikit-learn's `f1_score(average="macro",
    zero_division=0)` computes it (single-label: over the classes in either array; multi-label:
    over every column), counted with numpy — bootstraps call it thousands of times."""
    if multi:
        tp, true, chosen = (truth & predicted).sum(axis=0), truth.sum(axis=0), predicted.sum(axis=0)
        present = slice(None)
    else:
        k = int(max(truth.max(initial=0), predicted.max(initial=0))) + 1
        matrix = np.bincount(truth * k + predicted, minlength=k * k).reshape(k, k)
        tp, true, chosen = np.diag(matrix), matrix.sum(axis=1), matrix.sum(axis=0)
        present = (true + chosen) > 0
    denominator = (true + chosen)[present]
    f1 = np.divide(2 * tp[present], denominator, out=np.zeros(len(denominator)), where=denominator > 0)
    return float(f1.mean()) if len(f1) else 0.0


def expected_calibration_error(confidence, correct, bins=10):
    """ECE over equal-width confidence bins, and the reliability diagram's bins
    [(low, high, mean confidence, accuracy, count)]."""
    edges = np.linspace(0, 1, bins + 1)
    rows, error = [], 0.0
    for low, high in zip(edges[:-1], edges[1:]):
        inside = (confidence > low) & (confidence <= high) if low > 0 else (confidence >= low) & (confidence <= high)
        count = int(inside.sum())
        if count:
            mean_confidence, accuracy = float(confidence[inside].mean()), float(correct[inside].mean())
            error += count / len(confidence) * abs(mean_confidence - accuracy)
            rows.append((float(low), float(high), mean_confidence, accuracy, count))
    return error, rows


def bootstrap_interval(truth, predicted, multi, seed=13, rounds=BOOTSTRAP):
    """A 95% percentile interval of the headline metric over bootstrap resamples of the documents."""
    rng = np.random.default_rng(seed)
    count = len(truth)
    values = [headline(truth[sample], predicted[sample], multi)
              for sample in (rng.integers(0, count, count) for _ in range(rounds))]
    return float(np.percentile(values, 2.5)), float(np.percentile(values, 97.5))


def paired_bootstrap(truth, first, second, multi, seed=13, rounds=BOOTSTRAP):
    """Difference of the headline metric (second − first) on the same documents, its 95% interval,
    and the share of resamples where the sign flips (a two-sided p-value estimate)."""
    rng = np.random.default_rng(seed)
    count = len(truth)
    observed = headline(truth, second, multi) - headline(truth, first, multi)
    deltas = np.array([headline(truth[sample], second[sample], multi) - headline(truth[sample], first[sample], multi)
                       for sample in (rng.integers(0, count, count) for _ in range(rounds))])
    flips = np.mean(deltas <= 0) if observed > 0 else np.mean(deltas >= 0)
    return {"delta": float(observed), "low": float(np.percentile(deltas, 2.5)), "high": float(np.percentile(deltas, 97.5)),
            "p_value": float(min(1.0, 2 * flips)), "significant": bool(min(1.0, 2 * flips) < 0.05)}
