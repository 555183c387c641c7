"""A cleaning recipe: which steps run and with what settings. JSON in the API, a form in the
browser; every setting has a default, and a wrong one is refused with its name."""

import re

from .. import settings_schema
from ..settings_schema import SettingsError as RecipeError
from .deid import CATEGORIES


# name: (type, default, minimum, maximum, help)
SETTINGS = {
    "normalize_unicode": (bool, True, None, None, "Unicode NFKC normalisation and removal of control characters."),
    "strip_markup": (bool, True, None, None, "Remove HTML/XML tags and decode entities."),
    "normalize_whitespace": (bool, True, None, None, "Collapse runs of spaces; at most one blank line."),
    "remove_boilerplate": (bool, True, None, None, "Remove lines that repeat across many documents."),
    "boilerplate_min_share": (float, 0.05, 0.001, 1.0, "A line in at least this share of documents is boilerplate."),
    "boilerplate_min_documents": (int, 20, 2, None, "…and in at least this many documents."),
    "min_chars": (int, 20, 0, None, "Drop documents shorter than this (characters, after cleaning)."),
    "max_chars": (int, 200_000, 1, None, "Drop documents longer than this (characters)."),
    "min_tokens": (int, 0, 0, None, "Drop documents with fewer words (0: no limit)."),
    "max_tokens": (int, 0, 0, None, "Drop documents with more words (0: no limit)."),
    "exact_dedup": (bool, True, None, None, "Drop documents whose cleaned text repeats an earlier one's."),
    "near_dedup": (bool, True, None, None, "Drop near-copies (MinHash + LSH), keeping the first of each cluster."),
    "near_threshold": (float, 0.8, 0.5, 1.0, "Jaccard similarity of word shingles that makes two notes near-copies."),
    "shingle_size": (int, 5, 1, 10, "Words per shingle."),
    "num_perm": (int, 128, 16, 512, "MinHash permutations (more: finer estimates, slower)."),
    "deidentify": (bool, True, None, None, "Replace identifiers (HIPAA Safe Harbor categories patterns can find)."),
    "categories": (list, list(CATEGORIES), None, None, "Which identifier categories to replace."),
    "replacement": (str, "tag", None, None, "tag: [DATE], [PHONE]…; surrogate: a consistent stand-in per document."),
    "shift_dates": (bool, False, None, None, "Shift dates by a per-document offset instead of replacing them."),
    "keep_year": (bool, True, None, None, "A replaced date keeps its year ([DATE] 2019); off: the year goes too."),
    "id_patterns": (list, [], None, None, "Extra regular expressions for record, account or licence numbers."),
    "names": (list, [], None, None, "Names to remove wherever they appear (e.g. the clinic's staff list)."),
    "seed": (int, 13, 0, 2**31 - 1, "Fixes MinHash and surrogates: the same recipe gives the same output."),
}
REPLACEMENTS = ("tag", "surrogate")
MAX_ID_PATTERNS, MAX_NAMES = 20, 20_000


def defaults():
    return settings_schema.defaults(SETTINGS)


def clean(raw):
    """The recipe with defaults filled in; RecipeError for anything wrong."""
    recipe = settings_schema.clean(SETTINGS, raw, "cleaning setting")
    if recipe["replacement"] not in REPLACEMENTS:
        raise RecipeError(f"replacement: must be one of {', '.join(REPLACEMENTS)}.")
    bad = [category for category in recipe["categories"] if category not in CATEGORIES]
    if bad:
        raise RecipeError(f"categories: {bad[0]!r} is not one of {', '.join(CATEGORIES)}.")
    if recipe["max_tokens"] and recipe["max_tokens"] < recipe["min_tokens"]:
        raise RecipeError("max_tokens: must be 0 (no limit) or at least min_tokens.")
    if recipe["max_chars"] < recipe["min_chars"]:
        raise RecipeError("max_chars: must be at least min_chars.")
    if len(recipe["id_patterns"]) > MAX_ID_PATTERNS:
        raise RecipeError(f"id_patterns: at most {MAX_ID_PATTERNS}.")
    for pattern in recipe["id_patterns"]:
        if not isinstance(pattern, str) or not pattern or len(pattern) > 300:
            raise RecipeError("id_patterns: each must be a regular expression of 1 to 300 characters.")
        try:
            compiled = re.compile(pattern)
        except re.error as error:
            raise RecipeError(f"id_patterns: {pattern!r} is not a valid regular expression ({error}).") from None
        if compiled.match(""):
            raise RecipeError(f"id_patterns: {pattern!r} matches empty text.")
        if compiled.groups > 1:
            raise RecipeError(f"id_patterns: {pattern!r} has {compiled.groups} groups; use one (the number) or none.")
    if len(recipe["names"]) > MAX_NAMES or not all(isinstance(name, str) for name in recipe["names"]):
        raise RecipeError(f"names: a list of at most {MAX_NAMES:,} names.")
    recipe["names"] = sorted({name.strip() for name in recipe["names"] if len(name.strip()) >= 2})
    return recipe
