"""A corpus's role: only corpora in the labeling queue are handed out, counted and frozen by default; a manager
changes the role on the corpus page or through the API, and chooses a snapshot's corpora."""

import pytest
from django.urls import reverse

from labeling.models import Annotation, Corpus, DatasetSnapshot, Document
from labeling.services import agreement, dashboard, review, snapshots, tasks
from labeling.services.corpora import CorpusRoleError, set_role
from studio.jobs import execution
from studio.models import AuditEvent
from tests.labeling.test_tasks import annotators, label_id, make_corpus

pytestmark = pytest.mark.django_db


def second_corpus(project, count, role=Corpus.Role.ASIDE):
    corpus = Corpus.objects.create(project=project, name="Archive", status=Corpus.Status.READY,
                                   document_count=count, role=role)
    Document.objects.bulk_create(Document(corpus=corpus, external_id=f"x{i}", text=f"Old note {i}.",
                                          content_hash=f"x{i}", length=11) for i in range(count))
    return corpus


def label_all(user, project):
    while (assignment := tasks.next_assignment(user, project)) is not None:
        tasks.submit(user, project, assignment.document, [label_id(project)])


def test_a_corpus_kept_aside_is_not_handed_out_nor_counted(project):
    queued = make_corpus(project, 3)
    second_corpus(project, 5)
    (user,) = annotators(project, 1)
    label_all(user, project)
    assert set(Document.objects.filter(annotations__isnull=False).values_list("corpus_id", flat=True)) == {queued.pk}
    assert tasks.progress(user, project)["documents"] == 3
    figures = dashboard.figures(project)
    assert (figures["documents"], figures["labeled"], figures["complete"]) == (3, 3, 3)


def test_putting_a_corpus_in_the_queue_hands_its_notes_out(project, manager):
    make_corpus(project, 1)
    archive = second_corpus(project, 2)
    (user,) = annotators(project, 1)
    label_all(user, project)
    set_role(manager, archive, Corpus.Role.QUEUE)
    assert tasks.next_assignment(user, project).document.corpus_id == archive.pk
    assert tasks.progress(user, project)["documents"] == 3
    event = AuditEvent.objects.get(verb="corpus.role")
    assert event.details["old"] == "aside" and event.details["new"] == "queue"
    with pytest.raises(CorpusRoleError, match="one of queue, aside"):
        set_role(manager, archive, "hidden")


def test_the_corpus_page_shows_and_changes_the_role(client, login, project, manager, annotator):
    corpus = make_corpus(project, 2)
    login(manager)
    url = reverse("corpus-detail", args=[project.pk, corpus.pk])
    page = client.get(url).content.decode()
    assert "In the labeling queue" in page and 'id="corpus-role-form"' in page
    response = client.post(reverse("corpus-role", args=[project.pk, corpus.pk]), {"role": "aside"})
    assert response.status_code == 302 and response["Location"] == url
    corpus.refresh_from_db()
    assert corpus.role == Corpus.Role.ASIDE and "Kept aside" in client.get(url).content.decode()
    overview = client.get(reverse("project-detail", args=[project.pk])).content.decode()
    assert "0 documents in the labeling queue (0 of 1 corpora; the others are kept aside)" in overview
    login(annotator)
    assert client.post(reverse("corpus-role", args=[project.pk, corpus.pk]), {"role": "queue"}).status_code == 403
    assert 'id="corpus-role-form"' not in client.get(url).content.decode()


def test_the_api_shows_and_changes_the_role(client, login, project, manager, annotator):
    corpus = make_corpus(project, 2)
    url = reverse("api-corpus-detail", kwargs={"project_pk": project.pk, "pk": corpus.pk})
    login(annotator)
    assert client.get(url).json()["role"] == "queue"
    assert client.patch(url, {"role": "aside"}, content_type="application/json").status_code == 403
    login(manager)
    changed = client.patch(url, {"role": "aside"}, content_type="application/json")
    assert changed.status_code == 200 and changed.json()["role"] == "aside"
    assert client.patch(url, {"role": "gone"}, content_type="application/json").status_code == 400


def test_a_snapshot_freezes_the_queued_corpora_or_those_chosen(project, manager, artifacts,
                                                                django_capture_on_commit_callbacks):
    make_corpus(project, 4)
    archive = second_corpus(project, 2, role=Corpus.Role.QUEUE)
    (user,) = annotators(project, 1)
    label_all(user, project)
    set_role(manager, archive, Corpus.Role.ASIDE)

    def freeze(**chosen):
        with django_capture_on_commit_callbacks(execute=True):
            snapshot = snapshots.start_snapshot(manager, project, name="S", **chosen)
        execution.execute(snapshot.job_id, "w@host", {})
        return DatasetSnapshot.objects.get(pk=snapshot.pk)

    default = freeze()
    assert default.row_count == 4 and list(default.corpora.all()) == list(project.corpora.filter(name="Notes"))
    both = freeze(corpora=list(project.corpora.values_list("id", flat=True)))
    assert both.row_count == 6 and both.corpora.count() == 2
    importing = Corpus.objects.create(project=project, name="Late", status=Corpus.Status.IMPORTING)
    with pytest.raises(snapshots.SnapshotError, match="ready corpora of this project"):
        snapshots.start_snapshot(manager, project, name="S", corpora=[importing.pk])


def test_disagreements_and_agreement_come_from_the_queued_corpora_only(project):
    make_corpus(project, 1)
    aside = second_corpus(project, 1)
    first, second = annotators(project, 2)
    note = aside.documents.get()
    for user, label in ((first, "Cardiology"), (second, "Neurology")):  # a disagreement left on a set-aside note
        annotation = Annotation.objects.create(document=note, annotator=user)
        annotation.labels.set([label_id(project, label)])
    assert review.disagreements(project) == ([], None) and review.next_disagreement(project, 0) is None
    assert agreement.project_agreement(project)["documents_compared"] == 0
    Corpus.objects.filter(pk=aside.pk).update(role=Corpus.Role.QUEUE)
    assert [document.pk for document in review.disagreements(project)[0]] == [note.pk]
    assert agreement.project_agreement(project)["documents_compared"] == 1
