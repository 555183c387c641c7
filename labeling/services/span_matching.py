"""Two sets of spans on one note, matched: the counts behind span agreement between annotators and a span
model's entity-level figures. A span is (start, end, label) in character offsets, end exclusive.

- exact: the same start, end and label;
- overlap: the same label and at least one character in common, each span matched at most once (earliest
  first: spans sorted by start, each true span takes the first overlapping predicted one left)."""

from collections import Counter


def overlaps(first, second):
    return first[0] < second[1] and second[0] < first[1]


def matches(truth, predicted, overlap=False):
    """[(true span, predicted span)] matched one to one."""
    if not overlap:
        common = set(truth) & set(predicted)
        return [(span, span) for span in sorted(common)]
    left = sorted(set(predicted))
    pairs = []
    for span in sorted(set(truth)):
        found = next((other for other in left if other[2] == span[2] and overlaps(span, other)), None)
        if found is not None:
            left.remove(found)
            pairs.append((span, found))
    return pairs


def counts(truth, predicted, overlap=False):
    """{label: [true positives, false positives, false negatives]} on one note, for the labels it holds."""
    matched = Counter(span[2] for span, _other in matches(truth, predicted, overlap))
    true, guessed = Counter(span[2] for span in set(truth)), Counter(span[2] for span in set(predicted))
    return {label: [matched[label], guessed[label] - matched[label], true[label] - matched[label]]
            for label in true.keys() | guessed.keys()}


def f1(true_positives, false_positives, false_negatives):
    """(precision, recall, F1); 0 where nothing was found or expected (1 for F1 when neither was)."""
    if not (true_positives or false_positives or false_negatives):
        return 1.0, 1.0, 1.0
    precision = float(true_positives / (true_positives + false_positives)) if true_positives + false_positives else 0.0
    recall = float(true_positives / (true_positives + false_negatives)) if true_positives + false_negatives else 0.0
    return precision, recall, (2 * precision * recall / (precision + recall) if precision + recall else 0.0)
