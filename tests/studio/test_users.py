"""Users for studio admins: create, a one-time set-password link, reset, deactivate, the right to create
projects — pages, API and audit; and managers adding existing users to their project."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from labeling.models import Membership, Role
from studio.models import AuditEvent
from studio.users import can_create_projects
from tests.support.factories import PASSWORD, UserFactory

NEW_PASSWORD = "a-ward-round-at-dawn"


def link_path(response):
    """The set-password link shown on the user's page, as a path."""
    found = re.search(r'id="set-password-url">https?://[^/]+(/[^<]+)<', response.content.decode())
    assert found, "no set-password link on the page"
    return found.group(1)


def create_in_browser(client, admin_user, **fields):
    client.force_login(admin_user)
    response = client.post(reverse("user-list"), {"username": "nurse", "email": "nurse@ward.example", **fields},
                           follow=True)
    assert response.status_code == 200
    return response


def set_password(path, password=NEW_PASSWORD):
    visitor = Client()
    form = visitor.get(path, follow=True)
    return visitor, visitor.post(form.redirect_chain[-1][0] if form.redirect_chain else path,
                                 {"new_password1": password, "new_password2": password})


def test_an_admin_creates_a_user_whose_link_sets_a_password_once(client, admin_user):
    page = create_in_browser(client, admin_user)
    nurse = get_user_model().objects.get(username="nurse")
    assert not nurse.has_usable_password()
    path = link_path(page)
    assert "It works once" in page.content.decode()
    assert 'id="set-password-url"' not in client.get(reverse("user-detail", args=[nurse.pk])).content.decode()
    _, done = set_password(path)
    assert done.status_code == 302 and done["Location"] == reverse("login")
    assert Client().login(username="nurse", password=NEW_PASSWORD)
    again = Client().get(path, follow=True)
    assert "This link no longer works" in again.content.decode()
    events = AuditEvent.objects.filter(target_id=str(nurse.pk), target_type="auth.user")
    verbs = set(events.values_list("verb", flat=True))
    assert verbs == {"user.create", "user.password_link", "user.set_password"}


def test_the_link_expires(client, admin_user, settings):
    path = link_path(create_in_browser(client, admin_user))
    settings.PASSWORD_RESET_TIMEOUT = -1
    assert "This link no longer works" in Client().get(path, follow=True).content.decode()


def test_the_link_is_emailed_when_mail_is_configured_and_only_then(client, admin_user, settings):
    create_in_browser(client, admin_user)
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["nurse@ward.example"]
    assert "/accounts/set-password/" in mail.outbox[0].body
    settings.EMAIL_BACKEND, settings.EMAIL_HOST = "django.core.mail.backends.smtp.EmailBackend", ""
    nurse = get_user_model().objects.get(username="nurse")
    page = client.post(reverse("user-password-link", args=[nurse.pk]), follow=True)
    assert "The studio sends no e-mail" in page.content.decode() and len(mail.outbox) == 1


def test_resetting_a_password_stops_the_old_one(client, admin_user):
    nurse = UserFactory(username="nurse")
    client.force_login(admin_user)
    page = client.post(reverse("user-password-link", args=[nurse.pk]), follow=True)
    assert "password was reset" in page.content.decode()
    assert not Client().login(username="nurse", password=PASSWORD)
    set_password(link_path(page))
    assert Client().login(username="nurse", password=NEW_PASSWORD)


def test_deactivating_blocks_login_sessions_and_api_tokens(client, admin_user):
    nurse = UserFactory(username="nurse")
    key = Token.objects.create(user=nurse).key
    session = Client()
    session.force_login(nurse)
    client.force_login(admin_user)
    client.post(reverse("user-active", args=[nurse.pk]), {"active": "0"})
    nurse.refresh_from_db()
    assert not nurse.is_active
    assert not Client().login(username="nurse", password=PASSWORD)
    assert session.get(reverse("project-list"))["Location"].startswith(reverse("login"))
    assert Client().get(reverse("api-project-list"), HTTP_AUTHORIZATION=f"Token {key}").status_code == 401
    assert AuditEvent.objects.filter(verb="user.deactivate", target_id=str(nurse.pk)).exists()
    client.post(reverse("user-active", args=[nurse.pk]), {"active": "1"})
    assert Client().login(username="nurse", password=PASSWORD)


def test_an_admin_cannot_deactivate_themself(client, admin_user):
    client.force_login(admin_user)
    page = client.post(reverse("user-active", args=[admin_user.pk]), {"active": "0"}, follow=True)
    assert "You cannot deactivate yourself." in page.content.decode()
    admin_user.refresh_from_db()
    assert admin_user.is_active


