"""Spans and tags on tokens, by character offsets: the bridge between spans in a note and a token
classifier (an encoder's sub-word tokens, or a CRF's words). The BIO tags themselves, and spans to tags, are
labeling.services.bio's.

- `words`: a CRF's tokens, words and punctuation marks;
- `stitch`: a long note read in overlapping windows comes back as one row of probabilities per token, the
  windows' rows averaged where they overlap;
- `decode`: spans from tokens' tag probabilities — a B, or an I that does not continue a span of its label,
  starts one; its score is the mean probability of its tokens' tags;
- `whole_words`: an encoder's sub-word tokens can end a span inside a word; its spans are widened to whole words."""

import re

import numpy as np

WORD = re.compile(r"\w+|[^\w\s]")


def words(text):
    """(start, end) of each word and punctuation mark."""
    return [match.span() for match in WORD.finditer(text)]


def stitch(windows):
    """[((start, end), probabilities)] in text order from the windows of one note, each [(offsets,
    probabilities per token)] with special tokens left out; a token seen in several windows gets their mean."""
    seen = {}
    for offsets, probabilities in windows:
        for (start, end), row in zip(offsets, probabilities):
            if start != end:
                seen.setdefault((start, end), []).append(row)
    return [(offsets, np.mean(rows, axis=0)) for offsets, rows in sorted(seen.items())]


def decode(tokens, labels, tags=None):
    """[(start, end, label, score)] from [((start, end), tag probabilities)] in text order, each token's tag
    the most probable, or as `tags` says (a CRF's best path)."""
    spans, current = [], None
    for number, ((start, end), row) in enumerate(tokens):
        tag = int(np.argmax(row)) if tags is None else tags[number]
        if tag == 0:
            current = _close(spans, current)
            continue
        label, inside = labels[(tag - 1) // 2], (tag - 1) % 2 == 1
        if inside and current is not None and current["label"] == label:
            current["end"], current["scores"] = end, current["scores"] + [float(row[tag])]
        else:
            _close(spans, current)
            current = {"start": start, "end": end, "label": label, "scores": [float(row[tag])]}
    _close(spans, current)
    return spans


def _close(spans, current):
    if current is not None:
        spans.append((current["start"], current["end"], current["label"], float(np.mean(current["scores"]))))
    return None


def _widen(start, end, text):
    while start > 0 and text[start - 1].isalnum() and text[start].isalnum():
        start -= 1
    while end < len(text) and text[end].isalnum() and text[end - 1].isalnum():
        end += 1
    return start, end


def whole_words(spans, text):
    """[(start, end, label, score)] widened to the words they cut, in text order; spans of one label that then
    overlap are merged (their scores averaged), and of two labels the more certain is kept."""
    kept = []
    for start, end, label, score in sorted((*_widen(start, end, text), label, score)
                                           for start, end, label, score in spans):
        if kept and start < kept[-1][1]:
            last = kept[-1]
            if last[2] == label:
                kept[-1] = (last[0], max(last[1], end), label, (last[3] + score) / 2)
            elif score > last[3]:
                kept[-1] = (start, end, label, score)
            continue
        kept.append((start, end, label, score))
    return kept
