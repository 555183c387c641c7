"""The baseline's explanation: each TF-IDF feature's value × its coefficient for the label (what the label's
logit sums, less the bias), shared out to the words it came from — a word's own feature to each of its
occurrences, a word pair's to both words, a character n-gram's to the words it lies in."""

import re
from collections import defaultdict

from .words import WORD, gather

TOKEN = re.compile(r"(?u)\b\w\w+\b")  # scikit-learn's token pattern, which the baseline's word features use


def coefficients(baseline, label):
    """The label's coefficient per feature (a two-class single-label baseline keeps one model: its negation for
    the first class)."""
    if baseline.weights.shape[0] == 1 and not baseline.multi:
        return baseline.weights[0] * (1 if label == 1 else -1)
    return baseline.weights[label]


def character_grams(word, sizes):
    """scikit-learn's `char_wb` n-grams of one word, padded with a space on each side."""
    padded = f" {word} "
    for size in sizes:
        if len(padded) <= size:
            yield padded
            continue
        for offset in range(len(padded) - size + 1):
            yield padded[offset:offset + size]


def explain(baseline, text, label):
    """[{"start", "end", "weight"}] of the words of `text` towards label index `label`."""
    row = baseline.features([text])
    coefficient = coefficients(baseline, label)
    contribution = {int(index): float(value * coefficient[index]) for index, value in zip(row.indices, row.data)}
    words_vectorizer, characters = baseline.vectorizers
    offset = len(words_vectorizer.vocabulary_)
    lowered = text.lower()
    places = defaultdict(list)  # feature index → the spans of each of its occurrences
    tokens = [(match.start(), match.end(), match.group()) for match in TOKEN.finditer(lowered)]
    for number, (start, end, token) in enumerate(tokens):
        places[words_vectorizer.vocabulary_.get(token)].append([(start, end)])
        if number + 1 < len(tokens):
            after = tokens[number + 1]
            places[words_vectorizer.vocabulary_.get(f"{token} {after[2]}")].append([(start, end), after[:2]])
    sizes = range(characters.ngram_range[0], characters.ngram_range[1] + 1)
    for match in WORD.finditer(lowered):  # char_wb's words: whitespace-separated, as the explanation's
        for gram in character_grams(match.group(), sizes):
            index = characters.vocabulary_.get(gram)
            places[None if index is None else offset + index].append([(match.start(), match.end())])
    pieces = []
    for index, occurrences in places.items():
        if index is None or index not in contribution:
            continue
        share = contribution[index] / sum(len(spans) for spans in occurrences)
        pieces += [(start, end, share) for spans in occurrences for start, end in spans]
    return gather(text, pieces)
