"""Labels that come with an imported file become imported annotations; repeated notes are flagged."""

import json
from contextlib import nullcontext

import pytest

from labeling.models import Annotation, Label, LabelSchema
from studio.models import AuditEvent
from tests.support.importing import run

pytestmark = pytest.mark.django_db


def labels_of(corpus):
    return {
        annotation.document.external_id: sorted(label.name for label in annotation.labels.all())
        for annotation in Annotation.objects.filter(document__corpus=corpus).prefetch_related("labels")
        .select_related("document")
    }


def test_a_label_column_becomes_imported_annotations_and_new_labels(do_import, project):
    data = b"id,text,specialty\nn1,Chest pain.,Cardiology\nn2,Wheeze.,Respiratory\nn3,Rash.,\nn4,Palpitations.,Cardiology\n"
    corpus, job, _ = do_import("notes.csv", data, label_fields=["specialty"])
    assert job.status == "succeeded" and job.metrics["labels_added"] == 2
    assert labels_of(corpus) == {"n1": ["Cardiology"], "n2": ["Respiratory"], "n4": ["Cardiology"]}
    assert set(Annotation.objects.values_list("source", flat=True)) == {"imported"}
    assert Annotation.objects.filter(annotator__isnull=False).count() == 0
    schema = project.label_schema
    assert schema.kind == LabelSchema.Kind.SINGLE and [label.name for label in schema.labels.all()] == ["Cardiology", "Respiratory"]
    assert [label.hotkey for label in schema.labels.all()] == ["1", "2"]  # pickable from the keyboard at once
    assert list(AuditEvent.objects.filter(verb="label.create").order_by("id").values_list("details__name", flat=True)) == [
        "Cardiology", "Respiratory"]


def test_multi_label_cells_split_on_the_delimiter_and_known_labels_are_reused(do_import, project):
    schema = LabelSchema.objects.create(project=project, kind=LabelSchema.Kind.MULTI)
    known = Label.objects.create(schema=schema, name="Cardiology", hotkey="1")
    data = b"id,text,codes\nn1,Chest pain and wheeze.,Cardiology; Respiratory\nn2,Rash.,Dermatology;;\n"
    corpus, job, _ = do_import("notes.csv", data, label_fields=["codes"], label_delimiter=";")
    assert labels_of(corpus) == {"n1": ["Cardiology", "Respiratory"], "n2": ["Dermatology"]}
    assert job.metrics["labels_added"] == 2 and Label.objects.get(name="Cardiology") == known


def test_json_lists_and_several_label_fields_are_merged(do_import):
    rows = [{"id": "a", "text": "Chest pain.", "labels": ["Cardiology", "Urgent"], "extra": "Urgent"},
            {"id": "b", "text": "Wheeze.", "labels": [], "extra": "Respiratory"}]
    data = "\n".join(json.dumps(row) for row in rows).encode()
    corpus, job, _ = do_import("notes.jsonl", data, label_fields=["labels", "extra"])
    assert job.status == "succeeded"
    assert labels_of(corpus) == {"a": ["Cardiology", "Urgent"], "b": ["Respiratory"]}


def test_a_json_list_column_makes_a_project_without_labels_multi_label(do_import, project):
    rows = [{"id": "a", "text": "Wheeze.", "labels": ["Respiratory"]},
            {"id": "b", "text": "Chest pain and wheeze.", "labels": ["Cardiology", "Respiratory"]},
            {"id": "c", "text": "Seen, nothing found.", "labels": []}]
    corpus, job, _ = do_import("notes.jsonl", "\n".join(json.dumps(row) for row in rows).encode(),
                               label_fields=["labels"])
    assert job.status == "succeeded" and corpus.error_count == 0
    assert project.label_schema.kind == LabelSchema.Kind.MULTI
    # [] is the answer "no label applies": an imported annotation with no labels; a missing list is no answer.
    assert labels_of(corpus) == {"a": ["Respiratory"], "b": ["Cardiology", "Respiratory"], "c": []}


def test_several_labels_on_a_single_label_project_are_row_errors(do_import, project):
    LabelSchema.objects.create(project=project, kind=LabelSchema.Kind.SINGLE)
    data = b"id,text,codes\nn1,Chest pain.,Cardiology|Respiratory\nn2,Rash.,Dermatology\n"
    corpus, job, _ = do_import("notes.csv", data, label_fields=["codes"], label_delimiter="|")
    assert corpus.document_count == 1 and corpus.error_count == 1
    assert corpus.errors == [[2, "2 labels (Cardiology, Respiratory), but the project's labels are single-label"]]
    assert labels_of(corpus) == {"n2": ["Dermatology"]}


def test_a_failed_import_takes_back_the_labels_it_added(do_import, project):
    data = b"id,text,specialty\nn1,Chest pain.,Cardiology\nn2,,Respiratory\nn3,,Neurology\n"
    corpus, job, _ = do_import("notes.csv", data, label_fields=["specialty"], max_errors=1)
    assert job.status == "failed" and corpus.status == "failed"
    assert not Annotation.objects.exists() and not Label.objects.exists()
    assert AuditEvent.objects.filter(verb="label.delete").count() == AuditEvent.objects.filter(verb="label.create").count()


def test_a_column_of_free_text_chosen_as_labels_is_refused(do_import, project, settings, monkeypatch):
    monkeypatch.setattr("labeling.services.imported_labels.MAX_NEW_LABELS", 3)
    data = "id,text,note2\n" + "".join(f"n{i},Note {i}.,free text {i}\n" for i in range(5))
    corpus, job, _ = do_import("notes.csv", data.encode(), label_fields=["note2"])
    assert job.status == "failed" and "more than 3 labels the project does not have" in job.error
    assert corpus.document_count == 0 and not Label.objects.exists()


def test_repeated_notes_point_at_the_first_one(do_import):
    data = b"id,text\na,Same note.\nb,Other note.\nc,Same note.\nd,Same note.\n"
    corpus, job, _ = do_import("notes.csv", data)
    first = corpus.documents.get(external_id="a")
    assert job.metrics["duplicates"] == 2
    assert dict(corpus.documents.values_list("external_id", "duplicate_of")) == {
        "a": None, "b": None, "c": first.pk, "d": first.pk}


@pytest.mark.django_db(transaction=True)
def test_an_import_outside_a_transaction_writes_on_its_own_connections_and_records_its_id_range(
        manager, project, sent, artifacts, monkeypatch):
    """As in a worker: on PostgreSQL the batches go out on writer threads; labels and repeats still land."""
    monkeypatch.setattr("labeling.services.imports.BATCH_SIZE", 3)
    rows = "".join(f"n{i},Note {i % 4}.,{'Cardiology' if i % 2 else 'Respiratory'}\n" for i in range(10))
    corpus, job, _ = run(manager, project, "notes.csv", f"id,text,specialty\n{rows}".encode(),
                         lambda execute: nullcontext(), label_fields=["specialty"])
    assert job.status == "succeeded" and corpus.document_count == 10 and job.metrics["duplicates"] == 6
    ids = list(corpus.documents.values_list("id", flat=True))
    assert corpus.id_floor <= min(ids) and max(ids) <= corpus.id_ceiling
    assert Annotation.objects.filter(document__corpus=corpus).count() == 10
    assert labels_of(corpus)["n3"] == ["Cardiology"]
