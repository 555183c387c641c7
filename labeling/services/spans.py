"""Spans on a note: the checks every span passes before it is stored (from the annotate page, the API or an
imported file), and storing an annotation's spans. A span is {start, end, label}: character offsets into the
note's text (end exclusive) and a span label's name."""

import json

from studio.errors import Refusal

from ..models import Span, SpanLabel


class SpanError(Refusal):
    """A span cannot be stored; the message names it and says why."""


def _name(number, start, end, label):
    return f"Span {number} ({start}–{end}{f', “{label}”' if isinstance(label, str) and label else ''})"


def check_spans(schema, text, raw, labels=None):
    """[(start, end, SpanLabel)] in text order from `raw` ([{start, end, label}]; a pre-selected span's score and
    an export's text are ignored), or SpanError naming the first
    span that is not whole: offsets outside the text or in the wrong order, a label the project lacks, an overlap
    the project does not allow, or the same span twice. `labels`: {name: SpanLabel} when the caller has them."""
    if not isinstance(raw, list):
        raise SpanError("spans: a list of {start, end, label}.")
    if labels is None:
        labels = {label.name: label for label in SpanLabel.objects.filter(schema=schema)}
    checked = []
    for number, span in enumerate(raw, 1):
        if not isinstance(span, dict) or set(span) - {"start", "end", "label", "text", "score"}:
            raise SpanError(f"Span {number}: an object with start, end and label.")
        start, end, label = span.get("start"), span.get("end"), span.get("label")
        named = _name(number, start, end, label)
        if not all(isinstance(value, int) and not isinstance(value, bool) for value in (start, end)):
            raise SpanError(f"{named}: start and end are whole character offsets.")
        if not 0 <= start < end:
            raise SpanError(f"{named}: start must be at least 0 and before end.")
        if end > len(text):
            raise SpanError(f"{named}: ends outside the note, whose text has {len(text):,} characters.")
        if label not in labels:
            there = f"there: {', '.join(sorted(labels))}" if labels else "it has none yet"
            raise SpanError(f"{named}: no span label of that name in this project ({there}).")
        checked.append((start, end, labels[label], number))
    checked.sort(key=lambda span: (span[0], span[1], span[2].position, span[2].pk))
    for previous, span in zip(checked, checked[1:]):
        if previous[:3] == span[:3]:
            raise SpanError(f"{_name(span[3], span[0], span[1], span[2].name)}: the same as span {previous[3]}.")
    if not schema.spans_overlap:
        reach = None
        for span in checked:
            if reach is not None and span[0] < reach[1]:
                raise SpanError(f"{_name(span[3], span[0], span[1], span[2].name)}: overlaps span {reach[3]} "
                                f"({reach[0]}–{reach[1]}, “{reach[2].name}”), and this project keeps spans apart.")
            if reach is None or span[1] > reach[1]:
                reach = span
    return [span[:3] for span in checked]


def store_spans(annotation, checked, replace=True):
    """Give the annotation these checked spans (replacing those it had); the annotation keeps them as read, so
    the answer that shows them reads none again."""
    if replace:
        annotation.spans.all().delete()
    stored = Span.objects.bulk_create([Span(annotation=annotation, start=start, end=end, label=label)
                                       for start, end, label in checked])
    known = annotation.spans.all()
    known._result_cache, known._prefetch_done = stored, True
    annotation._prefetched_objects_cache = {**getattr(annotation, "_prefetched_objects_cache", {}), "spans": known}


def posted_spans(data):
    """The spans a form sent as JSON in its `spans` field; None when it sent none (the spans stay as they were)."""
    raw = data.get("spans")
    if raw is None or raw == "":
        return None
    try:
        return json.loads(raw)
    except ValueError:
        raise SpanError("spans: the page sent them garbled; reload the note and mark them again.") from None


def as_dicts(spans):
    """Stored spans as the API shows them."""
    return [{"start": span.start, "end": span.end, "label": span.label.name} for span in spans]
