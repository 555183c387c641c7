"""The task queue: overlap, never twice, reservations that expire, skip, undo and stale versions."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.urls import reverse
from django.utils import timezone

from labeling.models import (
    Annotation,
    AnnotatorPool,
    Assignment,
    Corpus,
    Document,
    Label,
    LabelSchema,
    Membership,
    Role,
)
from labeling.services import tasks
from tests.support.factories import UserFactory


def make_corpus(project, count, kind=LabelSchema.Kind.SINGLE):
    schema = LabelSchema.objects.create(project=project, kind=kind)
    for position, name in enumerate(("Cardiology", "Respiratory", "Neurology")):
        Label.objects.create(schema=schema, name=name, hotkey=str(position + 1), position=position)
    corpus = Corpus.objects.create(project=project, name="Notes", status=Corpus.Status.READY, document_count=count)
    Document.objects.bulk_create(Document(corpus=corpus, external_id=f"d{i}", text=f"Note {i}.", content_hash=str(i),
                                          length=7) for i in range(count))
    return corpus


def annotators(project, count, prefix="clinician"):
    users = [UserFactory(username=f"{prefix}-{i}") for i in range(count)]
    for user in users:
        Membership.objects.create(project=project, user=user, role=Role.ANNOTATOR)
    return users


def label_id(project, name="Cardiology"):
    return project.label_schema.labels.get(name=name).pk


@pytest.mark.django_db
def test_overlap_hands_a_document_to_that_many_annotators_and_no_more(project):
    project.overlap = 2
    project.save()
    make_corpus(project, 3)
    first, second, third = annotators(project, 3)
    a, b, c = (tasks.next_assignment(user, project).document.external_id for user in (first, second, third))
    assert (a, b, c) == ("d0", "d0", "d1")
    assert tasks.next_assignment(first, project).document.external_id == "d0"  # still reserved for them
    tasks.submit(first, project, Document.objects.get(external_id="d0"), [label_id(project)])
    assert tasks.next_assignment(first, project).document.external_id == "d1"
    document = Document.objects.get(external_id="d0")
    assert document.claims == 2 and document.full


@pytest.mark.django_db
def test_skipped_and_expired_documents_go_back_to_the_pool(project):
    make_corpus(project, 2)
    first, second = annotators(project, 2)
    tasks.skip(first, project, tasks.next_assignment(first, project).document)
    assert tasks.next_assignment(first, project).document.external_id == "d1"  # never d0 again
    assert tasks.next_assignment(second, project).document.external_id == "d0"  # free for others
    Assignment.objects.filter(annotator=first).update(reserved_until=timezone.now() - timedelta(seconds=1))
    (third,) = annotators(project, 1, prefix="late")
    assert tasks.next_assignment(third, project).document.external_id == "d1"
    assert Document.objects.get(external_id="d1").claims == 1


@pytest.mark.django_db
def test_nothing_left_is_none(project):
    make_corpus(project, 1)
    (user,) = annotators(project, 1)
    tasks.submit(user, project, tasks.next_assignment(user, project).document, [label_id(project)])
    assert tasks.next_assignment(user, project) is None


@pytest.mark.django_db
def test_a_late_submission_is_taken_when_there_is_room_and_refused_when_not(project):
    make_corpus(project, 1)
    first, second = annotators(project, 2)
    document = tasks.next_assignment(first, project).document
    Assignment.objects.update(reserved_until=timezone.now() - timedelta(seconds=1))
    assert tasks.next_assignment(second, project).document == document  # the reservation ran out
    with pytest.raises(tasks.TaskError, match="Enough annotators have this note"):
        tasks.submit(first, project, document, [label_id(project)])
    assert not Annotation.objects.filter(annotator=first).exists()


@pytest.mark.django_db
def test_undo_brings_the_last_submission_back_as_submitted_ready_to_change(project):
    make_corpus(project, 3)
    (user,) = annotators(project, 1)
    for _ in range(2):
        tasks.submit(user, project, tasks.next_assignment(user, project).document, [label_id(project)])
    undone = tasks.undo(user, project)
    assert undone.document.external_id == "d1" and undone.state == Assignment.State.RESERVED
    assert tasks.next_assignment(user, project).document.external_id == "d1"
    assert tasks.progress(user, project)["labeled_by_you"] == 1
    state = tasks.task_state(user, project, undone)
    assert [label.name for label in state["annotation"].labels.all()] == ["Cardiology"]  # as submitted
    changed = tasks.submit(user, project, undone.document, [label_id(project, "Neurology")],
                           version=state["annotation"].version)
    assert changed.version == 2 and [label.name for label in changed.labels.all()] == ["Neurology"]
    assert tasks.progress(user, project)["labeled_by_you"] == 2


@pytest.mark.django_db
def test_an_undone_note_skipped_or_left_to_expire_stays_as_submitted(project, settings):
    corpus = make_corpus(project, 2)
    (user,) = annotators(project, 1)
    first = tasks.next_assignment(user, project)
    tasks.submit(user, project, first.document, [label_id(project)])
    tasks.undo(user, project)
    tasks.skip(user, project, first.document)
    assert Assignment.objects.get(document=first.document).state == Assignment.State.SUBMITTED
    tasks.undo(user, project)
    Assignment.objects.filter(document=first.document).update(reserved_until=timezone.now() - timedelta(minutes=1))
    assert tasks.release_expired(project) == 1
    assert Assignment.objects.get(document=first.document).state == Assignment.State.SUBMITTED
    assert corpus.documents.get(pk=first.document.pk).claims == 1  # still one annotator's, not handed out again
    assert Annotation.objects.filter(document=first.document, annotator=user).count() == 1


@pytest.mark.django_db
def test_labels_must_be_the_projects_and_fit_the_schema(project, other_project):
    make_corpus(project, 1)
    (user,) = annotators(project, 1)
    document = tasks.next_assignment(user, project).document
    with pytest.raises(tasks.TaskError, match="Choose one label"):
        tasks.submit(user, project, document, [label_id(project), label_id(project, "Neurology")])
    with pytest.raises(tasks.TaskError, match="Choose a label first"):
        tasks.submit(user, project, document, [])
    foreign = Label.objects.create(schema=LabelSchema.objects.create(project=other_project), name="Theirs")
    with pytest.raises(tasks.TaskError, match="not the project's"):
        tasks.submit(user, project, document, [foreign.pk])


@pytest.mark.django_db
def test_the_api_loop_with_a_stale_version_409(client, project, annotator, outsider):
    make_corpus(project, 2, kind=LabelSchema.Kind.MULTI)
    client.force_login(annotator)
    task = client.get(reverse("api-task-next", kwargs={"project_pk": project.pk})).json()
    assert [label["hotkey"] for label in task["labels"]] == ["1", "2", "3"] and task["annotation"] is None
    url = reverse("api-document-annotation", kwargs={"project_pk": project.pk, "pk": task["document"]["id"]})
    labels = [label_id(project), label_id(project, "Respiratory")]
    created = client.post(url, {"labels": labels, "comment": "<b>both</b>"}, content_type="application/json")
    assert created.status_code == 201 and created.json()["version"] == 1
    changed = client.post(url, {"labels": labels[:1], "version": 1}, content_type="application/json")
    assert changed.status_code == 200 and changed.json()["version"] == 2 and changed.json()["labels"] == labels[:1]
    stale = client.post(url, {"labels": labels, "version": 1}, content_type="application/json")
    assert stale.status_code == 409 and "now version 2" in stale.json()["detail"]
    assert client.get(url).json()["labels"] == labels[:1]  # nothing was overwritten
    following = client.get(reverse("api-task-next", kwargs={"project_pk": project.pk})).json()
    skip = client.post(reverse("api-document-skip", kwargs={"project_pk": project.pk, "pk": following["document"]["id"]}))
    assert skip.status_code == 204
    assert client.get(reverse("api-task-next", kwargs={"project_pk": project.pk})).status_code == 204
    undone = client.post(reverse("api-task-undo", kwargs={"project_pk": project.pk}))
    assert undone.status_code == 200 and undone.json()["document"]["id"] == task["document"]["id"]
    assert undone.json()["annotation"]["labels"] == labels[:1] and undone.json()["annotation"]["version"] == 2
    client.force_login(outsider)
    assert client.get(reverse("api-task-next", kwargs={"project_pk": project.pk})).status_code == 404
    assert client.post(url, {"labels": labels}, content_type="application/json").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_eight_concurrent_annotators_keep_overlap_exact_and_never_repeat(project):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (CI runs this on it)")
    project.overlap = 3
    project.save()
    make_corpus(project, 40)
    users = annotators(project, 8)
    cardiology = label_id(project)
    errors = []

    def annotate(user):
        try:
            while (assignment := tasks.next_assignment(user, project)) is not None:
                tasks.submit(user, project, assignment.document, [cardiology])
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=annotate, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert errors == []
    per_document = {}
    for document_id, annotator_id in Annotation.objects.values_list("document_id", "annotator_id"):
        per_document.setdefault(document_id, []).append(annotator_id)
    assert len(per_document) == 40
    assert all(len(ids) == 3 and len(set(ids)) == 3 for ids in per_document.values()), sorted(len(ids) for ids in per_document.values())
    assert set(Document.objects.values_list("claims", "full")) == {(3, True)}


@pytest.mark.django_db
def test_raising_the_overlap_reopens_full_documents_for_the_queue(client, project, manager):
    make_corpus(project, 1)
    first, second = annotators(project, 2)
    tasks.submit(first, project, tasks.next_assignment(first, project).document, [label_id(project)])
    assert tasks.next_assignment(second, project) is None
    client.force_login(manager)
    response = client.post(reverse("project-edit", kwargs={"pk": project.pk}),
                           {"name": project.name, "description": "", "overlap": "2", "reservation_minutes": "15",
                            "task_order": "sequential"})
    assert response.status_code == 302
    project.refresh_from_db()
    assert (project.overlap, project.reservation_minutes) == (2, 15)
    assert tasks.next_assignment(second, project).document.external_id == "d0"
    api = client.patch(reverse("api-project-detail", kwargs={"pk": project.pk}), {"overlap": 0},
                       content_type="application/json")
    assert api.status_code == 400 and "overlap" in api.json()["errors"]


@pytest.mark.django_db
def test_a_tab_still_holding_an_undone_annotations_old_version_gets_409(project, annotator):
    make_corpus(project, 2)
    first = tasks.next_assignment(annotator, project)
    annotation = tasks.submit(annotator, project, first.document, [label_id(project, "Cardiology")])
    tasks.undo(annotator, project)
    tasks.submit(annotator, project, first.document, [label_id(project, "Neurology")], version=annotation.version)
    with pytest.raises(tasks.StaleAnnotation, match="now version 2"):
        tasks.submit(annotator, project, first.document, [label_id(project, "Cardiology")], version=annotation.version)
    assert [label.name for label in Annotation.objects.get(document=first.document).labels.all()] == ["Neurology"]


@pytest.mark.django_db
def test_labels_removed_elsewhere_refuse_an_old_version_instead_of_making_a_new_annotation(project, annotator):
    make_corpus(project, 2)
    first = tasks.next_assignment(annotator, project)
    annotation = tasks.submit(annotator, project, first.document, [label_id(project, "Cardiology")])
    annotation.delete()
    with pytest.raises(tasks.StaleAnnotation, match="removed elsewhere"):
        tasks.submit(annotator, project, first.document, [label_id(project, "Neurology")], version=annotation.version)
    assert not Annotation.objects.filter(document=first.document).exists()


@pytest.mark.django_db
def test_a_note_pooled_for_others_cannot_be_labeled_by_submitting_it_directly(client, project, annotator):
    corpus = make_corpus(project, 2)
    other = UserFactory()
    Membership.objects.create(project=project, user=other, role=Role.ANNOTATOR)
    pool = AnnotatorPool.objects.create(project=project, name="Cardiologists")
    pool.annotators.add(other)
    document = corpus.documents.order_by("id").first()
    Document.objects.filter(pk=document.pk).update(pool=pool)
    client.force_login(annotator)
    url = reverse("api-document-annotation", kwargs={"project_pk": project.pk, "pk": document.pk})
    refused = client.post(url, {"labels": [label_id(project, "Cardiology")]}, content_type="application/json")
    assert refused.status_code == 400 and "annotator pool you are not in" in refused.json()["detail"]
    assert not Annotation.objects.exists()
    client.force_login(other)
    assert client.post(url, {"labels": [label_id(project, "Cardiology")]},
                       content_type="application/json").status_code == 201
