"""One reader per format. Each yields `Row(number, fields)` or `RowError(number, reason)` and never
holds the whole file: CSV/TSV, JSONL, JSON arrays, plain text, ZIP of .txt files and Parquet."""

import csv
import json
import struct
import zipfile
import zlib
from dataclasses import dataclass
from functools import cached_property
from pathlib import PurePosixPath

from django.conf import settings

from .sources import SAMPLE_BYTES, CountingReader, ImportFileError, detect_encoding, text_stream

FORMATS = {
    "csv": "CSV or TSV (a header row, any delimiter)",
    "jsonl": "JSON Lines (one object per line)",
    "json": "JSON (an array of objects)",
    "txt-lines": "Plain text, one document per line",
    "txt-whole": "Plain text, the whole file as one document",
    "zip": "ZIP of .txt files, one document per file",
    "parquet": "Parquet",
}
TEXT_FIELD = "text"  # the text of plain-text formats; their rows carry an "id" too
PLAIN_TEXT_FORMATS = {"txt-lines", "txt-whole", "zip"}


@dataclass
class Row:
    number: int  # line, item or file number, for messages
    fields: dict


@dataclass
class RowError:
    number: int
    reason: str


def guess_format(name, sample):
    lowered = name.lower()
    for suffix, kind in ((".jsonl", "jsonl"), (".ndjson", "jsonl"), (".json", "json"), (".zip", "zip"),
                         (".parquet", "parquet"), (".tsv", "csv"), (".csv", "csv"), (".txt", "txt-lines")):
        if lowered.endswith(suffix):
            return kind
    if sample.startswith(b"PK\x03\x04"):
        return "zip"
    if sample.startswith(b"PAR1"):
        return "parquet"
    stripped = sample.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"["):
        return "json"
    if stripped.startswith(b"{"):
        return "jsonl"
    return "csv"


class Source:
    """An uploaded file opened for reading; `position` is the bytes read so far (for progress)."""

    def __init__(self, path, name):
        self.path = path
        self.name = name
        self.size = path.stat().st_size
        with open(path, "rb") as head:
            self.sample = head.read(SAMPLE_BYTES)
        self.counter = CountingReader(open(path, "rb"))

    @property
    def position(self):
        return self.counter.position

    @cached_property
    def encoding(self):
        # Detected once: the preview, the CSV sniffer and the text stream all ask.
        return detect_encoding(self.sample, self.name)

    def text(self):
        return text_stream(self.counter, self.encoding, self.name)

    def close(self):
        self.counter.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def read_csv(source):
    sample = source.sample.decode(source.encoding, errors="ignore")
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|")
        if not dialect.escapechar and not dialect.doublequote:
            # The sniffer says "no doubled quotes" whenever its sample happens to hold none; a quote
            # inside a quoted field is then read as its end. Doubled quotes are the CSV standard.
            dialect = type("Sniffed", (dialect,), {"doublequote": True})
    except csv.Error:
        dialect = csv.excel_tab if source.name.lower().endswith(".tsv") else csv.excel
    reader = csv.reader(source.text(), dialect)
    try:
        header = next(reader)
    except StopIteration:
        raise ImportFileError(f"{source.name} is empty.") from None
    header = [column.strip() for column in header]
    if len(set(header)) != len(header) or not all(header):
        raise ImportFileError(f"{source.name}: the header row needs unique, non-empty column names; it has {header}.")
    while True:
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield RowError(reader.line_num, f"unreadable CSV: {error}")
            return
        if not values or values == [""]:
            continue
        if len(values) != len(header):
            yield RowError(reader.line_num, f"expected {len(header)} fields, found {len(values)}")
            continue
        yield Row(reader.line_num, dict(zip(header, values)))


def read_jsonl(source):
    for number, line in enumerate(source.text(), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as error:
            yield RowError(number, f"invalid JSON: {error.msg} at column {error.colno}")
            continue
        except RecursionError:
            yield RowError(number, "JSON nested too deeply")
            continue
        if not isinstance(value, dict):
            yield RowError(number, f"expected a JSON object, found {type(value).__name__}")
            continue
        yield Row(number, value)


_BLOCK = 1 << 20  # characters read at a time
_SPACE = " \t\r\n"


def _depth(value):
    """How deeply a parsed value nests (a scalar 0, an object of scalars 1), counted without recursion."""
    if not isinstance(value, (dict, list)):
        return 0
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        children = item.values() if isinstance(item, dict) else item
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in children if isinstance(child, (dict, list)))
    return deepest


