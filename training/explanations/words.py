"""Which words of a note pushed a classifier towards a label, as (start, end, weight) spans over the note's
characters — a word being a run of non-space characters trimmed of punctuation at its ends. Positive weights push
towards the label, negative ones away. How each kind of classifier's weights are found: `linear.py` (the TF-IDF
baseline: coefficient × feature), `gradients.py` (an encoder: integrated gradients)."""

import bisect
import re
from collections import defaultdict

WORD = re.compile(r"\S+")
INNER = re.compile(r"\w(?:.*\w)?", re.DOTALL)


def word_spans(text):
    """(start, end) of each word of `text`: whitespace-separated, trimmed to its first and last letter or digit."""
    spans = []
    for match in WORD.finditer(text):
        inner = INNER.search(match.group())
        start = match.start() + (inner.start() if inner else 0)
        spans.append((start, match.start() + inner.end() if inner else match.end()))
    return spans


def gather(text, pieces):
    """Weights of pieces of the note ((start, end, weight), e.g. tokens) summed into the words they fall in:
    [{"start", "end", "weight"}] in reading order, words no piece touched left out."""
    spans = word_spans(text)
    starts = [start for start, _ in spans]
    totals = defaultdict(float)
    for start, end, weight in pieces:
        if end <= start:
            continue
        index = _word_at(spans, starts, start, end)
        if index is not None:
            totals[index] += float(weight)
    return [{"start": spans[index][0], "end": spans[index][1], "weight": totals[index]} for index in sorted(totals)]


def _word_at(spans, starts, start, end):
    index = bisect.bisect_right(starts, start) - 1
    for candidate in (index, index + 1):
        if 0 <= candidate < len(spans) and spans[candidate][0] < end and start < spans[candidate][1]:
            return candidate
    return None


def strongest(words, count):
    """The `count` words of largest weight either way, in reading order."""
    kept = sorted(words, key=lambda word: -abs(word["weight"]))[:count]
    return sorted(kept, key=lambda word: word["start"])
