"""Cleaning in shards: any number of shards gives the corpus and report one shard gives, byte for byte; a shard whose
worker died is done again alone; a failed shard fails the job; a cancelled job's shards stop; and through two real
workers, both take shards of one cleaning."""

import random
import re
import subprocess

import pytest
from django.urls import reverse
from django.utils import timezone

from labeling.models import Document
from studio import artifacts, dispatch
from studio.models import Job
from tests.support.phi_notes import LISTED, body, generate, near_copy
from tests.support.worker import WorkerProcess, wait_for
from tests.labeling.test_tasks import make_corpus
from tests.training.test_cleaning import clean
from training.cleaning import passes, shards
from training.cleaning.service import start_cleaning
from training.models import CleaningOutcome, CleaningRun, CleaningShard

REPORT = ("documents_in", "documents_out", "drops", "changes", "deidentified", "clusters", "found_by", "boilerplate",
          "samples")
SETTINGS = {"replacement": "surrogate", "shift_dates": True}


def result(run):
    """What a cleaning made, by external id (document ids differ between runs): the notes, the outcomes, the report."""
    run.refresh_from_db()
    source = dict(Document.objects.filter(corpus=run.source).values_list("id", "external_id"))
    derived = dict(Document.objects.filter(corpus=run.output).values_list("id", "external_id"))
    notes = list(run.output.documents.order_by("id").values_list("external_id", "text", "meta", "split",
                                                                  "content_hash"))
    outcomes = [(source[o.source_id], derived.get(o.document_id), o.dropped_by, o.changed_by, source.get(o.cluster))
                for o in CleaningOutcome.objects.filter(run=run).order_by("source_id")]
    report = {name: getattr(run, name) for name in REPORT}
    for sample in report["samples"]:
        sample["source"] = source[sample["source"]]
    return notes, outcomes, report


def sharded(settings, size):
    settings.STUDIO_CLEAN_SHARD_DOCUMENTS = size


