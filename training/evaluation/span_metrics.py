"""Entity-level figures of a span model on a split, from the true and predicted spans of each note
((start, end, label), character offsets):

- precision, recall and F1 over every span of every note (micro), exact (same boundaries and label) and by
  overlap (same label, a character in common), overall and per label, with a bootstrap 95% interval of the
  exact F1 over notes; the macro F1 (the mean of the labels' exact F1) with its interval too;
- every error named: missed (a true span no prediction touches), spurious (a predicted span that touches no
  true span), wrong type (touches true spans of other labels only), wrong boundary (touches a true span of
  its label without matching it exactly)."""

import numpy as np

from labeling.services.span_matching import counts, f1, overlaps

BOOTSTRAP = 1000


def figures(truth, predicted, labels, seed=13, rounds=BOOTSTRAP):
    """{"exact": …, "overlap": …, "errors": […]}; each mode {precision, recall, f1, per_label}, exact also
    f1_interval."""
    result = {}
    for mode, overlap in (("exact", False), ("overlap", True)):
        per_note = [counts(true, guessed, overlap) for true, guessed in zip(truth, predicted)]
        totals = {label: np.sum([note.get(label, [0, 0, 0]) for note in per_note], axis=0, dtype=int)
                  if per_note else np.zeros(3, dtype=int) for label in labels}
        precision, recall, score = f1(*sum(totals.values(), np.zeros(3, dtype=int)))
        result[mode] = {"precision": precision, "recall": recall, "f1": score, "per_label": [
            {"label": label, **dict(zip(("precision", "recall", "f1"), f1(*totals[label]))),
             "support": int(totals[label][0] + totals[label][2])} for label in labels]}
        if not overlap:
            # notes × labels × [true positives, false positives, false negatives]
            notes = np.array([[note.get(label, [0, 0, 0]) for label in labels] for note in per_note]).reshape(
                len(per_note), len(labels), 3)
            result[mode]["f1_interval"], result[mode]["macro_f1_interval"] = intervals(notes, seed, rounds)
            result[mode]["macro_f1"] = float(np.mean([row["f1"] for row in result[mode]["per_label"]])) \
                if labels else None
    result["errors"] = errors(truth, predicted)
    return result


def entity_f1(truth, predicted):
    """The exact entity F1 over every span of every note: `figures`' headline without its intervals and errors
    (a fine-tune scores each epoch by it)."""
    total = np.zeros(3, dtype=int)
    for true, guessed in zip(truth, predicted):
        for row in counts(true, guessed, False).values():
            total += row
    return f1(*total)[2]


def f1_from_counts(counts):
    """F1 from [..., 3] counts (1 where nothing was expected or found)."""
    denominator = 2 * counts[..., 0] + counts[..., 1] + counts[..., 2]
    return np.where(denominator > 0, 2 * counts[..., 0] / np.maximum(denominator, 1), 1.0)


def intervals(notes, seed=13, rounds=BOOTSTRAP):
    """95% bootstrap intervals of the micro F1 and the macro F1 from notes × labels × [true positives, false
    positives, false negatives], resampling notes."""
    if not len(notes):
        return [None, None], [None, None]
    rng = np.random.default_rng(seed)
    sums = notes[rng.integers(0, len(notes), (rounds, len(notes)))].sum(axis=1)  # rounds × labels × 3
    micro, macro = f1_from_counts(sums.sum(axis=1)), f1_from_counts(sums).mean(axis=1)
    return ([float(np.percentile(micro, 2.5)), float(np.percentile(micro, 97.5))],
            [float(np.percentile(macro, 2.5)), float(np.percentile(macro, 97.5))])


def errors(truth, predicted):
    """[{"note": index, "kind", "true": span or None, "predicted": span or None}] in note and position order."""
    found = []
    for note, (true, guessed) in enumerate(zip(truth, predicted)):
        true, guessed = set(true), set(guessed)
        exact = true & guessed
        named = []
        for span in guessed - exact:
            touching = sorted(other for other in true if overlaps(span, other))
            same = [other for other in touching if other[2] == span[2]]
            kind = "wrong_boundary" if same else "wrong_type" if touching else "spurious"
            named.append((span, {"note": note, "kind": kind, "true": (same or touching or [None])[0],
                                 "predicted": span}))
        named += [(span, {"note": note, "kind": "missed", "true": span, "predicted": None})
                  for span in true - exact if not any(overlaps(span, other) for other in guessed)]
        found += [error for _span, error in sorted(named, key=lambda pair: (pair[0][0], pair[0][1], pair[0][2]))]
    return found