def test_granting_the_right_to_create_projects(client, admin_user):
    nurse = UserFactory(username="nurse")
    client.force_login(admin_user)
    client.post(reverse("user-create-projects", args=[nurse.pk]), {"allowed": "1"})
    assert can_create_projects(get_user_model().objects.get(pk=nurse.pk))
    listing = client.get(reverse("user-list")).content.decode()
    assert re.search(r">nurse</a>.*?<td>yes</td>", listing, re.DOTALL)
    client.post(reverse("user-create-projects", args=[nurse.pk]), {"allowed": "0"})
    assert not can_create_projects(get_user_model().objects.get(pk=nurse.pk))
    assert list(AuditEvent.objects.filter(verb="user.create_projects").values_list("details", flat=True)) == [
        {"allowed": False}, {"allowed": True}]


def test_a_taken_username_says_so(client, admin_user):
    UserFactory(username="Nurse")
    client.force_login(admin_user)
    response = client.post(reverse("user-list"), {"username": "nurse"})
    assert response.status_code == 400 and "The username nurse is taken." in response.content.decode()


@pytest.mark.parametrize("name", ["user-list", "user-detail"])
def test_non_admins_are_refused(client, manager, name):
    client.force_login(manager)
    url = reverse(name, args=[manager.pk] if name == "user-detail" else [])
    assert client.get(url).status_code == 403
    assert client.post(reverse("user-list"), {"username": "sneaky"}).status_code == 403
    assert client.get(reverse("api-user-list")).status_code == 403
    assert not get_user_model().objects.filter(username="sneaky").exists()


def test_the_api_creates_resets_deactivates_and_grants(client, admin_user):
    client.force_login(admin_user)
    created = client.post(reverse("api-user-list"), {"username": "scribe", "email": "scribe@ward.example",
                                                     "may_create_projects": True}, content_type="application/json")
    assert created.status_code == 201
    body = created.json()
    assert body["may_create_projects"] is True and body["has_password"] is False and body["is_active"] is True
    path = re.sub(r"^https?://[^/]+", "", body["password_link"]["url"])
    set_password(path)
    assert Client().login(username="scribe", password=NEW_PASSWORD)
    detail = reverse("api-user-detail", args=[body["id"]])
    changed = client.patch(detail, {"is_active": False, "may_create_projects": False}, content_type="application/json")
    assert changed.json()["is_active"] is False and changed.json()["may_create_projects"] is False
    client.patch(detail, {"is_active": True}, content_type="application/json")
    link = client.post(reverse("api-user-password-link", args=[body["id"]]))
    assert link.status_code == 201 and link.json()["emailed"] is True
    assert not Client().login(username="scribe", password=NEW_PASSWORD)
    listed = client.get(reverse("api-user-list")).json()["results"]
    assert {"scribe", "studio-admin"} <= {row["username"] for row in listed}


def test_managers_add_an_existing_user_by_email_through_the_api(client, manager, project):
    UserFactory(username="nurse", email="nurse@ward.example")
    client.force_login(manager)
    added = client.post(reverse("api-member-list", kwargs={"project_pk": project.pk}),
                        {"user": "Nurse@Ward.example", "role": "annotator"}, content_type="application/json")
    assert added.status_code == 201 and added.json()["username"] == "nurse"
    assert Membership.objects.get(project=project, user__username="nurse").role == Role.ANNOTATOR


def test_a_mail_failure_still_shows_the_link_and_says_why(client, admin_user, monkeypatch):
    def refuse(*args, **kwargs):
        raise ConnectionRefusedError(111, "Connection refused")

    monkeypatch.setattr("studio.users.send_mail", refuse)
    page = create_in_browser(client, admin_user)
    assert link_path(page).startswith("/accounts/set-password/")
    assert "It could not be e-mailed ([Errno 111] Connection refused): pass it on yourself." in page.content.decode()
    assert AuditEvent.objects.get(verb="user.password_link").details == {
        "emailed": False, "mail_error": "[Errno 111] Connection refused"}


def test_only_a_superuser_changes_a_superusers_account(client, admin_user):
    root = UserFactory(username="root")
    root.is_superuser = True
    root.save()
    client.force_login(admin_user)
    for name, data in [("user-password-link", {}), ("user-active", {"active": "0"}),
                       ("user-create-projects", {"allowed": "0"})]:
        page = client.post(reverse(name, args=[root.pk]), data, follow=True)
        assert "Only a superuser can change a superuser&#x27;s account." in page.content.decode()
    refused = client.post(reverse("api-user-password-link", args=[root.pk]))
    assert refused.status_code == 403
    root.refresh_from_db()
    assert root.is_active and root.has_usable_password()
    assert not AuditEvent.objects.filter(target_id=str(root.pk)).exists()