@pytest.mark.django_db
def test_any_number_of_shards_gives_the_same_corpus(settings, tmp_path, project, manager, raw_corpus,
                                                    django_capture_on_commit_callbacks):
    settings.STUDIO_ARTIFACTS_DIR = tmp_path
    whole = clean(manager, project, raw_corpus, django_capture_on_commit_callbacks, **SETTINGS)
    assert whole.status == "done" and whole.shards.filter(phase="scan").count() == 1
    for size in (3, 7):  # the exact repeats and the near-copy of the fixture lie in other shards than their originals
        sharded(settings, size)
        run = clean(manager, project, raw_corpus, django_capture_on_commit_callbacks, **SETTINGS)
        assert run.status == "done", Job.objects.get(pk=run.job_id).error
        assert run.shards.filter(phase="scan").count() == -(-20 // size)
        assert set(run.shards.values_list("phase", flat=True)) == {"lines", "scan", "write"}
        assert result(run) == result(whole)
        assert not artifacts.store().exists(run.folder)  # the shards' files (note text) are gone with the run done
    assert result(whole)[2]["drops"] == {"exact_duplicate": 2, "near_duplicate": 1, "too_short": 1}


@pytest.mark.django_db
def test_the_run_page_and_api_show_each_pass_s_shards(client, login, settings, tmp_path, project, manager, raw_corpus,
                                                     django_capture_on_commit_callbacks):
    settings.STUDIO_ARTIFACTS_DIR = tmp_path
    sharded(settings, 7)
    with django_capture_on_commit_callbacks(execute=True):
        run = start_cleaning(manager, project, raw_corpus, {"boilerplate_min_documents": 5})
    planned = shards.plan(run, "lines")
    shards.run_shard(planned[0].pk, "other@elsewhere")
    CleaningShard.objects.filter(pk=planned[1].pk).update(status="running", worker="w2@host")
    login(manager)
    page_url = reverse("cleaning-run", args=[project.pk, run.pk])
    running = client.get(page_url).content.decode()
    assert re.search(r"<td>Counting repeated lines</td><td>20</td>\s*<td>1 of 3</td>\s*"
                     r'<td>1 <span class="muted">\(w2@host\)</span></td>\s*<td>other@elsewhere \(1\)</td>',
                     running), running
    CleaningShard.objects.filter(pk=planned[1].pk).update(status="pending", worker="")
    from studio.jobs import execution
    execution.execute(run.job_id, "w@host", {})
    page = client.get(page_url).content.decode()
    assert re.search(r"<td>Counting repeated lines</td><td>20</td>\s*<td>3 of 3</td>\s*<td>0</td>\s*"
                     r"<td>other@elsewhere \(1\), w@host \(2\)</td>", page), page
    assert "<td>Cleaning</td>" in page and "<td>De-identifying</td>" in page
    detail = client.get(reverse("api-cleaning-run", args=[project.pk, run.pk])).json()
    assert detail["shards"][0] == {"phase": "lines", "label": "Counting repeated lines", "total": 3, "done": 3,
                                   "running": 0, "failed": 0, "notes": 20,
                                   "workers": {"other@elsewhere": 1, "w@host": 2}, "at_work": []}
    assert [row["phase"] for row in detail["shards"]] == ["lines", "scan", "write"]


@pytest.mark.django_db
def test_with_the_broker_down_the_job_does_every_shard_itself(settings, tmp_path, project, manager, raw_corpus,
                                                              django_capture_on_commit_callbacks, monkeypatch):
    settings.STUDIO_ARTIFACTS_DIR = tmp_path
    whole = clean(manager, project, raw_corpus, django_capture_on_commit_callbacks)
    sharded(settings, 7)

    def refused(*args, **kwargs):
        raise dispatch.BrokerUnavailable("The task broker is unreachable: connection refused")

    monkeypatch.setattr(dispatch, "send_group", refused)
    run = clean(manager, project, raw_corpus, django_capture_on_commit_callbacks)
    job = Job.objects.get(pk=run.job_id)
    assert run.status == "done", job.error
    assert "Other workers could not be asked to help (The task broker is unreachable: connection refused); this " \
           "job does the shards itself" in job.log
    assert set(run.shards.values_list("worker", flat=True)) == {"w@host"} and result(run) == result(whole)


def _dead_pid():
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


@pytest.mark.django_db
@pytest.mark.parametrize("silence", ["died here", "stopped beating elsewhere"])
def test_a_shard_whose_worker_died_is_done_again_alone(silence, settings, tmp_path, project, manager, raw_corpus,
                                                       django_capture_on_commit_callbacks):
    settings.STUDIO_ARTIFACTS_DIR = tmp_path
    whole = clean(manager, project, raw_corpus, django_capture_on_commit_callbacks)
    sharded(settings, 5)
    with django_capture_on_commit_callbacks(execute=True):
        run = start_cleaning(manager, project, raw_corpus, {"boilerplate_min_documents": 5, "names": LISTED})
    planned = shards.plan(run, "lines")
    if silence == "died here":  # a pool process of the job's own worker, gone
        held = {"worker": "w@host", "worker_pid": _dead_pid(), "heartbeat_at": timezone.now()}
    else:  # another machine's worker, silent for longer than a worker may be
        held = {"worker": "other@elsewhere", "worker_pid": 4321,
                "heartbeat_at": timezone.now() - timezone.timedelta(seconds=settings.STUDIO_JOB_STALE_SECONDS + 1)}
    CleaningShard.objects.filter(pk=planned[1].pk).update(status="running", starts=1, **held)

    from studio.jobs import execution
    execution.execute(run.job_id, "w@host", {})
    run.refresh_from_db()
    job = Job.objects.get(pk=run.job_id)
    assert run.status == "done", job.error
    starts = dict(run.shards.filter(phase="lines").values_list("index", "starts"))
    assert starts == {0: 1, 1: 2, 2: 1, 3: 1}  # the silent shard taken once more, the others once
    assert f"Shard 2 (counting repeated lines) of the cleaning of {raw_corpus} stopped answering on " \
           f"{held['worker']}: sent again, alone" in job.log
    assert result(run) == result(whole)


@pytest.mark.django_db
def test_a_failed_shard_fails_the_cleaning_and_leaves_nothing(settings, tmp_path, project, manager, raw_corpus,
                                                              django_capture_on_commit_callbacks, monkeypatch):
    settings.STUDIO_ARTIFACTS_DIR = tmp_path
    sharded(settings, 5)
    with django_capture_on_commit_callbacks(execute=True):
        run = start_cleaning(manager, project, raw_corpus, {"boilerplate_min_documents": 5})
    first, second = shards.plan(run, "lines")[:2]
    shards.run_shard(first.pk, "other@elsewhere")  # done by another worker
    assert CleaningShard.objects.get(pk=first.pk).status == "done" and artifacts.store().exists(passes.shard_file(run, first, "npz"))

    def broken(run, shard, beat):
        raise ValueError("a note this pass cannot read")

    monkeypatch.setitem(passes.PASSES, "lines", broken)
    shards.run_shard(second.pk, "other@elsewhere")
    failed = CleaningShard.objects.get(pk=second.pk)
    assert failed.status == "failed" and failed.error == "ValueError: a note this pass cannot read"
    monkeypatch.undo()

    from studio.jobs import execution
    execution.execute(run.job_id, "w@host", {})
    run.refresh_from_db()
    job = Job.objects.get(pk=run.job_id)
    assert run.status == "failed" and job.status == "failed"
    assert job.error == (f"ShardFailed: Shard 2 (counting repeated lines) of the cleaning of {raw_corpus} failed on "
                         "other@elsewhere: ValueError: a note this pass cannot read")
    assert run.output is None and not CleaningShard.objects.filter(run=run).exists() and not artifacts.store().exists(run.folder)


@pytest.mark.django_db
def test_a_cancelled_cleaning_s_shards_are_not_taken(settings, tmp_path, project, manager, raw_corpus,
                                                      django_capture_on_commit_callbacks):
    settings.STUDIO_ARTIFACTS_DIR = tmp_path
    sharded(settings, 5)
    with django_capture_on_commit_callbacks(execute=True):
        run = start_cleaning(manager, project, raw_corpus, {})
    planned = shards.plan(run, "lines")
    Job.objects.filter(pk=run.job_id).update(cancel_requested=True)
    shards.run_shard(planned[0].pk, "other@elsewhere")
    assert CleaningShard.objects.get(pk=planned[0].pk).status == "pending"
    assert not artifacts.store().exists(passes.shard_file(run, planned[0], "npz"))


def many_notes(project, count):
    corpus = make_corpus(project, 0)
    rng = random.Random(5)
    texts = [f"{text}\n{body(rng, 8)}\nPrinted copy, do not file" for text, _planted in generate(count, seed=21)]
    texts = [near_copy(texts[rng.randrange(index)], rng, 2) if index > 20 and rng.random() < 0.1 else text
             for index, text in enumerate(texts)]
    Document.objects.bulk_create(Document(corpus=corpus, external_id=f"n{i}", text=text, content_hash=str(i),
                                          length=len(text)) for i, text in enumerate(texts))
    corpus.document_count = count
    corpus.save()
    return corpus


@pytest.mark.worker
@pytest.mark.parametrize("artifacts_in", ["a shared folder", "the object store"])
def test_two_workers_share_a_cleaning_s_shards(artifacts_in, request, transactional_db, tmp_path, settings, manager,
                                               project, django_capture_on_commit_callbacks):
    """On one machine the workers share the artifacts folder; on two they share only the store, each its own
    folder, and each shard's files reach the merge through the store."""
    from studio.celery import app

    store = request.getfixturevalue("object_store") if artifacts_in == "the object store" else None
    settings.STUDIO_ARTIFACTS_DIR = tmp_path if store is None else store.cache
    corpus = many_notes(project, 2400)
    whole = clean(manager, project, corpus, django_capture_on_commit_callbacks)
    assert whole.status == "done"
    app.control.purge()
    workers = [WorkerProcess(queues="cpu", artifacts_dir=tmp_path if store is None else tmp_path / f"machine-{index}")
               for index in range(2)]
    for worker in workers:
        worker.env["STUDIO_CLEAN_SHARD_DOCUMENTS"] = "400"  # a third of a second's work a shard and pass
        worker.env.update(store.env if store else {})
        worker.start()
    try:
        with django_capture_on_commit_callbacks(execute=True):
            run = start_cleaning(manager, project, corpus, {"boilerplate_min_documents": 5, "names": LISTED})
        assert wait_for(lambda: CleaningRun.objects.get(pk=run.pk).status in ("done", "failed"), timeout=240), \
            "\n".join(worker.log(40) for worker in workers)
    finally:
        for worker in workers:
            worker.stop()
    run.refresh_from_db()
    job = Job.objects.get(pk=run.job_id)
    assert run.status == "done", job.error
    assert run.shards.count() == 3 * 6 and set(run.shards.values_list("status", flat=True)) == {"done"}
    assert set(run.shards.values_list("worker", flat=True)) == {worker.name for worker in workers}, job.log
    assert result(run) == result(whole)
    if store is not None:
        assert store.keys("cleaning/") == []  # the shards' files (note text) leave the store with the run done

