"""De-identification of the HIPAA Safe Harbor identifiers that patterns can find.

Each category has patterns; matches are collected on the original text, overlaps resolved
(the earlier, then the longer match wins), and each match replaced by its category tag
(`[NAME]`) or by a surrogate that is the same for the same value throughout a document. A name
found once (after a title, on a signature line, after a label, or from the recipe's name list)
is removed wherever its words appear again in the document. A tagged date keeps its year unless
the recipe says not to (Safe Harbor allows the year, except where it reveals an age over 89, as a
very old patient's birth year does); dates may instead be shifted by an offset that is fixed per
document, keeping intervals between them. A span model (a tagger trained on a project's PHI spans) may find
identifiers beside the patterns: its spans of the chosen categories join theirs before overlaps are resolved, and a
name it finds is spread through the document like a name the patterns find.
"""

import hashlib
import random
import re
from collections import Counter
from datetime import date, timedelta

import re2

CATEGORIES = ("NAME", "DATE", "AGE", "PHONE", "EMAIL", "URL", "IP", "SSN", "ID", "ZIP", "ADDRESS")

_MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
MONTH = (r"(?:(?i:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|june?|july?|aug(?:ust)?|sept?(?:ember)?"
         r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)|May|MAY)")
DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
OLD = r"(?:9\d|1[01]\d|120)"
NAME_WORD = r"[A-Z][a-zA-Z'’-]+"
FULL_NAME = rf"{NAME_WORD}(?:\s+[A-Z]\.)?(?:\s+{NAME_WORD}){{0,2}}"
STATES = ("AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND "
          "OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY").split()
STREET = (r"(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl|Terrace|Ter"
          r"|Circle|Cir|Parkway|Pkwy|Highway|Hwy|Square|Sq|Trail|Trl|Crescent|Close|Row)")
ID_LABELS = (r"MRN|MR\s?#|MR\s+No|Medical\s+Record|Med\s+Rec|Patient\s+ID|Chart\s+(?:No|Number)|Acct|Account"
             r"|Member\s+ID|Member\s*#|Subscriber\s+ID|Health\s+Plan(?:\s+ID)?|Beneficiary\s+ID|Policy|Insurance\s+ID"
             r"|Group\s+(?:No|Number)|Licen[cs]e|Lic\.?|DEA|NPI|Certificate|Badge|Serial|Device\s+ID|Encounter")

MONTH_TRIGGERS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")

