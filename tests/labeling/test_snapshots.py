"""Dataset snapshots: resolved labels, stable stratified splits, deterministic files, downloads."""

import hashlib

import datasets
import pyarrow.parquet as pq
import pytest
from django.urls import reverse

from labeling.models import Annotation, DatasetSnapshot, Document, Review
from labeling.services import resolution, snapshots, tasks
from studio.jobs import execution
from studio.models import AuditEvent, Job
from tests.labeling.test_tasks import annotators, label_id, make_corpus


def labeled(project, count, overlap=1):
    """A corpus of `count` notes; annotators label note i Cardiology when i is even, else Respiratory."""
    project.overlap = overlap
    project.save()
    make_corpus(project, count)
    users = annotators(project, overlap)
    for document in Document.objects.order_by("id"):
        name = "Cardiology" if int(document.external_id[1:]) % 2 == 0 else "Respiratory"
        for user in users:
            tasks.submit(user, project, document, [label_id(project, name)])
    return users


def build(user, project, django_capture_on_commit_callbacks, **options):
    with django_capture_on_commit_callbacks(execute=True):
        snapshot = snapshots.start_snapshot(user, project, name=options.pop("name", "v1"), **options)
    execution.execute(snapshot.job_id, "w@host", {})
    snapshot.refresh_from_db()
    return snapshot


def test_resolution_rules():
    assert resolution.decide(("A",), [("B",), ("B",)]) == (("A",), "adjudicated")
    assert resolution.decide(None, [("B",)]) == (("B",), "single")
    assert resolution.decide(None, [("A",), ("B",), ("B",)]) == (("B",), "majority")
    assert resolution.decide(None, [("A",), ("A",)]) == (("A",), "majority")
    assert resolution.decide(None, [("A",), ("B",)]) == (None, "tie")
    assert resolution.decide(None, [("A", "B"), ("A", "B"), ("A",)]) == (("A", "B"), "majority")


@pytest.mark.django_db
def test_a_snapshot_freezes_resolved_labels_into_a_parquet_file_datasets_can_read(
        project, manager, artifacts, django_capture_on_commit_callbacks):
    first, second, third = labeled(project, 40, overlap=3)
    disputed, tied, rejected = Document.objects.filter(external_id__in=["d0", "d1", "d2"]).order_by("id")
    # d0: a 2-1 majority; d1: adjudicated; d2: one of three rejected, leaving a 1-1 tie.
    tasks.submit(third, project, disputed, [label_id(project, "Neurology")], version=1)
    tasks.submit(third, project, tied, [label_id(project, "Neurology")], version=1)
    Review.objects.create(document=tied, reviewer=manager).labels.set([label_id(project, "Neurology")])
    tasks.submit(third, project, rejected, [label_id(project, "Neurology")], version=1)
    Annotation.objects.filter(document=rejected, annotator=first).update(rejected_reason="Misread")
    snapshot = build(manager, project, django_capture_on_commit_callbacks)
    assert snapshot.status == "ready", Job.objects.get(pk=snapshot.job_id).error
    assert snapshot.row_count == 39 and snapshot.unresolved == 1
    assert snapshot.rules == {"adjudicated": 1, "majority": 38}
    assert snapshot.sha256 == hashlib.sha256(snapshot.path.read_bytes()).hexdigest()
    table = pq.read_table(snapshot.path)
    rows = {row["external_id"]: row for row in table.to_pylist()}
    assert rows["d0"]["label"] == "Cardiology" and rows["d0"]["rule"] == "majority" and rows["d0"]["annotators"] == 3
    assert rows["d1"]["labels"] == ["Neurology"] and rows["d1"]["rule"] == "adjudicated"
    assert "d2" not in rows
    assert rows["d3"]["text"] == "Note 3."
    loaded = datasets.load_dataset("parquet", data_files=str(snapshot.path), split="train")
    assert loaded.num_rows == 39 and set(loaded.column_names) >= {"text", "label", "labels", "split"}
    counts = {split: sum(snapshot.counts[split].values()) for split in snapshots.SPLITS}
    assert counts == {"train": 31, "validation": 4, "test": 4}  # 19 + 20 per label set, each 80/10/10
    assert snapshot.counts["test"] == {"Cardiology": 2, "Respiratory": 2}