class _ArrayReader:
    """The items of a top-level JSON array, each parsed by the C decoder from a buffer of the text that
    holds at most one item beyond a block: memory follows the largest item, never the file. A file nested
    deeper than STUDIO_JSON_MAX_DEPTH (the array counts as one level) is refused, as is an item larger
    than the largest note allowed could make."""

    def __init__(self, text, name):
        self.text, self.name, self.buffer, self.at, self.done = text, name, "", 0, False
        self.decoder = json.JSONDecoder()
        self.limit = settings.STUDIO_JSON_MAX_DEPTH
        self.largest = 8 * settings.STUDIO_MAX_DOCUMENT_CHARS + _BLOCK

    def _more(self):
        """Read another block onto the buffer (dropping what was read); False at the end of the text."""
        if self.done:
            return False
        block = self.text.read(_BLOCK)
        self.buffer, self.at = self.buffer[self.at:] + block, 0
        self.done = not block
        if len(self.buffer) > self.largest:
            raise ImportFileError(f"{self.name} holds an item larger than {self.largest:,} characters; refused.")
        return bool(block)

    def _next_char(self):
        """The next character that is not white space (buffer position on it), or "" at the end."""
        while True:
            while self.at < len(self.buffer) and self.buffer[self.at] in _SPACE:
                self.at += 1
            if self.at < len(self.buffer):
                return self.buffer[self.at]
            if not self._more():
                return ""

    def _too_deep(self):
        return ImportFileError(f"{self.name} nests JSON more than {self.limit} levels deep; refused.")

    def _item(self):
        self._next_char()
        while True:
            try:
                value, end = self.decoder.raw_decode(self.buffer, self.at)
            except RecursionError:
                raise self._too_deep() from None
            except json.JSONDecodeError as error:
                if self._more():  # the item may go on in the next block
                    continue
                raise ImportFileError(f"{self.name} is not a valid JSON array: {error.msg}.") from None
            if end == len(self.buffer) and self._more():  # a number may go on in the next block
                continue
            if 1 + _depth(value) > self.limit:
                raise self._too_deep()
            self.at = end
            return value

    def __iter__(self):
        if self._next_char() != "[":
            raise ImportFileError(f"{self.name} is not a JSON array of objects.")
        self.at += 1
        if self._next_char() == "]":
            self.at += 1
        else:
            while True:
                yield self._item()
                separator = self._next_char()
                self.at += 1
                if separator == "]":
                    break
                if separator != ",":
                    raise ImportFileError(f"{self.name} is not a valid JSON array: expected ',' or ']' after an item.")
        if self._next_char():
            raise ImportFileError(f"{self.name} is not a valid JSON array: text after its end.")


def read_json(source):
    number = 0
    try:
        for number, value in enumerate(_ArrayReader(source.text(), source.name), start=1):
            if not isinstance(value, dict):
                yield RowError(number, f"expected a JSON object, found {type(value).__name__}")
                continue
            yield Row(number, value)
    except ImportFileError as error:
        if number and "is not a valid JSON array" in str(error):
            raise ImportFileError(f"{error} (after item {number})") from None
        raise


def read_text_lines(source):
    for number, line in enumerate(source.text(), start=1):
        if line.strip():
            yield Row(number, {TEXT_FIELD: line.rstrip("\r\n"), "id": f"line-{number}"})


def read_text_whole(source):
    text = source.text().read()
    if text.strip():
        yield Row(1, {TEXT_FIELD: text, "id": PurePosixPath(source.name).stem})


def _check_zip(archive, name):
    entries = archive.infolist()
    if len(entries) > settings.STUDIO_ZIP_MAX_ENTRIES:
        raise ImportFileError(f"{name} has {len(entries)} entries; at most {settings.STUDIO_ZIP_MAX_ENTRIES} are allowed.")
    total = sum(entry.file_size for entry in entries)
    if total > settings.STUDIO_ZIP_MAX_TOTAL_BYTES:
        raise ImportFileError(f"{name} unpacks to {total} bytes; at most {settings.STUDIO_ZIP_MAX_TOTAL_BYTES} are allowed.")
    for entry in entries:
        path = PurePosixPath(entry.filename)
        if entry.filename.startswith(("/", "\\")) or ".." in path.parts or ":" in path.parts[0]:
            raise ImportFileError(f"{name} contains an unsafe path {entry.filename!r} (absolute or with '..').")
        if entry.compress_size and entry.file_size / entry.compress_size > settings.STUDIO_ZIP_MAX_RATIO:
            raise ImportFileError(
                f"{name}: {entry.filename!r} is compressed more than {settings.STUDIO_ZIP_MAX_RATIO}:1, "
                "as zip bombs are; refused."
            )
    return entries


