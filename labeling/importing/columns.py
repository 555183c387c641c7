"""What each column of a file seems to hold, read from its first rows: the note text (long strings), an id, or
labels (few distinct values), and a warning when the column chosen as text cannot be one."""

from dataclasses import dataclass, field

from .formats import TEXT_FIELD

TEXT_NAMES = ("text", "note", "note_text", "body", "content", "abstract", "document")
ID_NAMES = ("id", "external_id", "note_id", "doc_id", "document_id")
LABEL_NAMES = ("label", "labels", "category", "categories", "class", "specialty")
SPAN_NAMES = ("spans", "entities")  # a column of marked stretches of text (the NCBI disease corpus: spans)
LABEL_HINTS = ("label", "class", "categor", "condition", "diagnos", "target", "specialty")
MAX_LABEL_VALUES = 50  # more distinct values than this is not a label column, and the value form stays short
SHORT_TEXT_CHARS = 12  # short values that repeat are codes or labels, not notes
LABEL_CHARS = 40  # label values are names, not sentences


@dataclass
class ColumnProfile:
    """A column over the rows read: how long its values are, whether they are numbers, which values it holds."""

    rows: int = 0
    filled: int = 0
    numeric: int = 0
    characters: int = 0
    values: dict = field(default_factory=dict)  # value → rows, until it has more than MAX_LABEL_VALUES
    many_values: bool = False
    sample: str = ""  # the first value, for messages

    @property
    def average_length(self):
        return self.characters / self.filled if self.filled else 0

    @property
    def all_numeric(self):
        return self.filled > 0 and self.numeric == self.filled

    @property
    def few_values(self):
        """Few distinct values, each repeated: what a label column looks like."""
        return not self.many_values and 0 < len(self.values) <= max(self.filled // 2, 1) and self.filled >= 4

    def add(self, value):
        self.rows += 1
        if value is None or value == "" or isinstance(value, (dict, list, tuple)):
            return
        text = str(value).strip()
        if not text:
            return
        self.filled += 1
        self.sample = self.sample or text
        self.characters += len(text)
        if _is_number(text):
            self.numeric += 1
        if not self.many_values:
            self.values[text] = self.values.get(text, 0) + 1
            if len(self.values) > MAX_LABEL_VALUES:
                self.values, self.many_values = {}, True

    def as_dict(self):
        return {"average_length": round(self.average_length, 1), "numeric": self.all_numeric,
                "values": None if self.many_values else sorted(self.values, key=_value_order)}


def _is_number(text):
    try:
        float(text)
    except ValueError:
        return False
    return True


def _value_order(value):
    """Numbers in numeric order (1, 2, 10), before words in alphabetical order."""
    return (0, float(value), "") if _is_number(value) else (1, 0.0, value)


def profile(columns, rows):
    """{column: ColumnProfile} over `rows` (dicts)."""
    found = {column: ColumnProfile() for column in columns}
    for row in rows:
        for column, column_profile in found.items():
            column_profile.add(row.get(column))
    return found


def suggest(columns, profiles=None):
    """The text, id and label columns a manager most likely wants: by name first, else by content: the text is the
    column with the longest values, the label column a short one with few distinct values."""
    profiles = profiles or {}
    lowered = {column.lower(): column for column in columns}
    named_text = next((lowered[name] for name in TEXT_NAMES if name in lowered), None)
    identifier = next((lowered[name] for name in ID_NAMES if name in lowered), "")
    if named_text is not None:
        text = named_text
    elif profiles:
        text = max(columns, key=lambda column: (not profiles[column].all_numeric, profiles[column].average_length))
    else:
        text = columns[0] if columns else TEXT_FIELD
    spans = next((lowered[name] for name in SPAN_NAMES if name in lowered), "")
    labels = [lowered[name] for name in LABEL_NAMES
              if name in lowered and lowered[name] not in (text, identifier, spans)]
    if not labels:  # one column by its values: a name that says label first, else the first that looks like one
        candidates = [column for column in columns if column not in (text, identifier, spans) and column in profiles
                      and profiles[column].few_values and profiles[column].average_length < LABEL_CHARS]
        hinted = [column for column in candidates if any(hint in column.lower() for hint in LABEL_HINTS)]
        labels = (hinted or candidates)[:1]
    return {"text_field": text, "id_field": identifier, "label_fields": labels, "span_field": spans}


def text_warning(column, column_profile):
    """Why `column` looks wrong as the note text, or "" when it looks like text."""
    if column_profile is None or not column_profile.filled:
        return ""
    if column_profile.all_numeric:
        return (f"“{column}” holds numbers, not notes: every note would be a number such as "
                f"“{column_profile.sample[:20]}”. Choose the column with the note text.")
    if column_profile.average_length < SHORT_TEXT_CHARS and column_profile.few_values:
        return (f"“{column}” holds short values ({column_profile.average_length:.0f} characters on average), "
                "more like codes or labels than notes. Choose the column with the note text.")
    return ""
