"""Spans as BIO tags on tokens, by character offsets: "O", then "B-<label>" and "I-<label>" per label in the
labels' order; a token takes the tag of the span it overlaps (the first, by start, when spans nest), B on a
span's first token. Special tokens (empty offsets) get IGNORE, which a loss skips. Used by the CoNLL export and
by span models' training alike."""

import re

IGNORE = -100
WHITESPACE_TOKEN = re.compile(r"\S+")


def tag_names(labels):
    return ["O", *(f"{prefix}-{label}" for label in labels for prefix in ("B", "I"))]


def align(offsets, spans, labels):
    """Tag ids, one per token: IGNORE for a special token ((0, 0) offsets), else by the span it overlaps
    (the first, by start, when spans nest)."""
    index = {label: number for number, label in enumerate(labels)}
    ordered = sorted(spans)
    tags, previous = [], None
    for start, end in offsets:
        if start == end:
            tags.append(IGNORE)
            continue
        span = next((span for span in ordered if span[0] < end and start < span[1]), None)
        if span is None:
            tags.append(0)
        else:
            tags.append(1 + 2 * index[span[2]] + (span == previous))
        previous = span
    return tags


def whitespace_tokens(text):
    """(start, end) of each whitespace-separated token."""
    return [match.span() for match in WHITESPACE_TOKEN.finditer(text)]
