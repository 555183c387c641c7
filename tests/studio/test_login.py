"""Logging in and out: no user enumeration, throttling, expired sessions, CSRF, htmx."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.support.factories import PASSWORD, UserFactory

GENERIC = "Please enter a correct username and password"


@pytest.fixture
def clinician(db):
    return UserFactory(username="clinician")


def login(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_it_logs_in_and_lands_on_the_project_list(client, clinician):
    response = login(client, "clinician", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("project-list")


def test_wrong_password_and_unknown_user_get_the_same_message(client, clinician):
    wrong = login(client, "clinician", "not-the-password")
    unknown = login(client, "nobody-by-this-name", "not-the-password")
    assert wrong.status_code == unknown.status_code == 200
    assert GENERIC in wrong.content.decode() and GENERIC in unknown.content.decode()
    assert "_auth_user_id" not in client.session


def test_it_throttles_after_repeated_failures_even_with_the_right_password(client, clinician, settings):
    settings.STUDIO_LOGIN_MAX_FAILURES = 3
    for _ in range(3):
        login(client, "clinician", "wrong")
    response = login(client, "clinician", PASSWORD)
    assert "Too many failed attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_throttle_message_is_the_same_for_unknown_users(client, db, settings):
    settings.STUDIO_LOGIN_MAX_FAILURES = 2
    for _ in range(2):
        login(client, "ghost", "wrong")
    assert "Too many failed attempts" in login(client, "ghost", "wrong").content.decode()


def test_a_successful_login_clears_the_failures(client, clinician, settings):
    settings.STUDIO_LOGIN_MAX_FAILURES = 3
    login(client, "clinician", "wrong")
    login(client, "clinician", "wrong")
    assert login(client, "clinician", PASSWORD).status_code == 302
    client.logout()
    login(client, "clinician", "wrong")
    login(client, "clinician", "wrong")
    assert login(client, "clinician", PASSWORD).status_code == 302


def test_logout_needs_a_post_and_ends_the_session(client, clinician):
    client.force_login(clinician)
    assert client.get(reverse("logout")).status_code == 405
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("project-list")).status_code == 302


def test_an_expired_session_goes_back_to_login(client, clinician):
    client.force_login(clinician)
    session = client.session
    session.set_expiry(-1)
    session.save()
    response = client.get(reverse("project-list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_post_without_csrf_token_is_refused_with_a_clear_page_and_changes_nothing(clinician):
    client = Client(enforce_csrf_checks=True)
    client.force_login(clinician)
    response = client.post(reverse("api-token"), {"action": "create"})
    assert response.status_code == 403
    assert "security token is missing or out of date" in response.content.decode()
    from rest_framework.authtoken.models import Token

    assert not Token.objects.filter(user=clinician).exists()


def test_an_api_post_without_csrf_token_gets_json(clinician):
    client = Client(enforce_csrf_checks=True)
    client.force_login(clinician)
    response = client.post(reverse("api-project-list"), {"name": "x"}, content_type="application/json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_an_htmx_request_without_a_session_is_sent_to_login(client, project):
    url = reverse("member-list", kwargs={"pk": project.pk})
    response = client.get(url, headers={"HX-Request": "true", "HX-Current-URL": f"http://testserver{url}"})
    assert response.status_code == 401
    assert response["HX-Redirect"] == f"{reverse('login')}?next={url}"
    assert "session has ended" in response.content.decode()


def test_an_api_token_authenticates_api_calls(client, clinician):
    client.force_login(clinician)
    page = client.post(reverse("api-token"), {"action": "create"})
    key = page.context["new_key"]
    assert key and key in page.content.decode()
    api = Client()
    assert api.get(reverse("api-project-list"), headers={"Authorization": f"Token {key}"}).status_code == 200
    client.post(reverse("api-token"), {"action": "revoke"})
    assert api.get(reverse("api-project-list"), headers={"Authorization": f"Token {key}"}).status_code == 401
