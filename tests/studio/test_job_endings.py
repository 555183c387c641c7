"""However a job ends, its run record follows it and what it left half-made is removed: the job's
own success or failure, a cancel while queued or while running, the reaper giving up after the
most starts, and the broker refusing the message. Checked on an import (its corpus) and a cleaning
(its run record and output corpus)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from labeling.models import Corpus, Document
from labeling.services import imports, search
from studio import dispatch
from studio.jobs import execution
from studio.jobs import service as jobs_service
from studio.jobs.reporter import JobCancelled
from studio.models import Job
from training.cleaning import run as cleaning_run
from training.cleaning.service import start_cleaning
from training.models import CleaningRun

from ..support.importing import upload

NOTES = "".join(f"n{i},Patient {i} reports chest pain for {i} days and shortness of breath\n" for i in range(30))
CSV = ("id,text\n" + NOTES).encode()


@pytest.fixture
def start_import(manager, project, sent, artifacts, django_capture_on_commit_callbacks):
    def start():
        stored = upload(manager, project, "notes.csv", CSV)
        with django_capture_on_commit_callbacks(execute=True):
            corpus, job = imports.start_import(manager, stored, name="Notes", format="csv", text_field="text",
                                               id_field="id")
        return corpus, job
    return start


@pytest.fixture
def ready_corpus(start_import):
    corpus, job = start_import()
    assert execution.execute(job.pk, "w@host", {}) == Job.Status.SUCCEEDED
    corpus.refresh_from_db()
    return corpus


@pytest.fixture
def start_clean(manager, project, ready_corpus, django_capture_on_commit_callbacks):
    def start():
        with django_capture_on_commit_callbacks(execute=True):
            run = start_cleaning(manager, project, ready_corpus, {"min_chars": 5})
        return run
    return start


def half_written(corpus, count=7):
    """What a worker that died mid-import leaves: some documents, the corpus still importing."""
    Document.objects.bulk_create(Document(corpus=corpus, external_id=f"half{i}", text=f"partial {i}",
                                          content_hash=f"half{i}", length=9) for i in range(count))
    Corpus.objects.filter(pk=corpus.pk).update(status=Corpus.Status.IMPORTING)


def assert_no_half_corpus(corpus):
    corpus.refresh_from_db()
    assert corpus.status == Corpus.Status.FAILED and corpus.document_count == 0
    assert not Document.objects.filter(corpus=corpus).exists()


def assert_cleaning_left_nothing(run, status):
    run.refresh_from_db()
    assert run.status == status and run.output_id is None
    assert not Corpus.objects.filter(kind=Corpus.Kind.CLEANED).exists()
    assert Corpus.objects.get(pk=run.source_id).role == Corpus.Role.QUEUE  # the source keeps its place in the queue


@pytest.mark.django_db
def test_success_marks_the_run_done_and_the_corpus_ready(start_import, start_clean):
    corpus, job = start_import()
    assert execution.execute(job.pk, "w@host", {}) == Job.Status.SUCCEEDED
    corpus.refresh_from_db()
    assert corpus.status == Corpus.Status.READY and corpus.document_count == 30
    run = start_clean()
    assert run.status == CleaningRun.Status.RUNNING and run.job.status == Job.Status.QUEUED
    assert execution.execute(run.job_id, "w@host", {}) == Job.Status.SUCCEEDED
    run.refresh_from_db()
    assert run.status == CleaningRun.Status.DONE and run.output.status == Corpus.Status.READY


@pytest.mark.django_db
def test_a_failure_fails_the_run_and_removes_the_half_corpus(start_import, start_clean, monkeypatch):
    corpus, job = start_import()
    monkeypatch.setattr(imports, "refresh_statistics", lambda: 1 / 0)  # after every row was written
    assert execution.execute(job.pk, "w@host", {}) == Job.Status.FAILED
    assert_no_half_corpus(corpus)
    monkeypatch.undo()
    run = start_clean()
    monkeypatch.setattr(cleaning_run, "_move_annotations", lambda *args: 1 / 0)
    assert execution.execute(run.job_id, "w@host", {}) == Job.Status.FAILED
    assert_cleaning_left_nothing(run, CleaningRun.Status.FAILED)


@pytest.mark.django_db
def test_an_import_stopped_while_indexing_for_search_keeps_its_ready_corpus(start_import, monkeypatch):
    corpus, job = start_import()
    monkeypatch.setattr(search, "index_corpus", lambda *args, **kwargs: 1 / 0)  # the notes are in; the index fails
    assert execution.execute(job.pk, "w@host", {}) == Job.Status.FAILED
    corpus.refresh_from_db()
    assert corpus.status == Corpus.Status.READY and corpus.documents.count() == corpus.document_count == 30
    monkeypatch.undo()
    retried = jobs_service.retry_job(job.created_by, Job.objects.get(pk=job.pk))  # indexes; never reads the file again
    assert execution.execute(retried.pk, "w@host", {}) == Job.Status.SUCCEEDED
    corpus.refresh_from_db()
    assert corpus.status == Corpus.Status.READY and corpus.documents.count() == 30 and search.pending(corpus) == 0


@pytest.mark.django_db
def test_a_cancel_while_queued_cancels_the_run_and_removes_the_half_corpus(start_import, start_clean, manager):
    corpus, job = start_import()
    half_written(corpus)  # a first start died mid-way; the reaper queued the job again
    jobs_service.cancel_job(manager, job)
    assert Job.objects.get(pk=job.pk).status == Job.Status.CANCELLED
    assert_no_half_corpus(corpus)
    run = start_clean()
    jobs_service.cancel_job(manager, run.job)
    assert execution.execute(run.job_id, "w@host", {}) is None  # a late delivery does nothing
    assert_cleaning_left_nothing(run, CleaningRun.Status.CANCELLED)


@pytest.mark.django_db
def test_a_cancel_while_running_cancels_the_run_and_removes_the_half_corpus(start_import, start_clean, manager,
                                                                           monkeypatch):
    def cancelled_midway(*args):
        jobs_service.cancel_job(manager, Job.objects.filter(status=Job.Status.RUNNING).get())
        raise JobCancelled()

    corpus, job = start_import()
    monkeypatch.setattr(imports, "refresh_statistics", cancelled_midway)
    assert execution.execute(job.pk, "w@host", {}) == Job.Status.CANCELLED
    assert_no_half_corpus(corpus)
    monkeypatch.undo()
    run = start_clean()
    monkeypatch.setattr(cleaning_run, "_move_annotations", cancelled_midway)
    assert execution.execute(run.job_id, "w@host", {}) == Job.Status.CANCELLED
    assert_cleaning_left_nothing(run, CleaningRun.Status.CANCELLED)


def gave_up_on(job, settings):
    """The job's worker died on its last allowed start: its heartbeat is old, its starts used up."""
    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.RUNNING, starts=settings.STUDIO_JOB_MAX_STARTS, worker="w@host", claim="gone",
        heartbeat_at=timezone.now() - timedelta(seconds=settings.STUDIO_JOB_STALE_SECONDS + 60))


