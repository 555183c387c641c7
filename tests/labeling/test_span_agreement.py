"""Span agreement worked by hand: three annotators, two notes (one labeled by two of them only)."""

import pytest

from labeling.services.span_agreement import span_agreement

NOTES = {
    1: {"a": [(0, 5, "D"), (10, 15, "A")], "b": [(0, 5, "D"), (10, 14, "A")], "c": [(0, 5, "D")]},
    2: {"a": [], "b": [(3, 8, "D")]},
}


def test_pairwise_span_f1_exact_and_by_overlap_per_pair_per_label_and_overall():
    found = span_agreement(NOTES, ["D", "A", "Unused"])
    pairs = {(pair["first"], pair["second"]): pair for pair in found["pairs"]}
    # a–b: note 1 agrees on D, differs on A's end; note 2 only b marked D. Exact 1 matched, 2 + 1 unmatched.
    assert pairs["a", "b"]["documents"] == 2
    assert pairs["a", "b"]["exact_f1"] == pytest.approx(2 / 5) and pairs["a", "b"]["overlap_f1"] == pytest.approx(4 / 5)
    assert pairs["a", "c"]["documents"] == 1 and pairs["a", "c"]["exact_f1"] == pytest.approx(2 / 3)
    assert pairs["b", "c"]["overlap_f1"] == pytest.approx(2 / 3)
    assert found["exact_f1"] == pytest.approx(6 / 11) and found["overlap_f1"] == pytest.approx(8 / 11)
    labels = {row["label"]: row for row in found["per_label"]}
    assert labels["D"]["exact_f1"] == pytest.approx(6 / 7) and labels["A"]["exact_f1"] == 0.0
    assert labels["A"]["overlap_f1"] == pytest.approx(0.5)
    assert labels["Unused"] == {"label": "Unused", "exact_f1": None, "overlap_f1": None}


def test_notes_nobody_marked_agree_and_no_pairs_say_nothing():
    assert span_agreement({1: {"a": [], "b": []}}, ["D"])["exact_f1"] == 1.0
    assert span_agreement({1: {"a": [(0, 2, "D")]}}, ["D"]) == {"exact_f1": None, "overlap_f1": None, "pairs": [],
                                                                 "per_label": [{"label": "D", "exact_f1": None,
                                                                                "overlap_f1": None}]}


@pytest.mark.django_db
def test_the_agreement_page_and_api_show_span_f1_between_annotators(client, project, manager, reviewer):
    from django.urls import reverse

    from labeling.models import Annotation, Corpus, Document, Span
    from labeling.services import schema as schema_service
    from tests.labeling.test_tasks import annotators

    disease = schema_service.add_label(manager, project, name="D", span=True)
    anatomy = schema_service.add_label(manager, project, name="A", span=True)
    corpus = Corpus.objects.create(project=project, name="Notes", status=Corpus.Status.READY, document_count=2)
    first, second = annotators(project, 2)
    notes = [Document.objects.create(corpus=corpus, external_id=f"n{i}", text="x" * 20, content_hash=str(i), length=20)
             for i in (1, 2)]
    marks = {(notes[0], first): [(0, 5, disease), (10, 15, anatomy)], (notes[0], second): [(0, 5, disease),
                                                                                           (10, 14, anatomy)],
             (notes[1], first): [], (notes[1], second): [(3, 8, disease)]}
    for (note, user), spans in marks.items():
        annotation = Annotation.objects.create(document=note, annotator=user)
        Span.objects.bulk_create(Span(annotation=annotation, start=start, end=end, label=label)
                                 for start, end, label in spans)
    client.force_login(reviewer)
    figures = client.get(reverse("api-agreement", args=[project.pk])).json()["spans"]
    assert figures["exact_f1"] == pytest.approx(2 / 5) and figures["overlap_f1"] == pytest.approx(4 / 5)  # a–b above
    page = client.get(reverse("agreement", args=[project.pk])).content.decode()
    assert 'id="span-agreement-headline"' in page
    assert "<strong>0.400</strong>" in page and "<strong>0.800</strong>" in page
    assert f"{first.username} · {second.username}" in page
