"""The one label per document a dataset takes: a reviewer's final labels, else the label set most
of its annotators gave (a strict plurality), else the only annotation there is. Rejected
annotations do not count; a tie stays unresolved until a reviewer settles it.

Spans are resolved the same way and on their own, as a whole set per annotation: a reviewer's final spans,
else the set of spans most annotators marked, else the only one; when those sets tie the note keeps its
labels and its spans stay unresolved (None), so a span model leaves it out and a classifier does not.
"""

from collections import Counter
from dataclasses import dataclass

from ..models import Annotation, Document, Label, Review, Span

ADJUDICATED, MAJORITY, SINGLE, TIE = "adjudicated", "majority", "single", "tie"
RULES = (ADJUDICATED, MAJORITY, SINGLE)
BATCH = 2000


@dataclass
class Resolved:
    id: int
    external_id: str
    corpus: str
    labels: tuple | None  # label names in the schema's order (empty: no label applies); None for a tie
    rule: str
    votes: int  # annotations that counted
    split: str
    text: str | None = None
    spans: tuple | None = None  # ((start, end, span label name), …) in text order; None: not asked for, or a tie


def decide(final, votes):
    """(labels, rule) from a reviewer's final label set (or None) and the annotators' label sets."""
    if final is not None:
        return final, ADJUDICATED
    if len(votes) == 1:
        return votes[0], SINGLE
    (first, first_count), *rest = Counter(votes).most_common(2)
    if rest and rest[0][1] == first_count:
        return None, TIE
    return first, MAJORITY


def labeled_document_ids(project):
    """Ids, in order, of the project's documents with a counted annotation or a review."""
    annotated = Annotation.objects.filter(document__corpus__project=project, rejected_reason="")
    reviewed = Review.objects.filter(document__corpus__project=project)
    return sorted(set(annotated.values_list("document_id", flat=True).iterator(chunk_size=10_000))
                  | set(reviewed.values_list("document_id", flat=True)))


def resolve(project, ids, with_text=False, spans=False, task=None):
    """Resolved for these document ids, in id order (a batch at a time); with `spans`, their spans too. The main
    task's labels, or with `task` a named task's: an annotation (or review) that carries only other tasks' labels
    has not answered this one and does not count (one without any label is "no label applies" for the main task;
    for a named task it was made before the task, or reviews the main labels)."""
    labels = Label.objects.filter(schema=task) if task is not None else Label.objects.filter(
        schema__project=project, schema__name="")
    order = {pk: position for position, pk in enumerate(labels.order_by("position", "id").values_list("id", flat=True))}
    names = dict(labels.values_list("id", "name"))

    def named(label_ids):
        return tuple(names[pk] for pk in sorted(label_ids, key=order.__getitem__))

    for start in range(0, len(ids), BATCH):
        batch = ids[start:start + BATCH]
        # Left joins: an annotation or review without labels is the answer "no label applies", an empty set.
        votes = {}
        for document, annotation, label in (Annotation.objects.filter(document_id__in=batch, rejected_reason="")
                                            .values_list("document_id", "id", "labels")):
            if label not in names and (label is not None or task is not None):
                continue  # another task's label, or a named task's annotation without one of its labels
            chosen = votes.setdefault(document, {}).setdefault(annotation, set())
            if label is not None:
                chosen.add(label)
        final_spans = {document: tuple(sorted((span["start"], span["end"], span["label"]) for span in found))
                       for document, found in Review.objects.filter(document_id__in=batch, spans__isnull=False)
                       .values_list("document_id", "spans")} if spans else {}
        finals = {}
        for document, label in Review.objects.filter(document_id__in=batch).values_list("document_id", "labels"):
            if label not in names and (label is not None or task is not None):
                continue
            chosen = finals.setdefault(document, set())
            if label is not None:
                chosen.add(label)
        marked = {}
        if spans:
            for annotation, start, end, label in Span.objects.filter(
                    annotation__document_id__in=batch, annotation__rejected_reason="").values_list(
                    "annotation_id", "start", "end", "label__name"):
                marked.setdefault(annotation, []).append((start, end, label))
        fields = ["id", "external_id", "corpus__name", "split"] + (["text"] if with_text else [])
        for row in Document.objects.filter(id__in=batch).order_by("id").values(*fields):
            sets = [named(labels) for labels in votes.get(row["id"], {}).values()]
            final = named(finals[row["id"]]) if row["id"] in finals else None
            if final is None and not sets:
                continue  # its only annotations were rejected
            labels, rule = decide(final, sets)
            found = None
            if spans:
                found, _span_rule = decide(final_spans.get(row["id"]), [tuple(sorted(marked.get(annotation, ())))
                                                                        for annotation in votes.get(row["id"], {})]
                                           or [()])
            yield Resolved(row["id"], row["external_id"], row["corpus__name"], labels, rule, len(sets), row["split"],
                           row.get("text"), found)
