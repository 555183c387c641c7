"""Classification metrics on one split, from true labels and predicted scores.

Single-label: `truth` is a vector of class indices, `scores` an (n, k) matrix of probabilities.
Multi-label: `truth` and the thresholded predictions are (n, k) 0/1 matrices, `scores` the
per-label probabilities. Calibration, the headline macro F1, bootstrap intervals and the paired
bootstrap test are computed here with numpy (comparisons and promotion pages use them); the full
report, with scikit-learn's figures, is `report.evaluate` (worker side).
"""

import numpy as np

BOOTSTRAP = 1000
THRESHOLDS = np.round(np.arange(0.05, 0.96, 0.05), 2)  # the per-label thresholds a multi-label classifier tries


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


def micro_f1(truth, predicted, multi):
    """Micro F1 as scikit-learn computes it: over every (note, label) decision for multi-label; for single-label it
    equals accuracy."""
    if not multi:
        return float((truth == predicted).mean()) if len(truth) else 0.0
    tp, denominator = int((truth & predicted).sum()), int(truth.sum() + predicted.sum())
    return 2 * tp / denominator if denominator else 0.0


def collapsed(truth, predicted, multi, labels):
    """A model that learned nothing shows it by predicting the same for every note while the notes' true labels
    differ: a sentence saying so, or None."""
    truth, predicted = np.asarray(truth), np.asarray(predicted)
    if len(predicted) < 2 or (predicted != predicted[0]).any() or (truth == truth[0]).all():
        return None
    if multi:
        names = [labels[i] for i in np.nonzero(predicted[0])[0]]
        same = ("no label" if not names else "all labels" if len(names) == len(labels) and len(names) > 1
                else ", ".join(f"“{name}”" for name in names))
    else:
        same = f"“{labels[int(predicted[0])]}”"
    return (f"Collapsed: it predicts {same} for every one of {len(predicted):,} notes, whose true labels differ. "
            "It learned nothing usable; try another learning rate, more epochs or class weighting.")


def tune_thresholds(truth, scores):
    """Per label, the threshold of THRESHOLDS with the best F1 on these rows (the lowest of equals; 0.5 for a label
    that never occurs in them): an (n, k) 0/1 matrix and the (n, k) probabilities."""
    truth, scores = np.asarray(truth, dtype=bool), np.asarray(scores, dtype=float)
    chosen = scores[None, :, :] >= THRESHOLDS[:, None, None]  # (thresholds, n, k)
    tp = (chosen & truth[None]).sum(axis=1)
    denominator = chosen.sum(axis=1) + truth.sum(axis=0)[None]  # 2·tp + fp + fn
    f1 = np.divide(2 * tp, denominator, out=np.zeros(tp.shape), where=denominator > 0)
    best = THRESHOLDS[f1.argmax(axis=0)].astype(float)
    best[truth.sum(axis=0) == 0] = 0.5
    return best.tolist()


def held_out_f1(truth, scores, multi, seed=13):
    """Macro F1 on a validation split by the rule the saved classifier applies. Single-label: the top class.
    Multi-label: thresholds tuned per label, but never on the rows they score: each half of the rows (drawn with
    `seed`) is scored with the thresholds the other half chose, so the figure is not an optimistic one."""
    truth, scores = np.asarray(truth), np.asarray(scores, dtype=float)
    if not multi:
        return headline(truth, scores.argmax(axis=1), multi)
    order = np.random.default_rng(seed).permutation(len(truth))
    halves = (order[: len(order) // 2], order[len(order) // 2:])
    predicted = np.zeros_like(truth)
    for scored, tuned in (halves, halves[::-1]):
        thresholds = tune_thresholds(truth[tuned], scores[tuned]) if len(tuned) else None
        predicted[scored] = predictions(scores[scored], True, thresholds)
    return headline(truth, predicted, multi)


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


def bootstrap_interval(truth, predicted, multi, seed=13, rounds=BOOTSTRAP, metric=headline):
    """A 95% percentile interval of `metric` (the headline macro F1, or micro_f1) over bootstrap resamples of the
    documents."""
    rng = np.random.default_rng(seed)
    count = len(truth)
    values = [metric(truth[sample], predicted[sample], multi)
              for sample in (rng.integers(0, count, count) for _ in range(rounds))]
    return float(np.percentile(values, 2.5)), float(np.percentile(values, 97.5))


def paired_bootstrap_seeds(truth, firsts, seconds, multi, seed=13, rounds=BOOTSTRAP, metric=headline):
    """`paired_bootstrap` for two configurations trained with several seeds each (predictions per seed): each
    resample of the documents compares the two configurations' figures averaged over their seeds, so a
    configuration is judged by all its seeds on the same documents, not by one lucky seed."""
    rng = np.random.default_rng(seed)
    count = len(truth)

    def mean(predicted, sample):
        return float(np.mean([metric(truth[sample], each[sample], multi) for each in predicted]))

    everything = np.arange(count)
    observed = mean(seconds, everything) - mean(firsts, everything)
    deltas = np.array([mean(seconds, sample) - mean(firsts, sample)
                       for sample in (rng.integers(0, count, count) for _ in range(rounds))])
    return bootstrap_result(observed, deltas)


def bootstrap_result(observed, deltas):
    """A paired bootstrap's answer from the observed difference and the resamples' differences: the 95% interval
    and the share of resamples where the sign flips, doubled (a two-sided p-value estimate)."""
    flips = np.mean(deltas <= 0) if observed > 0 else np.mean(deltas >= 0)
    return {"delta": float(observed), "low": float(np.percentile(deltas, 2.5)), "high": float(np.percentile(deltas, 97.5)),
            "p_value": float(min(1.0, 2 * flips)), "significant": bool(min(1.0, 2 * flips) < 0.05)}


def paired_bootstrap(truth, first, second, multi, seed=13, rounds=BOOTSTRAP, metric=headline):
    """Difference of `metric` (the headline macro F1, or micro_f1) (second − first) on the same documents, its 95%
    interval, and the share of resamples where the sign flips (a two-sided p-value estimate)."""
    return paired_bootstrap_seeds(truth, [first], [second], multi, seed, rounds, metric)
