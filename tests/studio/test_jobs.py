"""The job backbone without a worker: kinds, Reporter, claiming, cancel, retry, recovery, pages and API."""

import logging
import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from labeling.models import Role
from studio import dispatch
from studio.jobs import execution, kinds
from studio.jobs import service as jobs_service
from studio.jobs.reporter import JobCancelled, JobLost, Reporter, cap_log
from studio.models import AuditEvent, Job, MetricPoint
from studio.redaction import redact
from training import selftest


@pytest.fixture
def job(project, manager, sent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return jobs_service.start_job(manager, "selftest", {"steps": 30, "step_seconds": 0}, project=project)


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


# --- kinds and params -----------------------------------------------------------------------


def test_params_are_validated_and_defaults_filled():
    kind = kinds.get("selftest")
    clean = kind.clean_params({"steps": "12", "queue": "gpu"})
    assert clean["steps"] == 12 and clean["queue"] == "gpu" and clean["checkpoint_every"] == 20
    assert kind.queue_for(clean) == "gpu"


@pytest.mark.parametrize(
    "params,message",
    [
        ({"steps": 0}, "steps: must be at least 1"),
        ({"steps": "many"}, "steps: expected int"),
        ({"steps": 2.5}, "steps: expected a whole number"),
        ({"queue": "tpu"}, "queue: must be one of cpu, gpu"),
        ({"learning_rate": 1}, "learning_rate: not a parameter of selftest"),
        ([1, 2], "params: expected an object"),
    ],
)
def test_bad_params_name_the_parameter(params, message):
    with pytest.raises(kinds.SettingsError, match=message):
        kinds.get("selftest").clean_params(params)


def test_an_unknown_kind_is_refused():
    with pytest.raises(kinds.SettingsError, match="unknown job kind 'nope'"):
        kinds.get("nope")


# --- enqueue, cancel, retry -----------------------------------------------------------------


def test_a_job_is_sent_only_after_its_transaction_commits(project, manager, sent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = jobs_service.start_job(manager, "selftest", {}, project=project)
        assert sent == []
    assert len(callbacks) == 1
    callbacks[0]()
    assert sent == [("workers.run_job", [job.pk], "cpu")]
    assert AuditEvent.objects.filter(verb="job.start", target_id=str(job.pk)).exists()


def test_a_job_that_cannot_be_sent_fails_with_the_reason(project, manager, monkeypatch, django_capture_on_commit_callbacks):
    def refuse(*args):
        raise dispatch.BrokerUnavailable("The task broker is unreachable: connection refused")

    monkeypatch.setattr(dispatch, "send", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        job = jobs_service.start_job(manager, "selftest", {}, project=project)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert "could not be sent to a worker" in job.error and "connection refused" in job.error


def test_cancelling_a_queued_job_ends_it_at_once(job, manager):
    jobs_service.cancel_job(manager, job)
    job.refresh_from_db()
    assert job.status == Job.Status.CANCELLED and job.finished_at is not None
    assert execution.claim(job.pk, "w@host", {}) is None  # its message, delivered later, does nothing


def test_cancelling_a_running_job_asks_it_to_stop(job, manager):
    running = execution.claim(job.pk, "w@host", {"kind": "cpu"})
    jobs_service.cancel_job(manager, running)
    job.refresh_from_db()
    assert job.status == Job.Status.RUNNING and job.cancel_requested
    with pytest.raises(jobs_service.JobStateError):
        jobs_service.retry_job(manager, job)


def test_a_finished_job_cannot_be_cancelled(job, manager):
    Job.objects.filter(pk=job.pk).update(status=Job.Status.SUCCEEDED)
    with pytest.raises(jobs_service.JobStateError, match="succeeded already"):
        jobs_service.cancel_job(manager, job)


def test_retry_makes_a_new_attempt_with_the_same_params(job, manager, sent, django_capture_on_commit_callbacks):
    Job.objects.filter(pk=job.pk).update(status=Job.Status.FAILED)
    job.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        again = jobs_service.retry_job(manager, job)
    assert (again.attempt, again.retry_of_id, again.params, again.status) == (2, job.pk, job.params, Job.Status.QUEUED)
    assert sent[-1] == ("workers.run_job", [again.pk], "cpu")


# --- claiming and recovery ------------------------------------------------------------------


def test_a_second_delivery_of_a_running_job_does_nothing(job):
    first = execution.claim(job.pk, "a@host", {})
    assert first is not None and first.starts == 1
    assert execution.claim(job.pk, "b@host", {}) is None
    job.refresh_from_db()
    assert job.starts == 1 and job.worker == "a@host"


def test_a_delivery_after_the_heartbeat_went_stale_takes_over(job, settings):
    execution.claim(job.pk, "a@host", {})
    Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - timedelta(seconds=settings.STUDIO_JOB_STALE_SECONDS + 1))
    again = execution.claim(job.pk, "b@host", {})
    assert again is not None and again.starts == 2 and again.worker == "b@host"
    assert again.message == "Resuming after its worker stopped"


def test_a_redelivery_on_the_same_worker_whose_process_died_takes_over_at_once(job):
    execution.claim(job.pk, "a@host", {})
    Job.objects.filter(pk=job.pk).update(worker_pid=2**22 + 12345)  # no such process
    assert execution.claim(job.pk, "a@host", {}).starts == 2


def test_the_old_run_cannot_write_after_a_take_over(job, settings):
    first = execution.claim(job.pk, "a@host", {})
    reporter = Reporter(first, interval=0)
    Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - timedelta(days=1))
    execution.claim(job.pk, "b@host", {})
    with pytest.raises(JobLost):
        reporter.progress(0.5, "old run")
    job.refresh_from_db()
    assert job.message != "old run"


def test_the_reaper_requeues_a_silent_job_and_stops_one_that_keeps_dying(job, settings, sent, django_capture_on_commit_callbacks):
    settings.STUDIO_JOB_MAX_STARTS = 2
    long_ago = timezone.now() - timedelta(seconds=settings.STUDIO_JOB_STALE_SECONDS + 5)
    execution.claim(job.pk, "a@host", {})
    Job.objects.filter(pk=job.pk).update(heartbeat_at=long_ago)
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs_service.reap_stale_jobs() == [job.pk]
    job.refresh_from_db()
    assert job.status == Job.Status.QUEUED and "stopped answering" in job.message
    assert sent[-1] == ("workers.run_job", [job.pk], "cpu")
    execution.claim(job.pk, "b@host", {})
    Job.objects.filter(pk=job.pk).update(heartbeat_at=long_ago)
    jobs_service.reap_stale_jobs()
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and "Stopped after 2 starts" in job.error


def test_the_reaper_leaves_beating_jobs_alone(job):
    execution.claim(job.pk, "a@host", {})
    assert jobs_service.reap_stale_jobs() == []


# --- the Reporter -----------------------------------------------------------------------------


def test_the_reporter_writes_at_most_once_per_interval(job):
    clock = FakeClock()
    reporter = Reporter(execution.claim(job.pk, "a@host", {}), interval=1.0, clock=clock)
    for step in range(10_000):
        clock.now += 0.001  # ten seconds of a fast loop
        reporter.progress(step / 10_000, f"step {step}")
        reporter.metric("loss", step, 1 / (step + 1))
        reporter.check_cancel()
    assert 9 <= reporter.flushes <= 10
    job.refresh_from_db()
    assert 0.89 < job.progress < 1 and job.message.startswith("step ")
    assert job.eta_seconds == pytest.approx(1.0, abs=0.2)
    points = list(MetricPoint.objects.filter(job=job, name="loss").values_list("step", flat=True))
    assert 0 < len(points) <= 10 * 2 * 200 and points == sorted(points)


def test_the_reporter_thins_a_fast_metric_but_keeps_the_latest_point(job):
    clock = FakeClock()
    reporter = Reporter(execution.claim(job.pk, "a@host", {}), interval=1.0, clock=clock)
    for step in range(5000):
        reporter.metric("loss", step, float(step))
    reporter.flush()
    steps = list(MetricPoint.objects.filter(job=job).values_list("step", flat=True))
    assert len(steps) < 400 and steps[-1] == 4999


def test_check_cancel_raises_once_cancel_is_requested(job, manager):
    clock = FakeClock()
    reporter = Reporter(execution.claim(job.pk, "a@host", {}), interval=1.0, clock=clock)
    reporter.check_cancel()
    jobs_service.cancel_job(manager, job)
    reporter.check_cancel()  # not yet read: less than one interval passed
    clock.now += 1.0
    with pytest.raises(JobCancelled):
        reporter.check_cancel()


def test_the_log_keeps_its_tail():
    text = "\n".join(f"line {n}" for n in range(10_000))
    capped = cap_log(text, 1024)
    assert len(capped.encode()) <= 1024 + 80
    assert capped.startswith("[earlier lines dropped") and capped.endswith("line 9999")


def test_secrets_never_reach_errors_or_logs(settings, monkeypatch):
    monkeypatch.setenv("HUB_TOKEN", "hf_abcdefghijklmnop")
    text = f"key={settings.SECRET_KEY} url=postgres://studio:s3cret-pass@db:5432/x token hf_abcdefghijklmnop"
    cleaned = redact(text)
    assert settings.SECRET_KEY not in cleaned and "s3cret-pass" not in cleaned and "hf_abcdefghijklmnop" not in cleaned
    assert "postgres://studio:***@db:5432/x" in cleaned


# --- running in-process (the worker's code path, without the broker) --------------------------


def test_a_job_runs_to_success_with_metrics_curves_and_log(job, settings, tmp_path):
    settings.STUDIO_ARTIFACTS_DIR = tmp_path
    assert execution.execute(job.pk, "a@host", {"kind": "cpu"}) == Job.Status.SUCCEEDED
    job.refresh_from_db()
    weights, loss = selftest.fit(30, 13)
    assert job.progress == 1.0 and job.claim == "" and job.finished_at
    assert job.metrics["final_loss"] == pytest.approx(loss) and job.metrics["w1"] == pytest.approx(weights[0])
    assert job.metric_points.filter(name="loss").count() == 30
    assert "Training 30 steps from scratch" in job.log
    assert job.device == {"kind": "cpu"}


def test_a_failing_job_records_the_error_and_a_redacted_traceback(project, manager, sent, settings, tmp_path, django_capture_on_commit_callbacks):
    settings.STUDIO_ARTIFACTS_DIR = tmp_path
    with django_capture_on_commit_callbacks(execute=True):
        job = jobs_service.start_job(manager, "selftest", {"steps": 10, "step_seconds": 0, "fail_at_step": 4}, project=project)
    assert execution.execute(job.pk, "a@host", {}) == Job.Status.FAILED
    job.refresh_from_db()
    assert job.error == "RuntimeError: The self-test was asked to fail at step 4."
    assert "Traceback" in job.traceback and settings.SECRET_KEY not in job.traceback
    assert "ERROR RuntimeError" in job.log


def test_the_reporter_is_a_trainer_callback(job, settings, tmp_path):
    import torch
    from datasets import Dataset
    from transformers import BertConfig, BertForSequenceClassification, Trainer, TrainingArguments

    torch.manual_seed(0)
    config = BertConfig(vocab_size=50, hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32, num_labels=2)
    model = BertForSequenceClassification(config)
    data = Dataset.from_dict({"input_ids": [[1, 5, 7, 2]] * 8, "attention_mask": [[1, 1, 1, 1]] * 8, "labels": [0, 1] * 4})
    reporter = Reporter(execution.claim(job.pk, "a@host", {}), interval=0)
    arguments = TrainingArguments(
        output_dir=str(tmp_path), max_steps=4, per_device_train_batch_size=4, logging_steps=1, report_to=[],
        save_strategy="no", use_cpu=True, disable_tqdm=True,
    )
    Trainer(model=model, args=arguments, train_dataset=data, callbacks=[reporter.as_trainer_callback()]).train()
    reporter.flush()
    job.refresh_from_db()
    assert job.progress == 1.0 and job.message == "step 4 of 4"
    assert job.metric_points.filter(name="loss").count() == 4


def test_a_trainer_stops_when_the_job_is_cancelled(job, manager, tmp_path):
    from transformers import TrainerControl, TrainerState

    reporter = Reporter(execution.claim(job.pk, "a@host", {}), interval=0)
    callback = reporter.as_trainer_callback()
    jobs_service.cancel_job(manager, job)
    with pytest.raises(JobCancelled):
        callback.on_step_end(None, TrainerState(global_step=1, max_steps=10), TrainerControl())


def test_records_of_the_job_loggers_go_to_the_job_log(job, settings, tmp_path, monkeypatch):
    settings.STUDIO_ARTIFACTS_DIR = tmp_path

    def chatty(job, reporter):
        logging.getLogger("jobs.selftest").warning("almost out of disk")
        return {}

    monkeypatch.setattr(selftest, "run", chatty)
    execution.execute(job.pk, "a@host", {})
    job.refresh_from_db()
    assert "WARNING almost out of disk" in job.log


# --- pages and API ----------------------------------------------------------------------------


def test_the_job_page_shows_progress_log_and_a_curve(client, manager, job, settings, tmp_path):
    settings.STUDIO_ARTIFACTS_DIR = tmp_path
    execution.execute(job.pk, "a@host", {"kind": "cpu", "cpus": 2})
    client.force_login(manager)
    page = client.get(reverse("job-detail", kwargs={"pk": job.pk})).content.decode()
    assert "Succeeded" in page and "<svg class=\"chart\"" in page and "Training 30 steps" in page
    assert 'hx-trigger="every 2s"' not in page  # a finished job does not poll
    live = client.get(reverse("job-detail", kwargs={"pk": job.pk}), headers={"HX-Request": "true"})
    assert live.status_code == 286


def test_a_running_job_page_polls_until_the_job_ends(client, manager, job):
    execution.claim(job.pk, "a@host", {})
    client.force_login(manager)
    assert 'hx-trigger="every 2s"' in client.get(reverse("job-detail", kwargs={"pk": job.pk})).content.decode()
    assert client.get(reverse("job-detail", kwargs={"pk": job.pk}), headers={"HX-Request": "true"}).status_code == 200
    rows = client.get(reverse("project-jobs", kwargs={"pk": job.project_id}), {"fragment": "rows"}, headers={"HX-Request": "true"})
    assert rows.status_code == 200 and f'id="job-{job.pk}"' in rows.content.decode()


def test_managers_start_a_job_from_the_project_page(client, manager, project, sent):
    client.force_login(manager)
    response = client.post(reverse("project-jobs", kwargs={"pk": project.pk}), {"selftest-steps": "5", "selftest-queue": "gpu", "selftest-step_seconds": "0", "selftest-checkpoint_every": "2", "selftest-seed": "1", "selftest-fail_at_step": "-1", "selftest-crash_at_step": "-1"})
    assert response.status_code == 302
    job = Job.objects.get(project=project)
    assert job.queue == "gpu" and job.params["steps"] == 5 and job.created_by == manager


def test_the_start_form_says_which_field_is_wrong(client, manager, project):
    client.force_login(manager)
    response = client.post(reverse("project-jobs", kwargs={"pk": project.pk}), {"selftest-steps": "0"})
    assert response.status_code == 200
    assert "Ensure this value is greater than or equal to 1" in response.content.decode()
    assert not Job.objects.exists()


def test_the_api_starts_lists_cancels_retries_and_reads_metrics(client, manager, project, sent, settings, tmp_path):
    settings.STUDIO_ARTIFACTS_DIR = tmp_path
    client.force_login(manager)
    url = reverse("api-project-jobs", kwargs={"pk": project.pk})
    bad = client.post(url, {"kind": "selftest", "params": {"steps": -3}}, content_type="application/json")
    assert bad.status_code == 400 and "steps: must be at least 1" in bad.json()["errors"]["params"][0]
    created = client.post(url, {"kind": "selftest", "params": {"steps": 6, "step_seconds": 0}}, content_type="application/json")
    assert created.status_code == 201
    job_id = created.json()["id"]
    assert [item["id"] for item in client.get(url).json()["results"]] == [job_id]
    execution.execute(job_id, "a@host", {})
    detail = client.get(reverse("api-job-detail", kwargs={"pk": job_id})).json()
    assert detail["status"] == "succeeded" and "Training 6 steps" in detail["log"]
    metrics = client.get(reverse("api-job-metrics", kwargs={"pk": job_id})).json()
    assert [step for step, _ in metrics["loss"]] == [1, 2, 3, 4, 5, 6]
    refused = client.post(reverse("api-job-cancel", kwargs={"pk": job_id}))
    assert refused.status_code == 400 and "succeeded already" in refused.json()["detail"]
    Job.objects.filter(pk=job_id).update(status=Job.Status.FAILED)
    retried = client.post(reverse("api-job-retry", kwargs={"pk": job_id}))
    assert retried.status_code == 201 and retried.json()["attempt"] == 2
    kinds_list = client.get(reverse("api-job-kinds")).json()
    assert "selftest" in [kind["name"] for kind in kinds_list]


def test_annotators_and_reviewers_see_no_jobs(client, reviewer, annotator, job):
    for user in (reviewer, annotator):
        client.force_login(user)
        assert client.get(reverse("api-job-list")).json()["results"] == []
        assert client.get(reverse("job-detail", kwargs={"pk": job.pk})).status_code == 404
        assert client.get(reverse("project-jobs", kwargs={"pk": job.project_id})).status_code == 403
        assert Role.MANAGER not in {m.role for m in user.memberships.all()}


@pytest.mark.django_db
def test_the_reaper_leaves_a_late_job_whose_process_runs_on_this_machine(manager, project, settings, sent):
    import signal
    import socket
    import subprocess

    job = jobs_service.start_job(manager, "selftest", {"steps": 3}, project=project)
    stale = timezone.now() - timedelta(seconds=settings.STUDIO_JOB_STALE_SECONDS + 30)
    here = f"celery@{socket.gethostname()}"
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING, heartbeat_at=stale, worker=here,
                                         worker_pid=os.getpid(), starts=1, claim="c")
    assert jobs_service.reap_stale_jobs() == []  # this very process runs it: slow, not dead
    sleeper = subprocess.Popen(["sleep", "60"])
    try:
        sleeper.send_signal(signal.SIGSTOP)  # frozen: its job goes to another worker
        Job.objects.filter(pk=job.pk).update(worker_pid=sleeper.pid)
        assert wait_until_stopped(sleeper.pid) and jobs_service.reap_stale_jobs() == [job.pk]
    finally:
        sleeper.kill()
        sleeper.wait()
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING, heartbeat_at=stale, worker="celery@elsewhere",
                                         worker_pid=os.getpid())
    assert jobs_service.reap_stale_jobs() == [job.pk]  # another machine's worker: its heartbeat is all we know