@pytest.mark.django_db
def test_the_reaper_giving_up_fails_the_run_and_removes_the_half_corpus(start_import, start_clean, settings):
    corpus, job = start_import()
    half_written(corpus)
    gave_up_on(job, settings)
    assert jobs_service.reap_stale_jobs() == [job.pk]
    assert "Stopped after" in Job.objects.get(pk=job.pk).error
    assert_no_half_corpus(corpus)
    run = start_clean()
    output = Corpus.objects.create(project=run.project, name="half cleaned", kind=Corpus.Kind.CLEANED,
                                   parent=run.source, status=Corpus.Status.IMPORTING)
    CleaningRun.objects.filter(pk=run.pk).update(output=output)
    half_written(output)
    gave_up_on(run.job, settings)
    jobs_service.reap_stale_jobs()
    assert_cleaning_left_nothing(run, CleaningRun.Status.FAILED)


@pytest.mark.django_db
def test_a_claim_past_the_most_starts_fails_the_run(start_clean, settings):
    run = start_clean()
    Job.objects.filter(pk=run.job_id).update(starts=settings.STUDIO_JOB_MAX_STARTS)
    assert execution.execute(run.job_id, "w@host", {}) is None
    assert_cleaning_left_nothing(run, CleaningRun.Status.FAILED)


@pytest.mark.django_db
def test_a_broker_refusal_fails_the_run(start_clean, monkeypatch):
    def refused(name, args, queue, priority=None):
        raise dispatch.BrokerUnavailable("The task broker is unreachable: connection refused")

    monkeypatch.setattr(dispatch, "send", refused)
    run = start_clean()
    run.refresh_from_db()
    assert run.job.status == Job.Status.FAILED and "could not be sent" in run.job.error
    assert run.status == CleaningRun.Status.FAILED


@pytest.mark.django_db
def test_a_retry_attaches_the_run_to_the_new_attempt(start_clean, manager, monkeypatch):
    run = start_clean()
    monkeypatch.setattr(cleaning_run, "_move_annotations", lambda *args: 1 / 0)
    execution.execute(run.job_id, "w@host", {})
    monkeypatch.undo()
    again = jobs_service.retry_job(manager, Job.objects.get(pk=run.job_id))
    run.refresh_from_db()
    assert run.job_id == again.pk and run.status == CleaningRun.Status.RUNNING
    assert execution.execute(again.pk, "w@host", {}) == Job.Status.SUCCEEDED
    run.refresh_from_db()
    assert run.status == CleaningRun.Status.DONE and run.output.status == Corpus.Status.READY
