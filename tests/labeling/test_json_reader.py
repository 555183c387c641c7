"""The JSON array reader: items parsed a block at a time, whatever the blocks cut through."""

import io
import json

import pytest

from labeling.importing import formats
from labeling.importing.sources import ImportFileError


def items(text, block=None, monkeypatch=None):
    if block:
        monkeypatch.setattr(formats, "_BLOCK", block)
    return list(formats._ArrayReader(io.StringIO(text), "notes.json"))


@pytest.mark.parametrize("block", [1, 2, 3, 7, 64])
def test_items_cut_by_blocks_anywhere_come_out_whole(monkeypatch, block):
    rows = [{"id": f"n{index}", "text": f"Note {index} — “quoted” \\ text", "score": 12345.678, "tags": ["a", [1, 2]]}
            for index in range(20)] + [123456789, "plain", None]
    assert items(json.dumps(rows, ensure_ascii=False), block, monkeypatch) == rows


@pytest.mark.parametrize("text", ["[]", " [ ] \n", "[\n]"])
def test_an_empty_array_has_no_items(text):
    assert items(text) == []


@pytest.mark.parametrize("text, message", [
    ('{"text": "a"}', "is not a JSON array of objects"),
    ('[{"text": "a"} {"text": "b"}]', "expected ',' or ']'"),
    ('[{"text": "a"}] trailing', "text after its end"),
    ('[{"text": "a"}, {"text": ', "is not a valid JSON array"),
])
def test_a_broken_array_is_refused_with_what_is_wrong(text, message):
    with pytest.raises(ImportFileError, match=message):
        items(text)


def test_nesting_just_past_the_limit_is_refused_and_at_the_limit_is_read(settings):
    settings.STUDIO_JSON_MAX_DEPTH = 5
    assert items('[{"a": {"b": {"c": [1]}}}]') == [{"a": {"b": {"c": [1]}}}]  # 5 levels with the array
    with pytest.raises(ImportFileError, match="more than 5 levels deep"):
        items('[{"a": {"b": {"c": [[1]]}}}]')


def test_an_item_larger_than_any_note_could_make_is_refused(settings, monkeypatch):
    settings.STUDIO_MAX_DOCUMENT_CHARS = 100
    monkeypatch.setattr(formats, "_BLOCK", 64)
    with pytest.raises(ImportFileError, match="holds an item larger than"):
        items('[{"text": "' + "x" * 10_000 + '"}]')