# (category, pattern, group holding the identifier (0: the whole match), triggers, reach back).
# Python's regex engine tries a pattern at every position of the text, which makes ~30 patterns
# over a 1 KB note cost about a millisecond. A pattern with triggers is tried only where one of
# them occurs (found with str.find: lower-case triggers in the lower-cased text, others as
# written): at the trigger itself when its reach back is 0, else in a short window from that
# many characters before it. Patterns without triggers scan the whole text.
PATTERNS = [
    ("EMAIL", r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b", 0, ("@",), 64),
    ("URL", r"\b(?:https?://|www\.)[^\s<>\"']*[^\s<>\"'.,;:!?)\]]", 0, ("http", "www."), 0),
    ("IP", r"\b(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)\b", 0, None, 0),
    ("IP", r"\b(?:[0-9a-fA-F]{1,4}:){7}[0-9a-fA-F]{1,4}\b", 0, None, 0),
    ("SSN", r"\b\d{3}-\d{2}-\d{4}\b", 0, None, 0),
    ("SSN", r"(?i:\b(?:SSN|SS#|social\s+security(?:\s+(?:number|no\.?|#))?))\s*[:#]?\s*(\d{3}[\s-]?\d{2}[\s-]?\d{4})\b", 1,
     ("ssn", "ss#", "social"), 0),
    ("ID", rf"(?i:\b(?:{ID_LABELS}))\.?\s*(?i:number|num|no\.?|#|id)?\s*[:#=]?\s*((?=[A-Za-z-]*\d)[A-Za-z0-9][A-Za-z0-9-]{{3,}})",
     1, ("mr", "medical", "med ", "patient", "chart", "acct", "account", "member", "subscriber", "health",
         "beneficiary", "policy", "insurance", "group", "licen", "lic", "dea", "npi", "certificate", "badge", "serial",
         "device", "encounter"), 0),
    ("PHONE", r"(?<![\w-])(?:\+?1[\s.-]?)?(?:\(\d{3}\)\s?|\d{3}[\s.-])\d{3}[\s.-]\d{4}"
              r"(?:\s*(?:x|ext\.?|extension)\s*\d{1,5})?(?![\w-])", 0, None, 0),
    ("PHONE", r"(?<![\w+])\+\d{1,3}(?:[\s.-]\(?\d{1,4}\)?){2,4}(?![\w-])", 0, ("+",), 0),
    ("PHONE", r"(?i:\b(?:phone|tel|telephone|fax|cell|mobile|pager|beeper)\b)\.?\s*(?i:no\.?|number|#)?\s*[:#]?\s*"
              r"(\+?\(?\d[\d\s().-]{5,}\d)", 1, ("phone", "tel", "fax", "cell", "mobile", "pager", "beeper"), 0),
    ("DATE", r"\b\d{4}[-/.](?:0?[1-9]|1[0-2])[-/.](?:[12]\d|3[01]|0?[1-9])(?:[T ]\d{1,2}:\d{2}(?::\d{2})?)?\b", 0, None, 0),
    ("DATE", r"\b(?:0?[1-9]|1[0-2]|[12]\d|3[01])[/-](?:0?[1-9]|1[0-2]|[12]\d|3[01])[/-](?:\d{4}|\d{2})\b", 0, None, 0),
    ("DATE", r"\b(?:0?[1-9]|[12]\d|3[01])\.(?:0?[1-9]|1[0-2])\.\d{4}\b", 0, None, 0),
    ("DATE", rf"\b{MONTH}\.?\s+{DAY}(?:,?\s+\d{{4}})?\b", 0, MONTH_TRIGGERS, 0),
    ("DATE", rf"\b{DAY}\s+(?:of\s+)?{MONTH}\.?(?:,?\s+\d{{4}})?\b", 0, MONTH_TRIGGERS, 12),
    ("DATE", rf"\b{MONTH}\.?,?\s+\d{{4}}\b", 0, MONTH_TRIGGERS, 0),
    ("AGE", rf"\b({OLD})(?=\s*-?\s*(?:years?|yrs?|y\.?o\.?|yo|y/o)\b)", 1, ("year", "yr", "yo", "y/o", "y.o"), 8),
    ("AGE", rf"(?i:\b(?:age|aged)\b)\s*[:=]?\s*({OLD})\b", 1, ("age",), 0),
    ("AGE", rf"\b({OLD})(?=\s?(?:M|F)\b)", 1, ("M", "F"), 5),
    ("ADDRESS", rf"\b\d{{1,6}}(?:-\d+)?\s+(?:[NSEW]\.?\s+)?(?:[A-Z0-9][A-Za-z0-9'.-]*\s+){{0,3}}{STREET}\b\.?"
                r"(?:,?\s+(?i:apt|apartment|suite|ste|unit|floor|fl)\.?\s*#?\s*[A-Za-z0-9-]+|,?\s+#\s*[A-Za-z0-9-]+)?"
                rf"(?:,\s*{NAME_WORD}(?:\s+{NAME_WORD})?(?=,?\s+(?:{'|'.join(STATES)})\b))?", 0,
     tuple(STREET[3:-1].split("|")), 60),
    ("ADDRESS", r"\b(?i:p\.?\s?o\.?\s+box)\s+\d+\b", 0, ("box",), 8),
    ("ZIP", rf"\b(?:{'|'.join(STATES)}),?\s+(\d{{5}}(?:-\d{{4}})?)\b", 1, tuple(STATES), 0),
    ("ZIP", r"(?i:\b(?:zip(?:\s*code)?|postal\s+code|postcode)\b)\s*[:#]?\s*(\d{5}(?:-\d{4})?)\b", 1,
     ("zip", "postal", "postcode"), 0),
    ("ZIP", r"\b(\d{5}-\d{4})\b", 1, None, 0),
    ("NAME", rf"\b(?:Dr|Mr|Mrs|Ms|Miss|Mx|Prof|Doctor|Nurse|Sister)\.?\s+((?:[A-Z]\.\s*)?{NAME_WORD}(?:\s+{NAME_WORD})?)",
     1, ("Dr", "Mr", "Ms", "Miss", "Mx", "Prof", "Doctor", "Nurse", "Sister"), 0),
    ("NAME", r"(?m:^)[ \t]*(?i:(?:electronically\s+)?(?:signed|co-?signed|dictated|transcribed|attending(?:\s+physician)?"
             r"|resident|provider|author|physician|nurse|clinician|seen|referring\s+physician|pcp)"
             r"(?:\s+(?:by|electronically))*)\s*[:\-]?\s*(?:Dr\.?\s+)?(" + FULL_NAME + ")", 1, None, 0),
    ("NAME", rf"\b({NAME_WORD}(?:\s+[A-Z]\.)?\s+{NAME_WORD}),?\s+(?:MD|M\.D\.|DO|RN|NP|PA-C|PA|PhD|MBBS|DNP|LPN|CNM)\b",
     1, ("MD", "M.D.", "DO", "RN", "NP", "PA", "PhD", "MBBS", "DNP", "LPN", "CNM"), 60),
    ("NAME", r"(?i:\b(?:patient|pt|name|patient\s+name|contact|next\s+of\s+kin|nok|emergency\s+contact|spouse|mother"
             r"|father|son|daughter|wife|husband|guardian|caregiver)\b)\s*[:\-]\s*(" + FULL_NAME + ")", 1,
     ("patient", "pt", "name", "contact", "next", "nok", "emergency", "spouse", "mother", "father", "son", "daughter",
      "wife", "husband", "guardian", "caregiver"), 0),
]
# Words a name pattern may catch that are not names: they are never spread through a document.
NOT_NAMES = {"The", "This", "That", "Patient", "Signed", "Today", "Please", "Follow", "Plan", "Seen", "Note", "And",
             "Reviewed", "History", "Discharge", "Admission", "Clinic", "Hospital", "Department", "Nurse", "Doctor"}

FIRST_NAMES = ["Alex", "Sam", "Jordan", "Taylor", "Morgan", "Casey", "Riley", "Jamie", "Avery", "Quinn", "Rowan", "Drew"]
LAST_NAMES = ["Smithson", "Carver", "Ellery", "Fenwick", "Hollis", "Marlow", "Penrose", "Quill", "Rutherford", "Stroud",
              "Thorne", "Wilder"]


REACH = 80  # how far past its trigger a match that starts before it may end


def user_pattern(pattern):
    """A recipe's own pattern, compiled for RE2: matching takes time linear in the note's length whatever the
    pattern (no catastrophic backtracking); re2.error for what RE2 cannot take (backreferences, lookaround)."""
    return re2.compile(pattern)


def _compile(extra_patterns=(), names=()):
    """[(category, regex, group, triggers, reach back)] with the recipe's own patterns and names."""
    patterns = [(category, re.compile(pattern), group, triggers, back)
                for category, pattern, group, triggers, back in PATTERNS]
    for pattern in extra_patterns:
        compiled = user_pattern(pattern)
        patterns.append(("ID", compiled, 1 if compiled.groups else 0, None, 0))
    if names:
        alternation = "|".join(re.escape(name) for name in sorted(names, key=len, reverse=True))
        patterns.append(("NAME", re.compile(rf"(?i:\b(?:{alternation})\b)"), 0,
                         tuple(sorted({name.lower()[:4] for name in names})), 0))
    return patterns


def _triggered(pattern, text, lower, triggers, back):
    """Matches of a pattern with triggers: tried only at each trigger (reach back 0: the match
    starts there) or in a short window around it."""
    tried = set()
    for trigger in triggers:
        haystack = text if trigger.lower() != trigger else lower
        at = haystack.find(trigger)
        while at != -1:
            if not back:
                if at not in tried:
                    tried.add(at)
                    if match := pattern.match(text, at):
                        yield match
            else:
                yield from pattern.finditer(text, max(0, at - back), min(len(text), at + len(trigger) + REACH))
            at = haystack.find(trigger, at + 1)


class Deidentifier:
    def __init__(self, categories=CATEGORIES, replacement="tag", shift_dates=False, extra_patterns=(), names=(),
                 seed=13, keep_year=True, model=None):
        self.categories = set(categories)
        self.model = model  # a span tagger (.predict(text) → [(start, end, label, score)]) or None
        self.keep_year = keep_year
        self.replacement = replacement
        self.shift_dates = shift_dates
        self.seed = seed
        self.patterns = [entry for entry in _compile(extra_patterns, names) if entry[0] in self.categories]

    def find(self, text, found_by=None):
        """[(start, end, category)] of identifiers, without overlaps, in text order. `found_by`, a Counter, is given
        what each source found before overlaps are resolved: ("patterns" or "model", category) → spans."""
        found = set()
        lower = text.lower()
        if len(lower) != len(text):  # a few characters lower-case to two: no shared positions
            lower = "".join(char.lower()[0] for char in text)
        for category, pattern, group, triggers, back in self.patterns:
            matches = pattern.finditer(text) if triggers is None else _triggered(pattern, text, lower, triggers, back)
            for match in matches:
                span = match.span(group)
                if span[1] > span[0]:
                    found.add((*span, category))
        if found_by is not None:
            found_by.update(("patterns", category) for _start, _end, category in found)
        if self.model is not None:
            modelled = {(start, end, label.upper()) for start, end, label, _score in self.model.predict(text)
                        if label.upper() in self.categories and end > start}
            if found_by is not None:
                found_by.update(("model", category) for _start, _end, category in modelled)
            found |= modelled
        if "NAME" in self.categories:
            found.update(self._spread_names(text, [text[start:end] for start, end, category in found
                                                   if category == "NAME"]))
        kept, reach = [], 0
        for span in sorted(found, key=lambda span: (span[0], span[0] - span[1])):
            if span[0] >= reach:
                kept.append(span)
                reach = span[1]
        return kept

    @staticmethod
    def _spread_names(text, names):
        """Every other whole-word occurrence of the found names' words (a surname on its own, say)."""
        words = {word for name in names for word in re.findall(r"[A-Z][a-zA-Z’'-]{2,}", name)} - NOT_NAMES
        words = {word[:-2] if word.endswith(("'s", "’s")) else word for word in words}
        spans = []
        for word in words:
            at = text.find(word)
            while at != -1:
                end = at + len(word)
                if (at == 0 or not text[at - 1].isalnum()) and (end == len(text) or not text[end].isalnum()):
                    spans.append((at, end, "NAME"))
                at = text.find(word, end)
        return spans

    def apply(self, text, key, found_by=None):
        """(text with identifiers replaced, Counter of replacements per category). `key` (the
        document's id) fixes its surrogates and date offset; `found_by` as `find` takes it."""
        spans = self.find(text, found_by)
        if not spans:
            return text, Counter()
        rng = random.Random(int.from_bytes(hashlib.sha256(f"{self.seed}:{key}".encode()).digest()[:8], "big"))
        offset = timedelta(days=rng.randint(-365, 365) or 1)
        surrogates, counts, parts, cursor = {}, Counter(), [], 0
        for start, end, category in spans:
            original = text[start:end]
            counts[category] += 1
            parts.append(text[cursor:start])
            if category == "DATE" and (self.shift_dates or self.replacement == "surrogate"):
                parts.append(shift_date(original, offset) or "[DATE]")
            elif category == "DATE" and self.keep_year and (year := _YEAR.search(original)):
                parts.append(f"[DATE] {year[0]}")
            elif self.replacement == "surrogate":
                value = (category, original.lower())
                if value not in surrogates:
                    surrogates[value] = _surrogate(category, original, rng, len(surrogates))
                parts.append(surrogates[value])
            else:
                parts.append(f"[{category}]")
            cursor = end
        parts.append(text[cursor:])
        return "".join(parts), counts


def _surrogate(category, original, rng, number):
    if category == "NAME":
        words = original.split()
        return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}" if len(words) > 1 else rng.choice(LAST_NAMES)
    digits = lambda count: "".join(str(rng.randint(0, 9)) for _ in range(count))  # noqa: E731
    return {
        "AGE": "90+",
        "PHONE": f"555-01{digits(2)}",
        "EMAIL": f"person{number + 1}@example.org",
        "URL": f"https://example.org/{number + 1}",
        "IP": f"192.0.2.{number + 1}",
        "SSN": f"000-00-{digits(4)}",
        "ID": "X" + digits(max(4, sum(char.isdigit() for char in original)) - 1),
        "ZIP": "00000",
        "ADDRESS": f"{number + 1} Example Street",
    }[category]


