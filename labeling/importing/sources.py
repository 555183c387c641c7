"""Bytes to text: encoding detection, binary refusal, byte counting for progress."""

import codecs
import io

from charset_normalizer import from_bytes

from studio.errors import Refusal

SAMPLE_BYTES = 64 * 1024


class ImportFileError(Refusal):
    """The file as a whole cannot be read; the message names the file and, where known, the byte offset."""


class CountingReader(io.RawIOBase):
    """A binary file that counts the bytes read from it, so that progress can follow them."""

    def __init__(self, raw):
        self.raw = raw
        self.position = 0
        self.last_read = 0

    def readable(self):
        return True

    def readinto(self, buffer):
        count = self.raw.readinto(buffer)
        self.position += count or 0
        self.last_read = count or 0
        return count

    def close(self):
        self.raw.close()
        super().close()


def _utf16_without_bom(sample):
    """Mostly-ASCII UTF-16 text has a zero in every other byte."""
    even, odd = sample[0::2], sample[1::2]
    if not sample or len(sample) < 4:
        return None
    if odd.count(0) > 0.4 * len(odd) and even.count(0) < 0.05 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.4 * len(even) and odd.count(0) < 0.05 * len(odd):
        return "utf-16-be"
    return None


def _valid_utf8_prefix(sample):
    try:
        sample.decode("utf-8")
        return True
    except UnicodeDecodeError as error:
        # A multi-byte character cut by the end of the sample is not an error.
        return error.start >= len(sample) - 3 and error.reason == "unexpected end of data"


def detect_encoding(sample, name):
    """The encoding of a text file from its first bytes, or ImportFileError if it is not text."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    utf16 = _utf16_without_bom(sample)
    if utf16:
        return utf16
    if b"\x00" in sample:
        raise ImportFileError(f"{name} looks like a binary file, not text (it contains NUL bytes).")
    if _valid_utf8_prefix(sample):
        return "utf-8"
    # The legacy encodings clinical exports come in; wider guesses mistake Western text for Central European.
    best = from_bytes(sample, cp_isolation=["cp1252", "latin_1"]).best()
    if best is None:
        raise ImportFileError(f"{name}: the text encoding could not be recognised; save it as UTF-8 and upload it again.")
    return best.encoding


def text_stream(counter, encoding, name):
    """Decoded text over a CountingReader; decoding errors name the file and the byte offset."""
    # Unbuffered below the decoder, so that the last raw read is the chunk being decoded.
    text = io.TextIOWrapper(counter, encoding=encoding, newline="")
    text._CHUNK_SIZE = 1 << 16
    return _CheckedText(text, counter, name)


class _CheckedText:
    def __init__(self, text, counter, name):
        self.text = text
        self.counter = counter
        self.name = name

    def _offset(self, error):
        # The failing chunk is the one just read; error.start is within it.
        return max(0, self.counter.position - self.counter.last_read + error.start)

    def _guard(self, read):
        try:
            return read()
        except UnicodeDecodeError as error:
            raise ImportFileError(
                f"{self.name} is not valid {error.encoding} text near byte offset {self._offset(error)} "
                f"({error.reason}). Save it as UTF-8 and upload it again."
            ) from None

    def read(self, size=-1):
        return self._guard(lambda: self.text.read(size))

    def readline(self):
        return self._guard(self.text.readline)

    def __iter__(self):
        return self

    def __next__(self):
        line = self.readline()
        if not line:
            raise StopIteration
        return line
