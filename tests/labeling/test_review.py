"""Review: disagreements only, final labels recorded and audited, rejections the annotator sees."""

import pytest
from django.urls import reverse

from labeling.models import Annotation, Review
from labeling.services import review, tasks
from studio.models import AuditEvent
from tests.labeling.test_tasks import annotators, label_id, make_corpus

pytestmark = pytest.mark.django_db


@pytest.fixture
def split(project):
    """Two annotators on three notes: they agree on d0, disagree on d1 and d2."""
    project.overlap = 2
    project.save()
    make_corpus(project, 3)
    first, second = annotators(project, 2)
    choices = {first: ["Cardiology", "Cardiology", "Neurology"], second: ["Cardiology", "Respiratory", "Respiratory"]}
    for user, names in choices.items():
        for name in names:
            tasks.submit(user, project, tasks.next_assignment(user, project).document, [label_id(project, name)])
    return first, second


def test_only_unsettled_disagreements_are_listed(project, split, reviewer):
    documents, next_after = review.disagreements(project)
    assert [document.external_id for document in documents] == ["d1", "d2"] and next_after is None
    page, next_after = review.disagreements(project, limit=1)
    assert [document.external_id for document in page] == ["d1"] and next_after == page[0].pk
    review.adjudicate(reviewer, documents[0], [label_id(project, "Respiratory")], "Wheeze, not chest pain.")
    assert [document.external_id for document in review.disagreements(project)[0]] == ["d2"]


def test_a_reviewer_settles_a_note_in_the_browser_and_rejects_with_a_reason(client, project, split, reviewer):
    first, _second = split
    client.force_login(reviewer)
    listing = client.get(reverse("review-list", kwargs={"pk": project.pk}))
    assert listing.status_code == 200 and [d.external_id for d in listing.context["documents"]] == ["d1", "d2"]
    document = listing.context["documents"][0]
    page = client.get(reverse("review-document", kwargs={"pk": project.pk, "document_pk": document.pk})).content.decode()
    assert "clinician-0" in page and "clinician-1" in page and "Respiratory" in page
    settled = client.post(reverse("review-document", kwargs={"pk": project.pk, "document_pk": document.pk}),
                          {"labels": [label_id(project, "Respiratory")], "comment": "Wheeze."})
    assert settled.status_code == 302
    assert [label.name for label in Review.objects.get(document=document).labels.all()] == ["Respiratory"]
    wrong = Annotation.objects.get(document=document, annotator=first)
    client.post(reverse("annotation-reject", kwargs={"pk": project.pk, "annotation_pk": wrong.pk}),
                {"reason": "Wheeze is respiratory."})
    wrong.refresh_from_db()
    assert wrong.rejected_reason == "Wheeze is respiratory." and wrong.rejected_by == reviewer
    assert {"review.adjudicate", "annotation.reject"} <= set(AuditEvent.objects.values_list("verb", flat=True))
    client.force_login(first)
    annotate = client.get(reverse("annotate", kwargs={"pk": project.pk})).content.decode()
    assert 'id="rejections"' in annotate and "Wheeze is respiratory." in annotate


def test_the_review_api(client, project, split, reviewer, annotator):
    client.force_login(reviewer)
    listed = client.get(reverse("api-disagreements", kwargs={"project_pk": project.pk})).json()
    document_id = listed["results"][0]["id"]
    url = reverse("api-document-review", kwargs={"project_pk": project.pk, "pk": document_id})
    before = client.get(url).json()
    assert before["review"] is None and len(before["annotations"]) == 2
    empty = client.post(url, {"labels": []}, content_type="application/json")
    assert empty.status_code == 400 and "Choose a label" in empty.json()["detail"]
    done = client.post(url, {"labels": [label_id(project, "Cardiology")]}, content_type="application/json")
    assert done.status_code == 201 and done.json()["review"]["labels"] == [label_id(project, "Cardiology")]
    annotation_id = before["annotations"][0]["id"]
    reject_url = reverse("api-annotation-reject", kwargs={"project_pk": project.pk, "pk": annotation_id})
    assert client.post(reject_url, {"reason": " "}, content_type="application/json").status_code == 400
    assert client.post(reject_url, {"reason": "No."}, content_type="application/json").json()["rejected_reason"] == "No."
    client.force_login(annotator)
    assert client.get(url).status_code == 403
    assert client.get(reverse("api-disagreements", kwargs={"project_pk": project.pk})).status_code == 403