@pytest.mark.django_db
def test_same_labels_give_the_same_file_and_splits_stay_put(
        project, manager, artifacts, django_capture_on_commit_callbacks):
    labeled(project, 30)
    first = build(manager, project, django_capture_on_commit_callbacks, name="first")
    again = build(manager, project, django_capture_on_commit_callbacks, name="again")
    assert again.sha256 == first.sha256 and again.file_name != first.file_name
    before = dict(Document.objects.values_list("id", "split"))
    assert set(before.values()) == {"train", "validation", "test"}
    # More notes are labeled; a later snapshot with other ratios and seed keeps the old notes' splits.
    (late,) = annotators(project, 1, prefix="late")
    corpus = project.corpora.get()
    Document.objects.bulk_create(Document(corpus=corpus, external_id=f"n{i}", text=f"New {i}.", content_hash=f"n{i}",
                                          length=6) for i in range(10))
    for document in Document.objects.filter(external_id__startswith="n"):
        tasks.submit(late, project, document, [label_id(project)])
    later = build(manager, project, django_capture_on_commit_callbacks, name="later", train_ratio=0.5,
                  validation_ratio=0.25, test_ratio=0.25, seed=99)
    assert later.row_count == 40 and later.sha256 != first.sha256
    after = dict(Document.objects.values_list("id", "split"))
    assert all(after[pk] == split for pk, split in before.items())
    table = {row["document_id"]: row["split"] for row in pq.read_table(later.path).to_pylist()}
    assert all(table[pk] == split for pk, split in before.items())


@pytest.mark.django_db
def test_a_snapshot_checks_its_ratios_and_fails_clearly_without_labels(
        project, manager, artifacts, django_capture_on_commit_callbacks):
    with pytest.raises(snapshots.SnapshotError, match="no labels"):
        snapshots.start_snapshot(manager, project, name="x")
    make_corpus(project, 3)
    with pytest.raises(snapshots.SnapshotError, match="add up to 1"):
        snapshots.start_snapshot(manager, project, name="x", train_ratio=0.9, validation_ratio=0.2, test_ratio=0)
    with pytest.raises(snapshots.SnapshotError, match="name"):
        snapshots.start_snapshot(manager, project, name=" ")
    snapshot = build(manager, project, django_capture_on_commit_callbacks)
    assert snapshot.status == "failed" and not snapshot.file_name
    assert "No document has labels" in Job.objects.get(pk=snapshot.job_id).error
    assert not (artifacts / "snapshots").exists() or not any((artifacts / "snapshots").iterdir())


@pytest.mark.django_db
def test_snapshots_in_the_browser_and_the_api(client, login, project, manager, annotator, artifacts,
                                              django_capture_on_commit_callbacks):
    labeled(project, 10)
    login(manager)
    with django_capture_on_commit_callbacks(execute=True):
        form = client.get(reverse("dataset-list", args=[project.pk])).content.decode()
        corpus = project.corpora.get()
        assert f'value="{corpus.pk}"' in form and "checked" in form  # the queued corpus is ticked
        response = client.post(reverse("dataset-list", args=[project.pk]), {
            "name": "Triage v1", "train_ratio": "0.8", "validation_ratio": "0.1", "test_ratio": "0.1", "seed": "13",
            "corpora": [corpus.pk]})
    snapshot = DatasetSnapshot.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/snapshots/{snapshot.pk}/")
    building = client.get(response["Location"]).content.decode()
    assert "Building" in building and 'hx-trigger="every 2s"' in building
    execution.execute(snapshot.job_id, "w@host", {})
    page = client.get(response["Location"]).content.decode()
    assert "every 2s" not in page and "snapshot-counts" in page
    snapshot.refresh_from_db()
    assert snapshot.sha256 in page
    download = client.get(reverse("snapshot-download", args=[project.pk, snapshot.pk]))
    assert download.status_code == 200 and download["X-Content-SHA256"] == snapshot.sha256
    assert hashlib.sha256(b"".join(download.streaming_content)).hexdigest() == snapshot.sha256
    assert AuditEvent.objects.filter(verb="snapshot.download").count() == 1
    bad = client.post(reverse("dataset-list", args=[project.pk]), {
        "name": "x", "train_ratio": "0.8", "validation_ratio": "0.8", "test_ratio": "0", "seed": "1",
        "corpora": [corpus.pk]})
    assert bad.status_code == 400 and "add up to 1" in bad.content.decode()
    assert f'href="/projects/{project.pk}/corpora/{corpus.pk}/"' in page  # the snapshot names its corpora

    listed = client.get(reverse("api-snapshot-list", args=[project.pk])).json()
    assert listed[0]["sha256"] == snapshot.sha256 and listed[0]["row_count"] == 10
    with django_capture_on_commit_callbacks(execute=True):
        created = client.post(reverse("api-snapshot-list", args=[project.pk]), {"name": "API"},
                              content_type="application/json")
    assert created.status_code == 201 and created.json()["status"] == "building"
    assert created.json()["corpora"] == [corpus.pk]  # the queued ones by default
    waiting = client.get(reverse("api-snapshot-download", args=[project.pk, created.json()["id"]]))
    assert waiting.status_code == 404 and "still being written" in waiting.json()["detail"]
    execution.execute(created.json()["job"], "w@host", {})
    detail = client.get(reverse("api-snapshot-detail", args=[project.pk, created.json()["id"]])).json()
    assert detail["sha256"] == snapshot.sha256  # same labels, same file
    login(annotator)
    assert client.get(reverse("api-snapshot-list", args=[project.pk])).status_code == 403