_YEAR = re.compile(r"(?<!\d)(?:1[89]|20)\d\d(?!\d)")
_NUMERIC = re.compile(r"^(\d{1,2})([/-])(\d{1,2})\2(\d{4}|\d{2})$")
_ISO = re.compile(r"^(\d{4})([-/.])(\d{1,2})\2(\d{1,2})$")
_WORDS = re.compile(rf"^({MONTH})\.?\s+({DAY}),?\s+(\d{{4}})$|^({DAY})\s+(?:of\s+)?({MONTH})\.?,?\s+(\d{{4}})$")


def shift_date(text, offset):
    """The date moved by `offset`, written the way it was; None for a form that cannot be moved
    (no year, say), which is then replaced by its tag."""
    try:
        if match := _NUMERIC.match(text):
            month, separator, day, year = int(match[1]), match[2], int(match[3]), match[4]
            full_year = int(year) + (2000 if len(year) == 2 and int(year) < 50 else 1900 if len(year) == 2 else 0)
            moved = date(full_year, month, day) + offset
            shown_year = str(moved.year)[-len(year):]
            return f"{moved.month:02d}{separator}{moved.day:02d}{separator}{shown_year}"
        if match := _ISO.match(text):
            moved = date(int(match[1]), int(match[3]), int(match[4])) + offset
            return moved.isoformat().replace("-", match[2])
        if match := _WORDS.match(text):
            month_name, day, year = (match[1], match[2], match[3]) if match[1] else (match[5], match[4], match[6])
            month = _MONTHS.index(month_name[:3].lower()) + 1
            moved = date(int(year), month, int(re.match(r"\d+", day)[0])) + offset
            return moved.strftime("%B %-d, %Y")
    except ValueError:  # 31/02/2020 and the like
        return None
    return None
