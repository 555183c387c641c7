"""Projects and members through the browser views and the API: changes are audited, bad input changes nothing."""

import pytest
from django.urls import reverse

from labeling.models import Membership, Project, Role
from labeling.services import projects as project_service
from studio.models import AuditEvent
from tests.support.factories import UserFactory


def test_creating_a_project_makes_the_creator_its_manager_and_audits_it(client, manager):
    client.force_login(manager)
    response = client.post(reverse("project-create"), {"name": "Oncology", "description": "Tumour board notes"})
    project = Project.objects.get(name="Oncology")
    assert response["Location"] == reverse("project-detail", kwargs={"pk": project.pk})
    assert Membership.objects.get(project=project, user=manager).role == Role.MANAGER
    assert list(AuditEvent.objects.filter(project_id=project.pk).values_list("verb", flat=True).order_by("id")) == [
        "project.create", "membership.add",
    ]


def test_a_project_needs_a_name(client, manager):
    client.force_login(manager)
    response = client.post(reverse("project-create"), {"name": "", "description": "x"})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert not Project.objects.filter(description="x").exists()


def test_html_in_a_project_name_is_shown_as_text(client, manager, project):
    project.name = '<script>alert("pwned")</script>'
    project.description = '<img src=x onerror="alert(1)">'
    project.save()
    client.force_login(manager)
    for url in (reverse("project-list"), reverse("project-detail", kwargs={"pk": project.pk})):
        body = client.get(url).content.decode()
        assert '<script>alert("pwned")</script>' not in body
        assert "&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;" in body
        assert '<img src=x' not in body


def test_pages_carry_a_strict_content_security_policy(client, manager):
    client.force_login(manager)
    response = client.get(reverse("project-list"))
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "object-src 'none'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    body = response.content.decode()
    assert "<script>" not in body  # every script is a file
    assert 'hx-headers=\'{"X-CSRFToken": "' in body
    assert "/static/vendor/htmx/htmx-2.0.11.min.js" in body


def test_managers_add_members_by_username_or_email(client, manager, project):
    UserFactory(username="nurse", email="nurse@ward.example")
    client.force_login(manager)
    response = client.post(reverse("member-list", kwargs={"pk": project.pk}), {"user": "NURSE@ward.example", "role": "reviewer"})
    assert response.status_code == 302
    membership = Membership.objects.get(project=project, user__username="nurse")
    assert membership.role == Role.REVIEWER
    event = AuditEvent.objects.get(verb="membership.add", target_id=str(membership.pk))
    assert event.actor_name == "manager" and event.details == {"user": "nurse", "role": "reviewer"}


def test_adding_an_unknown_user_or_a_member_twice_says_why(client, manager, annotator, project):
    client.force_login(manager)
    url = reverse("member-list", kwargs={"pk": project.pk})
    unknown = client.post(url, {"user": "nobody", "role": "annotator"})
    assert unknown.status_code == 400
    assert "No active user has this username" in unknown.content.decode()
    twice = client.post(url, {"user": "annotator", "role": "manager"})
    assert twice.status_code == 400
    assert "already a member" in twice.content.decode()
    assert Membership.objects.get(project=project, user=annotator).role == Role.ANNOTATOR


def test_changing_a_role_with_htmx_returns_the_row_and_audits(client, manager, annotator, project):
    membership = Membership.objects.get(project=project, user=annotator)
    client.force_login(manager)
    response = client.post(
        reverse("member-role", kwargs={"pk": project.pk, "member_pk": membership.pk}), {"role": "reviewer"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert f'id="member-{membership.pk}"' in response.content.decode()
    membership.refresh_from_db()
    assert membership.role == Role.REVIEWER
    event = AuditEvent.objects.get(verb="membership.role")
    assert event.details == {"user": "annotator", "old": "annotator", "new": "reviewer"}


def test_the_last_manager_cannot_step_down_or_be_removed(client, manager, project):
    membership = Membership.objects.get(project=project, user=manager)
    client.force_login(manager)
    response = client.post(reverse("member-role", kwargs={"pk": project.pk, "member_pk": membership.pk}), {"role": "annotator"})
    assert response.status_code == 400
    assert "at least one manager" in response.content.decode()
    with pytest.raises(project_service.MembershipError):
        project_service.remove_member(manager, membership)
    membership.refresh_from_db()
    assert membership.role == Role.MANAGER
    assert not AuditEvent.objects.filter(verb__in=["membership.role", "membership.remove"]).exists()


def test_removing_a_member_with_htmx_removes_the_row(client, manager, annotator, project):
    membership = Membership.objects.get(project=project, user=annotator)
    client.force_login(manager)
    response = client.post(
        reverse("member-remove", kwargs={"pk": project.pk, "member_pk": membership.pk}), headers={"HX-Request": "true"}
    )
    assert response.status_code == 200 and response.content == b""
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert AuditEvent.objects.get(verb="membership.remove").details == {"user": "annotator", "role": "annotator"}


def test_the_api_adds_changes_and_removes_members(client, manager, project):
    UserFactory(username="scribe")
    client.force_login(manager)
    base = reverse("api-member-list", kwargs={"project_pk": project.pk})
    created = client.post(base, {"user": "scribe", "role": "annotator"}, content_type="application/json")
    assert created.status_code == 201 and created.json()["username"] == "scribe"
    detail = reverse("api-member-detail", kwargs={"project_pk": project.pk, "pk": created.json()["id"]})
    assert client.patch(detail, {"role": "manager"}, content_type="application/json").json()["role"] == "manager"
    assert client.delete(detail).status_code == 204
    verbs = list(AuditEvent.objects.filter(target_type="labeling.membership").values_list("verb", flat=True).order_by("id"))
    assert verbs[-3:] == ["membership.add", "membership.role", "membership.remove"]


def test_api_field_errors_are_json_with_a_message(client, manager, project):
    client.force_login(manager)
    response = client.post(reverse("api-member-list", kwargs={"project_pk": project.pk}), {"user": "nobody", "role": "chief"}, content_type="application/json")
    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == "Some fields are invalid."
    assert "No active user" in body["errors"]["user"][0] and "role" in body["errors"]


def test_the_api_reports_the_caller_role(client, reviewer, project):
    client.force_login(reviewer)
    projects = client.get(reverse("api-project-list")).json()["results"]
    assert [(item["name"], item["role"]) for item in projects] == [("Cardiology notes", "reviewer")]


def test_admins_see_the_audit_log_filtered_by_project(client, admin_user, manager, project):
    project_service.update_project(manager, project, name="Renamed ward", description=project.description)
    client.force_login(admin_user)
    page = client.get(reverse("audit-log"), {"project": project.pk, "verb": "project.update"}).content.decode()
    assert "Renamed ward" in page and "project.update" in page
    events = client.get(reverse("api-audit-events"), {"project": project.pk}).json()["results"]
    assert events[0]["verb"] == "project.update" and events[0]["details"] == {"fields": ["name"]}


def test_a_json_body_nested_too_deeply_is_a_400_not_a_500(client, manager, project):
    client.force_login(manager)
    response = client.post(reverse("api-label-list", kwargs={"project_pk": project.pk}),
                           "[" * 100_000 + "]" * 100_000, content_type="application/json")
    assert response.status_code == 400 and "nested too deeply" in response.json()["detail"]
