"""The annotate page: htmx submit/skip/undo swap the task; errors keep the annotator's choices."""

import pytest
from django.urls import reverse

from labeling.models import Annotation, LabelSchema
from tests.labeling.test_tasks import label_id, make_corpus

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


def test_label_submit_and_the_next_note_arrives(client, project, annotator):
    make_corpus(project, 2)
    client.force_login(annotator)
    page = client.get(reverse("annotate", kwargs={"pk": project.pk}))
    assert page.status_code == 200 and page.context["assignment"].document.external_id == "d0"
    html = page.content.decode()
    assert 'data-hotkey="1"' in html and 'type="radio"' in html and "keys.js" in html
    document = page.context["assignment"].document
    url = reverse("annotate-submit", kwargs={"pk": project.pk, "document_pk": document.pk})
    swapped = client.post(url, {"labels": [label_id(project)], "comment": "<i>ok</i>"}, headers=HTMX)
    assert swapped.status_code == 200 and swapped.context["assignment"].document.external_id == "d1"
    assert "You have labeled 1 note" in swapped.content.decode()
    assert Annotation.objects.get(annotator=annotator).comment == "<i>ok</i>"


def test_a_refused_submission_keeps_the_note_and_the_choices(client, project, annotator):
    make_corpus(project, 1, kind=LabelSchema.Kind.SINGLE)
    client.force_login(annotator)
    document = client.get(reverse("annotate", kwargs={"pk": project.pk})).context["assignment"].document
    url = reverse("annotate-submit", kwargs={"pk": project.pk, "document_pk": document.pk})
    both = [label_id(project), label_id(project, "Neurology")]
    refused = client.post(url, {"labels": both, "comment": "keep me"}, headers=HTMX)
    assert refused.status_code == 400 and refused.context["assignment"].document == document
    assert refused.context["chosen"] == both and "keep me" in refused.content.decode()
    assert "Choose one label" in refused.content.decode()


def test_a_stale_version_is_a_409_that_overwrites_nothing(client, project, annotator):
    make_corpus(project, 2)
    client.force_login(annotator)
    document = client.get(reverse("annotate", kwargs={"pk": project.pk})).context["assignment"].document
    url = reverse("annotate-submit", kwargs={"pk": project.pk, "document_pk": document.pk})
    client.post(url, {"labels": [label_id(project)]}, headers=HTMX)
    undone = client.post(reverse("annotate-undo", kwargs={"pk": project.pk}), headers=HTMX)
    assert undone.context["chosen"] == [label_id(project)] and "Your labels as submitted" in undone.content.decode()
    again = client.post(url, {"labels": [label_id(project)], "version": "1"}, headers=HTMX)
    assert again.status_code == 200 and Annotation.objects.get(annotator=annotator).version == 2
    Annotation.objects.filter(annotator=annotator).update(version=5)  # changed elsewhere
    stale = client.post(url, {"labels": [label_id(project, "Respiratory")], "version": "1"}, headers=HTMX)
    assert stale.status_code == 409 and "now version 5" in stale.content.decode()
    assert [label.name for label in Annotation.objects.get(annotator=annotator).labels.all()] == ["Cardiology"]


def test_skip_undo_and_the_end_of_the_queue(client, project, annotator):
    make_corpus(project, 1)
    client.force_login(annotator)
    document = client.get(reverse("annotate", kwargs={"pk": project.pk})).context["assignment"].document
    skipped = client.post(reverse("annotate-skip", kwargs={"pk": project.pk, "document_pk": document.pk}), headers=HTMX)
    assert skipped.context["assignment"] is None and "Nothing left for you to label" in skipped.content.decode()
    nothing = client.post(reverse("annotate-undo", kwargs={"pk": project.pk}), headers=HTMX)
    assert nothing.status_code == 400 and "no submission of yours to undo" in nothing.content.decode()


def test_without_javascript_the_forms_post_and_come_back(client, project, annotator):
    make_corpus(project, 2)
    client.force_login(annotator)
    document = client.get(reverse("annotate", kwargs={"pk": project.pk})).context["assignment"].document
    response = client.post(reverse("annotate-submit", kwargs={"pk": project.pk, "document_pk": document.pk}),
                           {"labels": [label_id(project)]})
    assert response.status_code == 302 and response["Location"] == reverse("annotate", kwargs={"pk": project.pk})


def test_outsiders_get_404_and_anonymous_users_the_login(client, project, outsider):
    make_corpus(project, 1)
    url = reverse("annotate", kwargs={"pk": project.pk})
    assert client.get(url).status_code == 302
    client.force_login(outsider)
    assert client.get(url).status_code == 404


def test_an_empty_project_says_what_comes_next(client, project, annotator, manager):
    client.force_login(annotator)
    page = client.get(reverse("annotate", kwargs={"pk": project.pk})).content.decode()
    assert "no notes to label yet" in page and "A manager uploads them" in page
    client.force_login(manager)
    page = client.get(reverse("annotate", kwargs={"pk": project.pk})).content.decode()
    assert reverse("corpus-upload", kwargs={"pk": project.pk}) in page
