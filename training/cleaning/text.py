"""Text normalisation steps and repeated-line (boilerplate) detection. Each step returns the
new text; the pipeline notes which steps changed a document."""

import hashlib
import html
import re
import unicodedata

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2064\ufeff]")
_TAG = re.compile(r"<!--.*?-->|<(script|style)\b.*?</\1\s*>|</?[A-Za-z][^<>]*>", re.DOTALL | re.IGNORECASE)
_BLOCK_TAG = re.compile(r"<(?:br|/p|/div|/li|/tr|/h[1-6])\b[^<>]*>", re.IGNORECASE)
_SPACES = re.compile(r"[ \t\f\v\u00a0]+")
_BLANK_LINES = re.compile(r"\n\s*\n(?:\s*\n)+")
_WORDS = re.compile(r"\w+")


def normalize_unicode(text):
    """NFKC, with control and invisible formatting characters removed (newlines and tabs kept)."""
    return _CONTROL.sub("", unicodedata.normalize("NFKC", text.replace("\r\n", "\n").replace("\r", "\n")))


def strip_markup(text):
    """HTML/XML tags gone (line-breaking ones become newlines), entities decoded."""
    if "<" not in text and "&" not in text:
        return text
    return html.unescape(_TAG.sub("", _BLOCK_TAG.sub("\n", text)))


def normalize_whitespace(text):
    """Runs of spaces become one, lines are trimmed, and there is at most one blank line in a row."""
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def line_key(line):
    """A repeated line's identity: its words, case and spacing aside (8 bytes of a hash)."""
    return hashlib.blake2b(" ".join(_WORDS.findall(line.lower())).encode(), digest_size=8).digest()


def line_keys(text):
    """The distinct keys of a document's non-empty lines."""
    return {line_key(line) for line in text.split("\n") if line.strip()}


def remove_lines(text, boilerplate):
    """The text without lines whose key is in `boilerplate` (the very same object when none is)."""
    lines = text.split("\n")
    kept = [line for line in lines if not line.strip() or line_key(line) not in boilerplate]
    return text if len(kept) == len(lines) else "\n".join(kept).strip()


def words(text):
    return _WORDS.findall(text.lower())
