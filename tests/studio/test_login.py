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


def test_the_django_admin_login_goes_through_the_studio_s_throttle(client, db, settings):
    settings.STUDIO_LOGIN_MAX_FAILURES = 3
    staff = UserFactory(username="operator", is_staff=True, is_superuser=True)
    admin_login = client.post("/django-admin/login/", {"username": "operator", "password": PASSWORD})
    assert admin_login.status_code == 302 and admin_login["Location"].startswith(reverse("login"))
    assert "_auth_user_id" not in client.session  # the admin's own form takes no password
    for _ in range(3):
        login(client, "operator", "wrong")
    assert "Too many failed attempts" in login(client, "operator", PASSWORD).content.decode()
    assert staff.pk and "_auth_user_id" not in client.session


def test_behind_a_trusted_proxy_each_client_is_counted_on_its_own(db, settings):
    settings.STUDIO_LOGIN_MAX_FAILURES = 2  # so 8 failures lock an address
    settings.STUDIO_TRUSTED_PROXIES = ["10.0.0.0/8"]
    UserFactory(username="clinician")
    proxy = {"REMOTE_ADDR": "10.0.0.5"}
    attacker, colleague = Client(**proxy, HTTP_X_FORWARDED_FOR="203.0.113.9"), Client(**proxy,
                                                                                     HTTP_X_FORWARDED_FOR="198.51.100.7")
    for number in range(9):
        login(attacker, f"guess-{number}", "wrong")
    assert "Too many failed attempts" in login(attacker, "clinician", PASSWORD).content.decode()
    assert login(colleague, "clinician", PASSWORD).status_code == 302  # another client behind the same proxy
    # Without a trusted proxy in front, a forged header changes nothing: the connection's address counts.
    spoofing = Client(REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR="198.51.100.7")
    for number in range(9):
        login(spoofing, f"other-{number}", "wrong")
    assert login(Client(REMOTE_ADDR="192.0.2.2", HTTP_X_FORWARDED_FOR="192.0.2.1"), "clinician",
                 PASSWORD).status_code == 302


def test_the_lockout_lasts_what_the_setting_says(client, clinician, settings, monkeypatch):
    from studio import login_throttle

    settings.STUDIO_LOGIN_MAX_FAILURES, settings.STUDIO_LOGIN_LOCKOUT_SECONDS = 2, 120
    now = [1_000_000.0]
    monkeypatch.setattr(login_throttle.time, "time", lambda: now[0])
    login(client, "clinician", "wrong")
    now[0] += 60
    login(client, "clinician", "wrong")  # the window still runs from the first failure
    assert "Too many failed attempts" in login(client, "clinician", PASSWORD).content.decode()
    now[0] += 61  # 121 s after the first failure
    assert login(client, "clinician", PASSWORD).status_code == 302
