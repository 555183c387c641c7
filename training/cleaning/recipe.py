"""A cleaning recipe: which steps run and with what settings. JSON in the API, a form in the
browser; every setting has a default, and a wrong one is refused with its name."""

import re2

from studio.settings_schema import Schema, Setting
from studio.settings_schema import SettingsError as RecipeError

from .deid import CATEGORIES, user_pattern

REPLACEMENTS = ("tag", "surrogate")
SETTINGS = Schema(
    Setting("normalize_unicode", bool, True, help="Unicode NFKC normalisation and removal of control characters."),
    Setting("strip_markup", bool, True, help="Remove HTML/XML tags and decode entities."),
    Setting("normalize_whitespace", bool, True, help="Collapse runs of spaces; at most one blank line."),
    Setting("remove_boilerplate", bool, True, help="Remove lines that repeat across many documents."),
    Setting("boilerplate_min_share", float, 0.05, minimum=0.001, maximum=1.0, help="A line in at least this share of documents is boilerplate."),
    Setting("boilerplate_min_documents", int, 20, minimum=2, help="…and in at least this many documents."),
    Setting("min_chars", int, 20, minimum=0, help="Drop documents shorter than this (characters, after cleaning)."),
    Setting("max_chars", int, 200_000, minimum=1, help="Drop documents longer than this (characters)."),
    Setting("min_tokens", int, 0, minimum=0, help="Drop documents with fewer words (0: no limit)."),
    Setting("max_tokens", int, 0, minimum=0, help="Drop documents with more words (0: no limit)."),
    Setting("exact_dedup", bool, True, help="Drop documents whose cleaned text repeats an earlier one's."),
    Setting("near_dedup", bool, True, help="Drop near-copies (MinHash + LSH), keeping the first of each cluster."),
    Setting("near_threshold", float, 0.8, minimum=0.5, maximum=1.0, help="Jaccard similarity of word shingles that makes two notes near-copies."),
    Setting("shingle_size", int, 5, minimum=1, maximum=10, help="Words per shingle."),
    Setting("num_perm", int, 128, minimum=16, maximum=512, help="MinHash permutations (more: finer estimates, slower)."),
    Setting("deidentify", bool, True, help="Replace identifiers (HIPAA Safe Harbor categories patterns can find)."),
    Setting("categories", list, list(CATEGORIES), help="Which identifier categories to replace."),
    Setting("replacement", str, "tag", choices=REPLACEMENTS, help="tag: [DATE], [PHONE]…; surrogate: a consistent stand-in per document."),
    Setting("shift_dates", bool, False, help="Shift dates by a per-document offset instead of replacing them."),
    Setting("keep_year", bool, True, help="A replaced date keeps its year ([DATE] 2019); off: the year goes too."),
    Setting("id_patterns", list, [], help="Extra regular expressions for record, account or licence numbers."),
    Setting("deid_model", int, 0, minimum=0, help="A span tagger of this project whose labels are named after the "
            "categories (NAME, DATE, …): what it finds is replaced too, beside what the patterns find (0: the "
            "patterns alone)."),
    Setting("names", list, [], help="Names to remove wherever they appear (e.g. the clinic's staff list)."),
    Setting("seed", int, 13, minimum=0, maximum=2**31 - 1, help="Fixes MinHash and surrogates: the same recipe gives the same output."),
    what="cleaning setting",
)
MAX_ID_PATTERNS, MAX_NAMES = 20, 20_000


def clean(raw):
    """The recipe with defaults filled in; RecipeError for anything wrong."""
    recipe = SETTINGS.clean(raw)
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
            compiled = user_pattern(pattern)
        except re2.error as error:
            detail = error.args[0].decode() if error.args and isinstance(error.args[0], bytes) else str(error)
            raise RecipeError(f"id_patterns: {pattern!r} is not a regular expression the studio's linear-time engine "
                              f"takes ({detail}; backreferences and lookaround are not supported).") from None
        if compiled.match(""):
            raise RecipeError(f"id_patterns: {pattern!r} matches empty text.")
        if compiled.groups > 1:
            raise RecipeError(f"id_patterns: {pattern!r} has {compiled.groups} groups; use one (the number) or none.")
    if len(recipe["names"]) > MAX_NAMES or not all(isinstance(name, str) for name in recipe["names"]):
        raise RecipeError(f"names: a list of at most {MAX_NAMES:,} names.")
    recipe["names"] = sorted({name.strip() for name in recipe["names"] if len(name.strip()) >= 2})
    return recipe
