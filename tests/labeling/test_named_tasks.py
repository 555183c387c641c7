"""Named tasks: a project labels the same notes for several tasks, each with its own labels, keys and guidelines;
the annotate page shows them together, and each task freezes into snapshots of its own on the same splits."""

import pyarrow.parquet as pq
import pytest
from rest_framework.test import APIClient

from labeling.models import Annotation, DatasetSnapshot, Document, Label, LabelSchema
from labeling.services import corpora
from labeling.services import schema as schema_service
from labeling.services import tasks
from tests.labeling.test_snapshots import build
from tests.labeling.test_tasks import annotators, label_id, make_corpus


def api_as(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def risk_task(manager, project, kind=LabelSchema.Kind.SINGLE):
    """A named task "Risk" with labels High (key h) and Low (key l)."""
    task = schema_service.add_task(manager, project, name="Risk", kind=kind, guidelines="Flag **high** risk.")
    for name, key in (("High", "h"), ("Low", "l")):
        schema_service.add_label(manager, project, name=name, hotkey=key, task=task.pk)
    return task


def task_label(task, name):
    return Label.objects.get(schema=task, name=name).pk


@pytest.mark.django_db
def test_a_manager_adds_a_task_and_its_labels_through_the_api(project, other_project, manager, annotator):
    make_corpus(project, 2)
    client = api_as(manager)
    created = client.post(f"/api/projects/{project.pk}/tasks/", {"name": "Risk", "kind": "single",
                                                                  "guidelines": "Flag high risk."}, format="json")
    assert created.status_code == 201, created.content
    task = created.json()["id"]
    added = client.post(f"/api/projects/{project.pk}/labels/", {"name": "High", "hotkey": "h", "task": task},
                        format="json")
    assert added.status_code == 201, added.content
    # Names are the task's own (another task may say "Cardiology" too); keys are one keyboard for every task.
    assert client.post(f"/api/projects/{project.pk}/labels/", {"name": "Cardiology", "task": task},
                       format="json").status_code == 201
    taken = client.post(f"/api/projects/{project.pk}/labels/", {"name": "Low", "hotkey": "1", "task": task},
                        format="json")
    assert taken.status_code == 400 and "belongs to another label" in taken.json()["detail"]
    assert client.post(f"/api/projects/{project.pk}/tasks/", {"name": "Risk", "kind": "single"},
                       format="json").status_code == 400
    theirs = LabelSchema.objects.create(project=other_project, name="Risk")
    assert client.post(f"/api/projects/{project.pk}/labels/", {"name": "Low", "task": theirs.pk},
                       format="json").status_code == 400
    listed = api_as(annotator).get(f"/api/projects/{project.pk}/tasks/").json()
    assert [(entry["name"], [label["name"] for label in entry["labels"]]) for entry in listed] == [
        ("Risk", ["High", "Cardiology"])]
    # One-schema readers are unchanged: the schema endpoint is the main task's.
    assert [label["name"] for label in client.get(f"/api/projects/{project.pk}/schema/").json()["labels"]] == [
        "Cardiology", "Respiratory", "Neurology"]
    changed = client.put(f"/api/projects/{project.pk}/tasks/{task}/", {"kind": "multi", "guidelines": "Any."},
                         format="json")
    assert changed.status_code == 200 and changed.json()["kind"] == "multi"
    assert api_as(annotator).delete(f"/api/projects/{project.pk}/tasks/{task}/").status_code == 403


@pytest.mark.django_db
def test_an_annotation_answers_every_task_and_keeps_them_apart(project, manager, annotator):
    make_corpus(project, 3)
    task = risk_task(manager, project)
    client = api_as(annotator)
    document = client.get(f"/api/projects/{project.pk}/tasks/next/").json()["document"]["id"]
    url = f"/api/projects/{project.pk}/documents/{document}/annotation/"
    missing = client.post(url, {"labels": [label_id(project)]}, format="json")
    assert missing.status_code == 400 and "Risk: choose one label" in missing.json()["detail"]
    both = client.post(url, {"labels": [label_id(project)], "task_labels": [task_label(task, "High"),
                                                                               task_label(task, "Low")]},
                       format="json")
    assert both.status_code == 400 and "single-label" in both.json()["detail"]
    wrong = client.post(url, {"labels": [label_id(project)], "task_labels": [label_id(project, "Neurology")]},
                        format="json")
    assert wrong.status_code == 400
    saved = client.post(url, {"labels": [label_id(project)], "task_labels": [task_label(task, "High")]},
                        format="json")
    assert saved.status_code == 201, saved.content
    assert sorted(saved.json()["labels"]) == sorted([label_id(project), task_label(task, "High")])
    # Changing the main label alone keeps the task's answer.
    again = client.post(url, {"labels": [label_id(project, "Neurology")], "version": 1}, format="json")
    assert again.status_code == 200
    annotation = Annotation.objects.get(document_id=document, annotator=annotator)
    assert sorted(annotation.labels.values_list("name", flat=True)) == ["High", "Neurology"]


@pytest.mark.django_db
def test_each_task_freezes_its_own_snapshot_on_the_same_splits(project, manager, artifacts,
                                                               django_capture_on_commit_callbacks):
    make_corpus(project, 30)
    task = risk_task(manager, project)
    (user,) = annotators(project, 1)
    for document in Document.objects.order_by("id"):
        number = int(document.external_id[1:])
        tasks.submit(user, project, document, [label_id(project, "Cardiology" if number % 2 else "Respiratory")],
                     task_label_ids=[task_label(task, "High" if number % 3 == 0 else "Low")])
    main = build(manager, project, django_capture_on_commit_callbacks, name="diagnosis")
    risk = build(manager, project, django_capture_on_commit_callbacks, name="risk", task=task.pk)
    assert main.status == risk.status == "ready"
    assert {label for split in main.counts.values() for label in split} == {"Cardiology", "Respiratory"}
    assert {label for split in risk.counts.values() for label in split} == {"High", "Low"}
    main_rows, risk_rows = (pq.read_table(snapshot.path).to_pylist() for snapshot in (main, risk))
    assert {row["document_id"]: row["split"] for row in main_rows} == {row["document_id"]: row["split"] for row in risk_rows}
    assert sum(row["labels"] == ["High"] for row in risk_rows) == 10
    assert pq.read_metadata(risk.path).metadata[b"vertical_studio"].decode().count('"task": "Risk"') == 1
    assert risk.task_id == task.pk and main.task_id is None
    # A task whose labels a snapshot froze stays; its project is deleted with it all.
    with pytest.raises(schema_service.SchemaError, match="30 annotations carry the task's labels"):
        schema_service.delete_task(manager, task)
    Annotation.objects.all().delete()
    with pytest.raises(schema_service.SchemaError, match="Snapshots froze"):
        schema_service.delete_task(manager, task)
    corpora.delete_project_data(project)
    assert not LabelSchema.objects.exists() and not DatasetSnapshot.objects.exists()


@pytest.mark.django_db
def test_a_task_added_later_leaves_earlier_notes_unanswered_for_it(project, manager, artifacts,
                                                                    django_capture_on_commit_callbacks):
    make_corpus(project, 7)
    (user,) = annotators(project, 1)
    documents = list(Document.objects.order_by("id"))
    for document in documents[:3]:
        tasks.submit(user, project, document, [label_id(project)])
    task = risk_task(manager, project)
    for document in documents[3:6]:
        tasks.submit(user, project, document, [label_id(project)], task_label_ids=[task_label(task, "Low")])
    # An imported annotation that answers the named task alone has not answered the main one.
    Annotation.objects.create(document=documents[6], source=Annotation.Source.IMPORTED).labels.set(
        [task_label(task, "High")])
    risk = build(manager, project, django_capture_on_commit_callbacks, name="risk", task=task.pk)
    assert risk.row_count == 4
    assert build(manager, project, django_capture_on_commit_callbacks, name="main").row_count == 6


@pytest.mark.django_db
def test_the_annotate_page_shows_the_tasks_together_and_submits_them(client, project, manager, annotator):
    make_corpus(project, 2)
    task = risk_task(manager, project)
    client.force_login(annotator)
    page = client.get(f"/projects/{project.pk}/annotate/").content.decode()
    assert 'id="task-%d"' % task.pk in page and "<legend>Risk" in page and 'data-hotkey="h"' in page
    assert "Flag <strong>high</strong> risk." in page  # the task's guidelines beside the main ones
    assert "Risk: choose “High”" in page  # in the keyboard help
    document = int(page.split('data-document="')[1].split('"')[0])
    answer = client.post(f"/projects/{project.pk}/annotate/{document}/submit/", {
        "labels": [label_id(project)], "tasks": "1", f"task-{task.pk}": [task_label(task, "Low")]})
    assert answer.status_code == 302
    assert sorted(Annotation.objects.get(document_id=document).labels.values_list("name", flat=True)) == [
        "Cardiology", "Low"]


@pytest.mark.django_db
def test_the_labels_page_adds_a_task_its_labels_and_deletes_it(client, project, manager, annotator):
    make_corpus(project, 2)
    client.force_login(manager)
    added = client.post(f"/projects/{project.pk}/tasks/add/", {"task-name": "Smoker", "task-kind": "single",
                                                               "task-guidelines": ""})
    assert added.status_code == 302
    task = project.named_tasks.get()
    assert client.post(f"/projects/{project.pk}/labels/add/", {"task": task.pk, "new-name": "Yes", "new-hotkey": "y",
                                                              "new-color": "#009e73"}).status_code == 302
    page = client.get(f"/projects/{project.pk}/labels/").content.decode()
    assert "Smoker" in page and 'name="label-%d-name" value="Yes"' % task.labels.get().pk in page
    refused = client.post(f"/projects/{project.pk}/tasks/add/", {"task-name": "Smoker", "task-kind": "single"})
    assert refused.status_code == 400 and "already" in refused.content.decode()
    (user,) = annotators(project, 1)
    document = Document.objects.order_by("id").first()
    tasks.submit(user, project, document, [label_id(project)], task_label_ids=[task.labels.get().pk])
    kept = client.post(f"/projects/{project.pk}/tasks/{task.pk}/delete/")
    assert kept.status_code == 409 and project.named_tasks.exists()
    Annotation.objects.all().delete()
    assert client.post(f"/projects/{project.pk}/tasks/{task.pk}/delete/").status_code == 302
    assert not project.named_tasks.exists() and project.label_schema.labels.count() == 3


@pytest.mark.django_db
def test_the_datasets_page_freezes_a_named_task(client, project, manager, artifacts, django_capture_on_commit_callbacks):
    corpus = make_corpus(project, 4)
    task = risk_task(manager, project)
    client.force_login(manager)
    page = client.get(f"/projects/{project.pk}/datasets/").content.decode()
    assert "Main labels" in page and f'<option value="{task.pk}">Risk</option>' in page
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(f"/projects/{project.pk}/datasets/", {
            "name": "risk v1", "train_ratio": 0.5, "validation_ratio": 0.25, "test_ratio": 0.25, "seed": 13,
            "corpora": [corpus.pk], "task": task.pk})
    assert answer.status_code == 302
    snapshot = project.snapshots.get()
    assert snapshot.task_id == task.pk
    assert "task Risk" in client.get(f"/projects/{project.pk}/datasets/").content.decode()
    assert f"#task-{task.pk}\">Risk</a>" in client.get(
        f"/projects/{project.pk}/snapshots/{snapshot.pk}/").content.decode()
