"""Agreement figures against published worked examples and scikit-learn."""

import numpy as np
import pytest
from django.urls import reverse
from sklearn.metrics import cohen_kappa_score

from labeling.models import (
    Annotation,
    Corpus,
    Document,
    Label,
    LabelSchema,
    Membership,
    Role,
)
from labeling.services import agreement
from tests.support.factories import UserFactory

# Fleiss (1971) as worked on Wikipedia's "Fleiss' kappa": 10 subjects, 14 raters, 5 categories.
FLEISS_TABLE = [
    [0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7],
]

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability": 4 observers, 12 units,
# nominal values with gaps; alpha = 0.743.
KRIPPENDORFF_DATA = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
]


def test_fleiss_kappa_matches_the_worked_example():
    assert agreement.fleiss_kappa(FLEISS_TABLE) == pytest.approx(0.210, abs=0.0005)


def test_krippendorff_alpha_matches_the_worked_example():
    counts = np.zeros((12, 5))
    for observer in KRIPPENDORFF_DATA:
        for unit, value in enumerate(observer):
            if value is not None:
                counts[unit, value - 1] += 1
    assert agreement.krippendorff_alpha(counts) == pytest.approx(0.743, abs=0.0005)


@pytest.mark.parametrize("seed", range(5))
def test_cohen_kappa_matches_scikit_learn(seed):
    rng = np.random.default_rng(seed)
    first = list(rng.integers(0, 4, 60))
    second = [value if rng.random() < 0.6 else int(rng.integers(0, 4)) for value in first]
    assert agreement.cohen_kappa(first, second) == pytest.approx(cohen_kappa_score(first, second))


def test_undefined_figures_are_none():
    assert agreement.cohen_kappa([1, 1], [1, 1]) is None
    assert agreement.fleiss_kappa([[2, 0], [3, 0]]) is None
    assert agreement.krippendorff_alpha([[1, 0]]) is None


@pytest.fixture
def labeled(project):
    """Three annotators on four notes of a single-label project."""
    schema = LabelSchema.objects.create(project=project, kind=LabelSchema.Kind.SINGLE)
    cardio, resp = (Label.objects.create(schema=schema, name=name) for name in ("Cardiology", "Respiratory"))
    corpus = Corpus.objects.create(project=project, name="Notes", status=Corpus.Status.READY)
    users = [UserFactory(username=name) for name in ("ann", "ben", "cat")]
    for user in users:
        Membership.objects.create(project=project, user=user, role=Role.ANNOTATOR)
    said = {"ann": [cardio, cardio, resp, resp], "ben": [cardio, resp, resp, resp], "cat": [cardio, cardio, resp, None]}
    for index in range(4):
        document = Document.objects.create(corpus=corpus, external_id=f"d{index}", text="x", content_hash=str(index), length=1)
        for user in users:
            if said[user.username][index] is not None:
                Annotation.objects.create(document=document, annotator=user).labels.set([said[user.username][index]])
        Annotation.objects.create(document=document, source=Annotation.Source.IMPORTED).labels.set([resp])  # not counted
    return {"users": {user.username: user.pk for user in users}, "said": said, "labels": (cardio, resp)}


@pytest.mark.django_db
def test_project_figures_agree_with_the_reference_implementations(project, labeled):
    figures = agreement.project_agreement(project)
    users, said = labeled["users"], labeled["said"]
    pair = next(row for row in figures["pairs"] if {row["first"], row["second"]} == {users["ann"], users["ben"]})
    assert pair["documents"] == 4
    assert pair["cohen_kappa"] == pytest.approx(cohen_kappa_score(
        [label.pk for label in said["ann"]], [label.pk for label in said["ben"]]))
    counts = [[3, 0], [2, 1], [0, 3], [0, 2]]  # per note: Cardiology, Respiratory
    assert figures["fleiss_kappa"] == pytest.approx(agreement.fleiss_kappa(counts))
    assert figures["krippendorff_alpha"] == pytest.approx(agreement.krippendorff_alpha(counts))
    assert figures["documents_compared"] == 4
    assert [row["name"] for row in figures["labels"]] == ["Cardiology", "Respiratory"]


@pytest.mark.django_db
def test_the_page_and_the_api_show_the_figures_to_reviewers(client, project, labeled, reviewer):
    client.force_login(reviewer)
    page = client.get(reverse("agreement", kwargs={"pk": project.pk}))
    html = page.content.decode()
    assert page.status_code == 200 and 'id="pair-matrix"' in html and "ann" in html and "Cardiology" in html
    assert "Over 4 notes labeled by two or more annotators" in html
    api = client.get(reverse("api-agreement", kwargs={"project_pk": project.pk})).json()
    assert api["documents_compared"] == 4 and len(api["pairs"]) == 3 and api["kind"] == "single"
    assert api["krippendorff_alpha"] == pytest.approx(agreement.project_agreement(project)["krippendorff_alpha"])


@pytest.mark.django_db
def test_without_shared_notes_the_page_says_how_to_get_figures(client, project, manager):
    client.force_login(manager)
    html = client.get(reverse("agreement", kwargs={"pk": project.pk})).content.decode()
    assert 'id="agreement-empty"' in html
    assert client.get(reverse("api-agreement", kwargs={"project_pk": project.pk})).json()["fleiss_kappa"] is None
