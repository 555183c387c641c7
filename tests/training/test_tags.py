"""Spans to BIO tags on token offsets and back: special tokens ignored, a span's first token B, long notes
stitched from overlapping windows, decoded spans scored by their tokens."""

import numpy as np
import pytest

from labeling.services.bio import IGNORE, align, tag_names
from training.tagging.tags import decode, stitch, whole_words, words

TEXT = "Left breast cancer, no renal failure."
LABELS = ["Disease", "Anatomy"]


def one_hot(tags, names):
    rows = np.full((len(tags), len(names)), 0.02)
    for row, tag in zip(rows, tags):
        row[max(tag, 0)] = 0.9
    return rows


def test_tags_follow_the_spans_and_come_back_as_the_same_spans():
    tokens = words(TEXT)
    assert [TEXT[start:end] for start, end in tokens] == ["Left", "breast", "cancer", ",", "no", "renal",
                                                          "failure", "."]
    spans = [(0, 18, "Disease"), (23, 36, "Disease")]
    names = tag_names(LABELS)
    assert names == ["O", "B-Disease", "I-Disease", "B-Anatomy", "I-Anatomy"]
    tags = align([(0, 0), *tokens, (0, 0)], spans, LABELS)  # [CLS] … [SEP]
    assert [names[tag] if tag != IGNORE else None for tag in tags] == [
        None, "B-Disease", "I-Disease", "I-Disease", "O", "O", "B-Disease", "I-Disease", "O", None]
    found = decode(list(zip(tokens, one_hot(tags[1:-1], names))), LABELS)
    assert [span[:3] for span in found] == spans and all(span[3] == pytest.approx(0.9) for span in found)


def test_adjacent_spans_of_one_label_stay_apart_and_a_stray_inside_tag_starts_a_span():
    tokens = [(0, 4), (5, 8), (9, 12)]
    tags = align(tokens, [(0, 4, "Anatomy"), (5, 12, "Anatomy")], LABELS)
    assert tags == [3, 3, 4]
    assert [span[:3] for span in decode(list(zip(tokens, one_hot([0, 2, 2], tag_names(LABELS)))), LABELS)] == [
        (5, 12, "Disease")]


def test_a_word_piece_inside_a_span_is_inside_and_windows_average_where_they_overlap():
    assert align([(0, 3), (3, 8), (9, 12)], [(0, 8, "Disease")], LABELS) == [1, 2, 0]
    first = ([(0, 0), (0, 4), (5, 8), (0, 0)], [[1, 0], [0.2, 0.8], [0.6, 0.4], [1, 0]])
    second = ([(0, 0), (5, 8), (9, 12), (0, 0)], [[1, 0], [0.2, 0.8], [0.9, 0.1], [1, 0]])
    stitched = stitch([first, second])
    assert [offsets for offsets, _row in stitched] == [(0, 4), (5, 8), (9, 12)]
    assert stitched[1][1] == pytest.approx([0.4, 0.6])


def test_spans_that_cut_words_are_widened_to_them_and_pieces_of_one_word_merge():
    text = "ovarian carcinomas and BRCA1-linked cancer"
    pieces = [(0, 5, "Disease", 0.9), (5, 7, "Disease", 0.5), (8, 14, "Disease", 0.8),  # “ovari|an”, “carcin|omas”
              (23, 27, "Gene", 0.6), (29, 33, "Disease", 0.4), (31, 34, "Other", 0.9)]
    assert whole_words(pieces, text) == [(0, 7, "Disease", 0.7), (8, 18, "Disease", 0.8), (23, 28, "Gene", 0.6),
                                         (29, 35, "Other", 0.9)]
