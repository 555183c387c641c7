"""Agreement on spans: for every pair of annotators, their span F1 on the notes both labeled, one taken as
the truth for the other (F1 is the same either way round), exact (same boundaries and label) and by overlap
(same label, a character in common); per pair, per label and overall (counts pooled over every pair's
notes). A note neither marked anything in counts as agreement."""

from collections import defaultdict
from itertools import combinations

from ..models import Annotation, Span
from .span_matching import counts, f1


def annotator_spans(**documents):
    """{document id: {annotator id: [(start, end, label name)]}} for the annotators' (not imported) annotations of
    the documents the lookups pick, on documents two or more annotators labeled; an annotation without spans
    marks nothing."""
    annotations = defaultdict(dict)
    for pk, document, annotator in Annotation.objects.filter(source=Annotation.Source.ANNOTATOR, **documents) \
            .values_list("id", "document_id", "annotator_id").iterator(chunk_size=10_000):
        annotations[document][annotator] = pk
    shared = {document: by for document, by in annotations.items() if len(by) >= 2}
    marked = defaultdict(list)
    wanted = [pk for by in shared.values() for pk in by.values()]
    for start in range(0, len(wanted), 10_000):
        for annotation, begin, end, label in Span.objects.filter(annotation_id__in=wanted[start:start + 10_000]) \
                .values_list("annotation_id", "start", "end", "label__name"):
            marked[annotation].append((begin, end, label))
    return {document: {annotator: marked[pk] for annotator, pk in by.items()} for document, by in shared.items()}


def span_agreement(by_document, labels):
    """`by_document`: {document: {annotator: [(start, end, label)]}}. {"exact_f1", "overlap_f1", "pairs":
    [{"first", "second", "documents", "exact_f1", "overlap_f1"}], "per_label": [{"label", "exact_f1",
    "overlap_f1"}]} (F1 None where nothing compares)."""
    pairs, overall, per_label = {}, {}, {}
    for spans in by_document.values():
        for first, second in combinations(sorted(spans, key=str), 2):
            pair = pairs.setdefault((first, second), {"documents": 0, "exact": [0, 0, 0], "overlap": [0, 0, 0]})
            pair["documents"] += 1
            for mode, overlap in (("exact", False), ("overlap", True)):
                for label, found in counts(spans[first], spans[second], overlap).items():
                    _add(pair[mode], found)
                    _add(overall.setdefault(mode, [0, 0, 0]), found)
                    _add(per_label.setdefault((label, mode), [0, 0, 0]), found)
    return {
        "exact_f1": _f1(overall.get("exact"), bool(pairs)), "overlap_f1": _f1(overall.get("overlap"), bool(pairs)),
        "pairs": [{"first": first, "second": second, "documents": pair["documents"],
                   "exact_f1": _f1(pair["exact"]), "overlap_f1": _f1(pair["overlap"])}
                  for (first, second), pair in pairs.items()],
        "per_label": [{"label": label, "exact_f1": _f1(per_label.get((label, "exact")), False),
                       "overlap_f1": _f1(per_label.get((label, "overlap")), False)} for label in labels],
    }


def _add(total, found):
    for index, value in enumerate(found):
        total[index] += value


def _f1(found, compared=True):
    """F1 of pooled counts; with none, 1.0 where notes were compared (nobody marked anything), else None."""
    if not found or not any(found):
        return 1.0 if compared else None
    return f1(*found)[2]