def _inflate(archive, entry, name):
    """The entry's bytes, inflated a chunk at a time from `archive` (the open file) and never past the size its
    headers declare: an entry that inflates to more than it declares (a zip bomb's trick) is refused."""
    if entry.flag_bits & 0x1 or entry.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise ImportFileError(f"{name}: {entry.filename!r} is encrypted or compressed in a way the studio does not read.")
    declared, out = entry.file_size, bytearray()
    inflater = zlib.decompressobj(-zlib.MAX_WBITS) if entry.compress_type == zipfile.ZIP_DEFLATED else None
    archive.seek(entry.header_offset)
    header = archive.read(30)
    if header[:4] != b"PK\x03\x04":
        raise ImportFileError(f"{name} is not a valid ZIP file.")
    archive.seek(entry.header_offset + 30 + sum(struct.unpack("<HH", header[26:30])))
    left = entry.compress_size
    while left:
        chunk = archive.read(min(left, 1 << 16))
        if not chunk:
            raise ImportFileError(f"{name} is truncated.")
        left -= len(chunk)
        room = declared - len(out)
        data = inflater.decompress(chunk, room + 1) if inflater else chunk
        if len(data) > room or (inflater and inflater.unconsumed_tail):
            raise ImportFileError(f"{name}: {entry.filename!r} inflates to more than the {declared:,} bytes its "
                                  "headers declare, as zip bombs do; refused.")
        out += data
    if len(out) != declared or zlib.crc32(out) != entry.CRC:
        raise ImportFileError(f"{name}: {entry.filename!r} is damaged (its size or checksum does not match).")
    return bytes(out)


def read_zip(source):
    try:
        archive = zipfile.ZipFile(source.path)
    except zipfile.BadZipFile:
        raise ImportFileError(f"{source.name} is not a valid ZIP file.") from None
    with archive, open(source.path, "rb") as raw:
        for number, entry in enumerate(_check_zip(archive, source.name), start=1):
            source.counter.position = entry.header_offset + entry.compress_size  # progress through the archive
            if entry.is_dir() or PurePosixPath(entry.filename).name.startswith("."):
                continue
            if not entry.filename.lower().endswith(".txt"):
                yield RowError(number, f"{entry.filename}: only .txt files are imported from a ZIP")
                continue
            data = _inflate(raw, entry, source.name)
            try:
                text = data.decode(detect_encoding(data[:SAMPLE_BYTES], entry.filename))
            except ImportFileError as error:
                yield RowError(number, str(error))
                continue
            except UnicodeDecodeError as error:
                yield RowError(number, f"{entry.filename} is not valid {error.encoding} text near byte offset {error.start}")
                continue
            yield Row(number, {TEXT_FIELD: text, "id": entry.filename})


def read_parquet(source):
    import pyarrow
    import pyarrow.parquet as parquet

    try:
        table = parquet.ParquetFile(source.path)
    except pyarrow.ArrowException as error:
        raise ImportFileError(f"{source.name} is not a valid Parquet file: {error}") from None
    total = max(table.metadata.num_rows, 1)
    number = 0
    for batch in table.iter_batches(batch_size=2000):
        for record in batch.to_pylist():
            number += 1
            yield Row(number, record)
        source.counter.position = source.size * number // total  # progress through the rows


READERS = {
    "csv": read_csv, "jsonl": read_jsonl, "json": read_json, "txt-lines": read_text_lines,
    "txt-whole": read_text_whole, "zip": read_zip, "parquet": read_parquet,
}


def read(source, kind):
    """Rows and row errors of `source` read as `kind`; ImportFileError when the file itself is unreadable."""
    if kind not in READERS:
        raise ImportFileError(f"Unknown format {kind!r}; the formats are {', '.join(READERS)}.")
    return READERS[kind](source)