def wait_until_stopped(pid, seconds=5):
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "T":
            return True
        time.sleep(0.02)
    return False


def test_a_job_no_worker_took_is_sent_again_once_a_while(job, settings, sent):
    settings.STUDIO_JOB_RESEND_SECONDS = 60
    assert jobs_service.resend_waiting_jobs() == []  # just queued: its message is on its way
    Job.objects.filter(pk=job.pk).update(queued_at=timezone.now() - timedelta(seconds=61))
    assert jobs_service.resend_waiting_jobs() == [job.pk] and sent[-1] == ("workers.run_job", [job.pk], "cpu")
    assert jobs_service.resend_waiting_jobs() == []  # not again at once: it waits another minute
    execution.claim(job.pk, "a@host", {})
    Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - timedelta(days=1))
    assert jobs_service.resend_waiting_jobs() == []  # running jobs are the reaper's


@pytest.mark.django_db(transaction=True)
def test_the_api_answers_a_start_the_broker_refused_with_the_job_s_real_state(client, project, manager, monkeypatch):
    def refuse(*args):
        raise dispatch.BrokerUnavailable("The task broker is unreachable: connection refused")

    monkeypatch.setattr(dispatch, "send", refuse)
    client.force_login(manager)
    response = client.post(reverse("api-project-jobs", args=[project.pk]), {"kind": "selftest", "params": {}},
                           content_type="application/json")
    assert response.status_code == 201
    assert response.json()["status"] == "failed" and "could not be sent" in response.json()["error"]
