"""Studio admins reach every project's Models tab and registry (they promote there), members or not;
each visit outside their role is audited. Nobody else gains anything."""

import pytest
from django.urls import reverse

from studio.models import AuditEvent
from training.models import ModelVersion, RegisteredModel


@pytest.fixture
def version(project, artifacts):
    registered = RegisteredModel.objects.create(project=project, name="triage", kind="classifier")
    return ModelVersion.objects.create(registered_model=registered, version=1, folder="triage/v1")


@pytest.mark.parametrize("name", ["model-list", "registered-model", "model-version", "model-version-promote"])
def test_an_admin_who_is_not_a_member_reaches_the_models_pages(client, project, admin_user, version, name):
    args = {"model-list": [project.pk], "registered-model": [project.pk, version.registered_model_id]}.get(
        name, [project.pk, version.pk])
    client.force_login(admin_user)
    response = client.get(reverse(name, args=args))
    assert response.status_code == 200
    assert "triage" in response.content.decode()
    event = AuditEvent.objects.get(verb="project.admin_access")
    assert event.actor == admin_user and event.project_id == project.pk


def test_an_admin_who_is_not_a_member_uses_the_registry_api_and_nothing_else(client, project, admin_user, version):
    client.force_login(admin_user)
    models = client.get(reverse("api-model-list", args=[project.pk]))
    assert models.status_code == 200 and models.json()[0]["name"] == "triage"
    assert client.get(reverse("api-model-version", args=[project.pk, version.pk])).json()["id"] == version.pk
    assert AuditEvent.objects.filter(verb="project.admin_access", project_id=project.pk).count() == 2
    assert client.get(reverse("project-detail", args=[project.pk])).status_code == 404
    assert client.get(reverse("api-corpus-list", args=[project.pk])).status_code == 404


def test_members_below_manager_and_outsiders_gain_nothing(client, project, annotator, outsider, version):
    client.force_login(annotator)
    assert client.get(reverse("model-list", args=[project.pk])).status_code == 403
    client.force_login(outsider)
    assert client.get(reverse("model-list", args=[project.pk])).status_code == 404
    assert client.get(reverse("model-version", args=[project.pk, version.pk])).status_code == 404
    assert not AuditEvent.objects.filter(verb="project.admin_access").exists()


def test_a_missing_project_is_still_a_404_for_admins(client, admin_user):
    client.force_login(admin_user)
    assert client.get(reverse("model-list", args=[987654])).status_code == 404


def test_an_admin_outside_the_project_is_offered_only_what_they_may_do(client, project, admin_user, manager, version):
    client.force_login(admin_user)
    page = client.get(reverse("model-list", args=[project.pk])).content.decode()
    assert 'id="admin-reach"' in page
    assert reverse("finetune", args=[project.pk]) not in page and 'id="retrain-form"' not in page  # members' pages
    client.force_login(manager)
    page = client.get(reverse("model-list", args=[project.pk])).content.decode()
    assert reverse("finetune", args=[project.pk]) in page and 'id="retrain-form"' in page
