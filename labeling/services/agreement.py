"""Inter-annotator agreement: Cohen's kappa per pair, Fleiss' kappa and Krippendorff's alpha
(nominal) per project and per label.

Single-label projects compare the labels themselves; every label is also compared as yes/no
(the per-label figures), which is how multi-label projects are measured throughout. A figure is
None where it is undefined (fewer than two annotations per document, or no variation at all).
"""

from collections import defaultdict
from itertools import combinations

import numpy as np

from ..models import Annotation, Label, LabelSchema
from .corpora import queued
from .span_agreement import annotator_spans, span_agreement


def cohen_kappa(first, second):
    """Cohen's kappa of two equally long sequences of category values."""
    if not first:
        return None
    categories = sorted(set(first) | set(second), key=str)
    index = {category: position for position, category in enumerate(categories)}
    table = np.zeros((len(categories), len(categories)))
    for a, b in zip(first, second):
        table[index[a], index[b]] += 1
    total = table.sum()
    observed = np.trace(table) / total
    expected = float((table.sum(axis=1) / total) @ (table.sum(axis=0) / total))
    if expected >= 1:
        return None
    return float((observed - expected) / (1 - expected))


def fleiss_kappa(counts):
    """Fleiss' kappa of a units × categories matrix of how many raters chose each category
    (units with fewer than two raters are left out; raters per unit may differ)."""
    counts = np.asarray(counts, dtype=float)
    raters = counts.sum(axis=1)
    counts, raters = counts[raters >= 2], raters[raters >= 2]
    if not len(counts):
        return None
    per_unit = ((counts ** 2).sum(axis=1) - raters) / (raters * (raters - 1))
    shares = counts.sum(axis=0) / raters.sum()
    expected = float((shares ** 2).sum())
    if expected >= 1:
        return None
    return float((per_unit.mean() - expected) / (1 - expected))


def krippendorff_alpha(counts):
    """Krippendorff's alpha for nominal data from a units × categories matrix of value counts
    (units with fewer than two values are not pairable and are left out)."""
    counts = np.asarray(counts, dtype=float)
    values = counts.sum(axis=1)
    counts, values = counts[values >= 2], values[values >= 2]
    total = values.sum()
    if total < 2:
        return None
    observed = float(((values ** 2 - (counts ** 2).sum(axis=1)) / (values - 1)).sum())
    expected = float(total ** 2 - (counts.sum(axis=0) ** 2).sum())
    if expected == 0:
        return None
    return 1 - (total - 1) * observed / expected


def annotator_labels(**documents):
    """{document id: {annotator id: frozenset(label ids)}} for annotators' (not imported) annotations
    of the documents the lookups pick, e.g. `document_id__in=ids`; an empty set is "no label applies". The main
    task's labels: a named task's are left out."""
    rows = Annotation.objects.filter(source=Annotation.Source.ANNOTATOR, **documents).values_list(
        "document_id", "annotator_id", "labels")
    named = set(Label.objects.exclude(schema__name="").values_list("id", flat=True))
    found = defaultdict(lambda: defaultdict(set))
    for document, annotator, label in rows.iterator(chunk_size=10_000):
        chosen = found[document][annotator]
        if label is not None and label not in named:
            chosen.add(label)
    return {document: {annotator: frozenset(labels) for annotator, labels in by.items()}
            for document, by in found.items()}


def _counts(by_document, value, categories):
    """Units × categories counts for the documents with two or more annotations."""
    index = {category: position for position, category in enumerate(categories)}
    rows = []
    for by_annotator in by_document.values():
        if len(by_annotator) < 2:
            continue
        row = [0] * len(categories)
        for labels in by_annotator.values():
            row[index[value(labels)]] += 1
        rows.append(row)
    return np.array(rows, dtype=float).reshape(-1, len(categories))


def _mean(values):
    present = [value for value in values if value is not None]
    return float(np.mean(present)) if present else None


def project_agreement(project):
    schema = getattr(project, "label_schema", None)
    labels = list(schema.labels.all()) if schema else []
    single = schema is None or schema.kind == LabelSchema.Kind.SINGLE
    by_document = annotator_labels(document__corpus__in=queued(project))  # the labeled corpora only
    if single:  # an annotation without document labels marks spans only: no answer to compare here
        by_document = {document: {annotator: chosen for annotator, chosen in by.items() if chosen}
                       for document, by in by_document.items()}
    shared = sum(1 for by in by_document.values() if len(by) >= 2)

    per_label = []
    for label in labels:
        counts = _counts(by_document, lambda chosen, label=label: label.pk in chosen, [True, False])
        per_label.append({"id": label.pk, "name": label.name, "fleiss_kappa": fleiss_kappa(counts),
                          "krippendorff_alpha": krippendorff_alpha(counts)})

    annotators = sorted({annotator for by in by_document.values() for annotator in by})
    pairs = []
    for first, second in combinations(annotators, 2):
        both = [by for by in by_document.values() if first in by and second in by]
        if single:
            kappa = cohen_kappa([min(by[first]) for by in both], [min(by[second]) for by in both])
        else:
            kappa = _mean([cohen_kappa([label.pk in by[first] for by in both], [label.pk in by[second] for by in both])
                           for label in labels])
        pairs.append({"first": first, "second": second, "documents": len(both), "cohen_kappa": kappa})

    if single:
        categories = sorted({min(labels_) for by in by_document.values() for labels_ in by.values()})
        counts = _counts(by_document, min, categories) if categories else np.zeros((0, 0))
        overall = {"fleiss_kappa": fleiss_kappa(counts) if categories else None,
                   "krippendorff_alpha": krippendorff_alpha(counts) if categories else None}
    else:  # multi-label: the mean of the per-label figures
        overall = {"fleiss_kappa": _mean([row["fleiss_kappa"] for row in per_label]),
                   "krippendorff_alpha": _mean([row["krippendorff_alpha"] for row in per_label])}
    disagreeing = [document for document, by in by_document.items() if len(set(by.values())) > 1]
    span_labels = list(schema.span_labels.values_list("name", flat=True)) if schema else []
    spans = span_agreement(annotator_spans(document__corpus__in=queued(project)), span_labels) if span_labels else None
    return {"documents_compared": shared, "disagreeing": disagreeing, "annotators": annotators, "pairs": pairs,
            "labels": per_label, "kind": "single" if single else "multi", **overall, "spans": spans}
