"""The label schema: managers add, rename and delete labels and write guidelines; all of it audited."""

import pytest
from django.urls import reverse

from labeling.models import Annotation, Corpus, Document, Label, LabelSchema
from studio.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_a_manager_builds_a_schema_in_the_browser(client, project, manager):
    client.force_login(manager)
    assert client.post(reverse("label-add", kwargs={"pk": project.pk}),
                       {"new-name": "Cardiology", "new-color": "#ff0000", "new-hotkey": "1"}).status_code == 302
    schema = LabelSchema.objects.get(project=project)
    label = schema.labels.get()
    assert (label.name, label.color, label.hotkey) == ("Cardiology", "#ff0000", "1")
    duplicate = client.post(reverse("label-add", kwargs={"pk": project.pk}), {"new-name": "Other", "new-color": "#000000", "new-hotkey": "1"})
    assert duplicate.status_code == 400 and "belongs to another label" in duplicate.content.decode()
    reserved = client.post(reverse("label-add", kwargs={"pk": project.pk}), {"new-name": "Skin", "new-color": "#000000", "new-hotkey": "s"})
    assert reserved.status_code == 400 and "annotate page&#x27;s own" in reserved.content.decode()
    saved = client.post(reverse("schema-update", kwargs={"pk": project.pk}),
                        {"kind": "multi", "guidelines": "# Rules\n\n<script>alert(1)</script> [x](javascript:alert(1)) **bold**"})
    assert saved.status_code == 302
    html = client.get(reverse("label-list", kwargs={"pk": project.pk})).content.decode()
    rendered = html.split('id="guidelines-rendered">')[1].split("</div>")[0]
    assert "<h1>Rules</h1>" in rendered and "<strong>bold</strong>" in rendered
    assert "<script>" not in rendered and "&lt;script&gt;" in rendered and "href=\"javascript:" not in rendered
    assert set(AuditEvent.objects.values_list("verb", flat=True)) >= {"label.create", "schema.update"}


def test_renaming_keeps_annotations_and_deleting_a_used_label_asks_first(client, project, manager, annotator):
    schema = LabelSchema.objects.create(project=project)
    label = Label.objects.create(schema=schema, name="Cardio", hotkey="1")
    corpus = Corpus.objects.create(project=project, name="N", status=Corpus.Status.READY)
    document = Document.objects.create(corpus=corpus, external_id="d", text="x", content_hash="x", length=1)
    Annotation.objects.create(document=document, annotator=annotator).labels.set([label])
    client.force_login(manager)
    renamed = client.post(reverse("label-update", kwargs={"pk": project.pk, "label_pk": label.pk}),
                          {f"label-{label.pk}-name": "Cardiology", f"label-{label.pk}-color": "#4c6ef5",
                           f"label-{label.pk}-hotkey": "1"})
    assert renamed.status_code == 302
    assert [found.name for found in Annotation.objects.get().labels.all()] == ["Cardiology"]
    asked = client.post(reverse("label-delete", kwargs={"pk": project.pk, "label_pk": label.pk}))
    assert asked.status_code == 409 and "is on 1 annotation" in asked.content.decode()
    assert Label.objects.filter(pk=label.pk).exists()
    done = client.post(reverse("label-delete", kwargs={"pk": project.pk, "label_pk": label.pk}), {"confirm": "yes"})
    assert done.status_code == 302 and not Label.objects.exists()
    assert AuditEvent.objects.get(verb="label.delete").details["annotations"] == 1


def test_the_schema_api(client, project, manager, annotator):
    client.force_login(manager)
    created = client.post(reverse("api-label-list", kwargs={"project_pk": project.pk}),
                          {"name": "Neurology", "color": "#123456", "hotkey": "n"}, content_type="application/json")
    assert created.status_code == 201
    label_id = created.json()["id"]
    url = reverse("api-label-detail", kwargs={"project_pk": project.pk, "pk": label_id})
    assert client.patch(url, {"name": "Neuro"}, content_type="application/json").json()["name"] == "Neuro"
    assert client.patch(url, {"color": "red"}, content_type="application/json").status_code == 400
    schema_url = reverse("api-schema-detail", kwargs={"project_pk": project.pk})
    put = client.put(schema_url, {"kind": "multi", "guidelines": "Be *careful*."}, content_type="application/json")
    assert put.status_code == 200 and put.json()["kind"] == "multi" and put.json()["labels"][0]["name"] == "Neuro"
    client.force_login(annotator)
    assert client.get(schema_url).json()["guidelines"] == "Be *careful*."
    assert client.patch(url, {"name": "Mine"}, content_type="application/json").status_code == 403
    client.force_login(manager)
    assert client.delete(url).status_code == 204


def test_a_multi_label_schema_with_crowded_annotations_stays_multi(client, project, manager, annotator):
    schema = LabelSchema.objects.create(project=project, kind=LabelSchema.Kind.MULTI)
    labels = [Label.objects.create(schema=schema, name=name) for name in ("A", "B")]
    corpus = Corpus.objects.create(project=project, name="N", status=Corpus.Status.READY)
    document = Document.objects.create(corpus=corpus, external_id="d", text="x", content_hash="x", length=1)
    Annotation.objects.create(document=document, annotator=annotator).labels.set(labels)
    client.force_login(manager)
    response = client.put(reverse("api-schema-detail", kwargs={"project_pk": project.pk}), {"kind": "single"},
                          content_type="application/json")
    assert response.status_code == 400 and "1 annotation carry several labels" in response.json()["detail"]


def test_guidelines_and_labels_carry_versions_and_a_stale_change_answers_409(client, project, manager):
    client.force_login(manager)
    schema_url = reverse("api-schema-detail", kwargs={"project_pk": project.pk})
    assert client.get(schema_url).json()["version"] == 1
    first = client.put(schema_url, {"kind": "single", "guidelines": "Mine", "version": 1},
                       content_type="application/json")
    assert first.status_code == 200 and first.json()["version"] == 2
    stale = client.put(schema_url, {"kind": "single", "guidelines": "Theirs", "version": 1},
                       content_type="application/json")
    assert stale.status_code == 409 and "now version 2, you sent 1" in stale.json()["detail"]
    assert LabelSchema.objects.get(project=project).guidelines == "Mine"
    label = client.post(reverse("api-label-list", kwargs={"project_pk": project.pk}), {"name": "Cardiology"},
                        content_type="application/json").json()
    label_url = reverse("api-label-detail", kwargs={"project_pk": project.pk, "pk": label["id"]})
    assert label["version"] == 1
    renamed = client.patch(label_url, {"name": "Cardiac", "version": 1}, content_type="application/json")
    assert renamed.status_code == 200 and renamed.json()["version"] == 2
    assert client.patch(label_url, {"name": "Heart", "version": 1}, content_type="application/json").status_code == 409
    page = client.post(reverse("label-update", args=[project.pk, label["id"]]),
                       {f"label-{label['id']}-name": "Heart", f"label-{label['id']}-color": "#4c6ef5",
                        f"label-{label['id']}-version": "1"})
    assert page.status_code == 409 and "changed elsewhere" in page.content.decode()
    assert Label.objects.get(pk=label["id"]).name == "Cardiac"
    assert client.patch(label_url, {"name": "Heart"}, content_type="application/json").status_code == 200
