"""The annotation loop's database round trips, pinned: next note (new and held) and submit, through the API
as annotators' tools call it and through the annotate page's session. A change that adds a query fails here;
one that removes a query updates the numbers."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token

from tests.labeling.test_tasks import label_id, make_corpus

# Per database: PostgreSQL also takes the schema's shared advisory lock on submit.
NEXT_NEW = {"postgresql": 13, "sqlite": 13}
NEXT_HELD = {"postgresql": 7, "sqlite": 7}
SUBMIT = {"postgresql": 14, "sqlite": 13}  # one of them: the named tasks a new annotation answers


@pytest.fixture
def api(client, annotator, project, settings):
    settings.STUDIO_RESERVATION_SWEEP_SECONDS = 3600  # the sweep of expired reservations is not on every call
    make_corpus(project, 5)
    token = Token.objects.create(user=annotator)
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {token.key}"
    client.get(f"/api/projects/{project.pk}/tasks/next/")  # this process's first sweep
    return client


def submit(client, project, document_id, label):
    return client.post(f"/api/projects/{project.pk}/documents/{document_id}/annotation/",
                       {"labels": [label]}, content_type="application/json")


@pytest.mark.django_db
def test_next_and_submit_through_the_api_take_a_fixed_number_of_queries(api, project, django_assert_num_queries):
    label = label_id(project)
    document = api.get(f"/api/projects/{project.pk}/tasks/next/").json()["document"]["id"]
    with django_assert_num_queries(NEXT_HELD[connection.vendor]):
        held = api.get(f"/api/projects/{project.pk}/tasks/next/")
    assert held.json()["document"]["id"] == document
    with django_assert_num_queries(SUBMIT[connection.vendor]):
        answer = submit(api, project, document, label)
    assert answer.status_code == 201 and answer.json()["labels"] == [label]
    with django_assert_num_queries(NEXT_NEW[connection.vendor]):
        following = api.get(f"/api/projects/{project.pk}/tasks/next/").json()
    assert following["document"]["id"] != document and following["annotation"] is None
    assert following["progress"] == {"labeled_by_you": 1, "documents": 5, "overlap": 1}


@pytest.mark.django_db
def test_a_session_is_read_from_the_cache_not_the_database(client, annotator, project):
    make_corpus(project, 2)
    client.force_login(annotator)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(f"/api/projects/{project.pk}/").status_code == 200
    assert captured.captured_queries and not [query for query in captured if "django_session" in query["sql"]]
