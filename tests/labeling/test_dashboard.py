"""The manager's dashboard: progress, annotators, labels given, agreement and jobs, page and API."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from labeling.models import Assignment
from labeling.services import dashboard, review, tasks
from tests.labeling.test_tasks import annotators, label_id, make_corpus

pytestmark = pytest.mark.django_db


@pytest.fixture
def worked(project):
    project.overlap = 2
    project.save()
    make_corpus(project, 4)
    first, second = annotators(project, 2)
    for user, names in ((first, ["Cardiology", "Respiratory", "Cardiology"]), (second, ["Cardiology"])):
        for name in names:
            tasks.submit(user, project, tasks.next_assignment(user, project).document, [label_id(project, name)])
    start = timezone.now() - timedelta(hours=1)
    for offset, assignment in zip((0, 30, 90), Assignment.objects.filter(annotator=first, state="submitted").order_by("id")):
        Assignment.objects.filter(pk=assignment.pk).update(updated_at=start + timedelta(seconds=offset))
    return first, second


def test_figures(project, worked):
    found = dashboard.figures(project)
    assert (found["documents"], found["labeled"], found["complete"]) == (4, 3, 1)
    first = next(row for row in found["annotators"] if row["username"] == "clinician-0")
    assert first["annotations"] == 3 and first["median_seconds"] == 45
    assert {row["name"]: row["count"] for row in found["labels"]} == {"Cardiology": 3, "Respiratory": 1, "Neurology": 0}


def test_the_page_and_the_api_for_managers_only(client, project, worked, manager, reviewer):
    client.force_login(manager)
    html = client.get(reverse("dashboard", kwargs={"pk": project.pk})).content.decode()
    assert "<strong>3</strong> of 4 notes labeled" in html and 'class="chart"' in html and "clinician-0" in html
    assert "<strong>1</strong> complete (each note needs 2 annotators)" in html
    api = client.get(reverse("api-dashboard", kwargs={"project_pk": project.pk})).json()
    assert api["complete"] == 1 and api["annotators"][0]["annotations"] == 3
    client.force_login(reviewer)
    assert client.get(reverse("dashboard", kwargs={"pk": project.pk})).status_code == 403
    assert client.get(reverse("api-dashboard", kwargs={"project_pk": project.pk})).status_code == 403


def test_review_figures_follow_a_reviewer_settling_a_disagreement(project, worked, manager, reviewer):
    first, second = worked
    assert dashboard.figures(project)["review"] == {"waiting": 0, "settled": 0}
    document = tasks.next_assignment(second, project).document  # clinician-0 said Respiratory here
    tasks.submit(second, project, document, [label_id(project, "Neurology")])
    assert dashboard.figures(project)["review"] == {"waiting": 1, "settled": 0}
    review.adjudicate(reviewer, document, [label_id(project, "Respiratory")])
    assert dashboard.figures(project)["review"] == {"waiting": 0, "settled": 1}


def test_an_empty_project_says_what_to_do_next(client, project, manager):
    client.force_login(manager)
    html = client.get(reverse("dashboard", kwargs={"pk": project.pk})).content.decode()
    assert "No notes in the labeling queue yet" in html and reverse("corpus-upload", kwargs={"pk": project.pk}) in html
    assert "Nobody has labeled yet" in html and reverse("member-list", kwargs={"pk": project.pk}) in html
    overview = client.get(reverse("project-detail", kwargs={"pk": project.pk})).content.decode()
    assert "No notes yet. Upload a corpus" in overview and reverse("label-list", kwargs={"pk": project.pk}) in overview
