"""The audit log reads as sentences: objects and people linked, details as names and values, never Python dicts."""

import re

from django.urls import reverse

from studio import audit
from studio.models import AuditEvent, Job
from tests.support.factories import UserFactory


def event(actor, verb, target_type, target_id, target_repr, project_id=None, **details):
    return AuditEvent.objects.create(actor=actor, actor_name=actor.get_username(), verb=verb, target_type=target_type,
                                     target_id=str(target_id), target_repr=target_repr, project_id=project_id,
                                     details=details)


def test_events_read_for_people_with_links(client, admin_user, manager, project):
    nurse = UserFactory(username="nurse")
    job = Job.objects.create(kind="pretrain", queue="gpu", project=project)
    event(manager, "model.pretrain", "training.pretraining", 1, "Pretraining object (1)", project.pk, job=job.pk,
          model="ward-bert")
    event(manager, "label.update", "labeling.label", 7, "Neoplasms", project.pk,
          changes={"color": ["#000000", "#0072b2"], "key": [None, 3]})
    event(manager, "membership.add", "labeling.membership", 4, "nurse in Cardiology notes as annotator", project.pk,
          user="nurse", role="annotator")
    event(manager, "snapshot.create", "labeling.datasetsnapshot", 2, "gold", project.pk, corpora=[11, 12], seed=13)
    client.force_login(admin_user)
    page = client.get(reverse("audit-log")).content.decode()
    assert "object (" not in page and "{&#x27;" not in page and "[&#x27;" not in page
    job_url = reverse("job-detail", args=[job.pk])
    assert f'<a href="{job_url}">pretraining run #1</a>' in page and f'<a href="{job_url}">#{job.pk}</a>' in page
    assert "started pretraining" in page
    assert "color: #000000 → #0072b2" in page and "key: — → 3" in page
    assert f'<a href="{reverse("user-detail", args=[nurse.pk])}">nurse</a>' in page
    assert f'<a href="{reverse("user-detail", args=[manager.pk])}">manager</a>' in page
    assert f'<a href="{reverse("project-detail", args=[project.pk])}">Cardiology notes</a>' in page
    corpus_links = re.findall(r'<a href="(/projects/\d+/corpora/\d+/)">#1[12]</a>', page)
    assert corpus_links == [reverse("corpus-detail", args=[project.pk, pk]) for pk in (11, 12)]
    assert f'<a href="{reverse("snapshot-detail", args=[project.pk, 2])}">snapshot gold</a>' in page


def test_the_filters_still_apply(client, admin_user, manager, project, other_project):
    event(manager, "label.create", "labeling.label", 1, "Neoplasms", project.pk, name="Neoplasms")
    event(manager, "label.create", "labeling.label", 2, "Cardiac", other_project.pk, name="Cardiac")
    event(manager, "project.update", "labeling.project", project.pk, project.name, project.pk, fields=["name"])
    client.force_login(admin_user)
    page = client.get(reverse("audit-log"), {"verb": "label.create", "project": project.pk}).content.decode()
    assert "Neoplasms" in page and "Cardiac" not in page and "changed the project" not in page
    empty = client.get(reverse("audit-log"), {"verb": "label.delete"}).content.decode()
    assert "No events match these filters." in empty


def test_a_deleted_project_is_named_without_a_link(admin_user):
    event(admin_user, "project.create", "labeling.project", 999, "Gone ward", 999, name="Gone ward")
    row = audit.readable(AuditEvent.objects.all())[0]
    assert row.project.text == "project #999 (deleted)" and row.project.url == ""
    assert row.details[0].name == "name" and row.details[0].parts[0].text == "Gone ward"
