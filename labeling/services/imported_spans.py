"""Spans that arrive with an imported file: a field holding a list of spans (or that list as JSON text), each
checked against its note's text as the annotate page's are, their labels found or added as span labels.

A span may come in any of the shapes tools export: {"start", "end", "label"} (other keys such as "text" are
ignored; the NCBI disease corpus's shape), doccano's [start, end, label], or Label Studio's
{"value": {"start", "end", "labels": [label]}}."""

import json

from ..importing.sources import ImportFileError
from ..models import Label, LabelSchema, SpanLabel
from . import schema as schema_service
from .spans import SpanError, check_spans

MAX_NEW_SPAN_LABELS = 200
MAX_LABEL_CHARS = SpanLabel._meta.get_field("name").max_length


def _plain(item):
    """{start, end, label} from one exported span, or None when it has none of the known shapes."""
    if isinstance(item, (list, tuple)) and len(item) == 3:
        return {"start": item[0], "end": item[1], "label": item[2]}
    if isinstance(item, dict) and isinstance(item.get("value"), dict):
        value = item["value"]
        labels = value.get("labels") or value.get("hypertextlabels") or [None]
        return {"start": value.get("start"), "end": value.get("end"), "label": labels[0] if labels else None}
    if isinstance(item, dict):
        return {"start": item.get("start"), "end": item.get("end"), "label": item.get("label")}
    return None


class SpanResolver:
    """Reads a row's spans, adding the span labels the schema lacks (through the schema service, so the audit
    log shows them; a failed import deletes them again with their spans)."""

    def __init__(self, project, field, actor):
        self.project, self.field, self.actor = project, field, actor
        self.schema, _created = LabelSchema.objects.get_or_create(project=project, name="")
        self.labels = {label.name: label for label in self.schema.span_labels.all()}
        self.document_labels = Label.objects.filter(schema=self.schema).exists()
        self.added = []

    def spans(self, fields, text, labeled):
        """[(start, end, SpanLabel)] the row carries, None when its field is empty, or the reason it cannot have
        them. `labeled`: the row gives the note's document labels (a project with them needs them beside spans)."""
        value = fields.get(self.field)
        if value is None or value == "":
            return None
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                return f"the span field {self.field!r} holds no JSON list of spans"
        if not isinstance(value, list):
            return f"the span field {self.field!r} holds no list of spans"
        plain = [_plain(item) for item in value]
        if None in plain:
            return (f"span {plain.index(None) + 1} of {self.field!r} is neither {{start, end, label}} nor "
                    "[start, end, label]")
        if plain and self.document_labels and not labeled:
            return "spans without the note's document labels, which this project also asks for"
        for number, span in enumerate(plain, 1):
            if not isinstance(span["label"], str) or not span["label"].strip():
                return f"span {number} of {self.field!r} has no label"
            span["label"] = span["label"].strip()
            if len(span["label"]) > MAX_LABEL_CHARS:
                return f"the span label {span['label'][:20]!r}… is longer than {MAX_LABEL_CHARS} characters"
        self._add({span["label"] for span in plain} - set(self.labels))
        try:
            return check_spans(self.schema, text, plain, self.labels)
        except SpanError as error:
            return str(error)

    def _add(self, names):
        for name in sorted(names):
            if len(self.added) >= MAX_NEW_SPAN_LABELS:
                raise ImportFileError(f"The span field holds more than {MAX_NEW_SPAN_LABELS} span labels the project "
                                      "does not have; nothing was imported. Check that the right column was chosen.")
            label = schema_service.add_label(self.actor, self.project, name=name, key_it=True, span=True)
            self.labels[name] = label
            self.added.append(label.pk)

    def remove_added(self):
        for label in SpanLabel.objects.filter(pk__in=self.added):
            schema_service.delete_label(self.actor, label, confirmed=True)
        self.added = []
