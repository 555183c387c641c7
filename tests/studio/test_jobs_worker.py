"""Jobs through real worker processes, over the configured broker and database."""

import pytest
from django.utils import timezone

from studio.celery import app
from studio.jobs import service as jobs_service
from tests.support.worker import WorkerProcess, wait_for
from training import selftest

pytestmark = pytest.mark.worker


@pytest.fixture
def artifacts(tmp_path, settings):
    settings.STUDIO_ARTIFACTS_DIR = tmp_path
    return tmp_path


@pytest.fixture
def worker(transactional_db, artifacts):
    app.control.purge()
    process = WorkerProcess(artifacts_dir=artifacts).start()
    yield process
    process.stop()


def start(manager, project, **params):
    return jobs_service.start_job(manager, "selftest", {"step_seconds": 0, **params}, project=project)


def reload(job):
    job.refresh_from_db()
    return job


def test_a_job_reports_progress_and_metrics_while_it_runs_and_succeeds(worker, manager, project):
    job = start(manager, project, steps=40, step_seconds=0.1)
    seen_running = wait_for(lambda: reload(job).status == "running" and 0 < job.progress < 1 and job.metric_points.exists(), timeout=30)
    assert seen_running, worker.log()
    assert job.worker == worker.name and job.device["kind"] in {"cpu", "cuda"}
    assert wait_for(lambda: reload(job).status == "succeeded", timeout=30), worker.log()
    weights, loss = selftest.fit(40, 13)
    assert job.metrics["w1"] == pytest.approx(weights[0]) and job.metrics["final_loss"] == pytest.approx(loss)
    assert job.metric_points.filter(name="loss").count() == 40


def test_a_cancelled_job_stops_and_the_worker_takes_the_next(worker, manager, project):
    job = start(manager, project, steps=1000, step_seconds=0.05)
    assert wait_for(lambda: reload(job).status == "running" and job.progress > 0, timeout=30), worker.log()
    asked = timezone.now()
    jobs_service.cancel_job(manager, job)
    assert wait_for(lambda: reload(job).status == "cancelled", timeout=10), worker.log()
    assert (job.finished_at - asked).total_seconds() < 2.5  # one reporter interval plus one step
    assert job.progress < 1
    following = start(manager, project, steps=5)
    assert wait_for(lambda: reload(following).status == "succeeded", timeout=30), worker.log()


def test_the_same_job_delivered_twice_at_once_runs_once(transactional_db, artifacts, manager, project):
    app.control.purge()
    worker = WorkerProcess(concurrency=2, artifacts_dir=artifacts).start()
    try:
        job = start(manager, project, steps=30, step_seconds=0.05)
        app.send_task("workers.run_job", args=[job.pk], queue="cpu")  # a duplicate delivery
        assert wait_for(lambda: reload(job).status == "succeeded", timeout=60), worker.log()
    finally:
        worker.stop()
    assert job.starts == 1
    assert job.log.count("Training 30 steps from scratch") == 1
    assert job.metric_points.filter(name="loss").count() == 30


def test_a_failing_job_shows_its_error(worker, manager, project):
    job = start(manager, project, steps=10, fail_at_step=3)
    assert wait_for(lambda: reload(job).status == "failed", timeout=30), worker.log()
    assert job.error == "RuntimeError: The self-test was asked to fail at step 3."
    assert "Traceback" in job.traceback


def test_a_crash_looping_job_stops_after_the_attempt_limit(worker, manager, project):
    job = start(manager, project, steps=10, crash_at_step=5, checkpoint_every=2)
    assert wait_for(lambda: reload(job).status == "failed", timeout=90), worker.log(80)
    assert job.starts == 3
    assert "Stopped after 3 starts" in job.error
    # The worker survived its pool process being killed three times and still takes jobs.
    following = start(manager, project, steps=3)
    assert wait_for(lambda: reload(following).status == "succeeded", timeout=30), worker.log()


def test_a_job_resumes_from_its_checkpoint_after_its_worker_is_killed(transactional_db, artifacts, manager, project):
    app.control.purge()
    first = WorkerProcess(artifacts_dir=artifacts).start()
    job = start(manager, project, steps=80, step_seconds=0.05, checkpoint_every=10)
    try:
        assert wait_for(lambda: reload(job).progress >= 0.4, timeout=30), first.log()
    finally:
        first.kill()
    killed_at = reload(job).progress
    assert job.status == "running" and killed_at < 1
    second = WorkerProcess(artifacts_dir=artifacts).start()
    try:
        assert wait_for(lambda: reload(job).status == "succeeded", timeout=60), second.log(80)
    finally:
        second.stop()
    assert job.starts == 2 and job.worker == second.name
    assert job.metrics["resumed_from_step"] >= 30  # from its checkpoint, not from step 0
    weights, loss = selftest.fit(80, 13)
    assert [job.metrics["w1"], job.metrics["w2"], job.metrics["bias"]] == weights  # exactly an uninterrupted run
    assert job.metrics["final_loss"] == loss
    steps = list(job.metric_points.filter(name="loss").values_list("step", flat=True))
    assert steps == list(range(1, 81))  # points after the checkpoint were logged once, not twice
    assert "Resuming from the checkpoint" in job.log
