"""Starting, cancelling, retrying and recovering jobs. Views, the API and workers all come here."""

import logging
import socket
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from .. import artifacts, audit, dispatch
from ..errors import Refusal
from ..models import Job
from . import kinds, lifecycle
from .reporter import JobLost

logger = logging.getLogger(__name__)


class JobStateError(Refusal):
    """The job is not in a state that allows this action; the message says why."""


def check_held(job):
    """Within the transaction that writes a run's work: raise JobLost unless this run still holds the job. The
    row lock orders the write against a takeover (the reaper's or another delivery's): a run a frozen worker
    wakes up in finds the job gone and stops, instead of writing beside the run that took it over.

    The lock is shared: a run's own writers (an import's, one per connection) hold it at the same time, and
    only a takeover, which locks the row for update, waits for them."""
    if not job.claim:
        return
    shared = " FOR SHARE" if connection.features.has_select_for_update else ""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM {Job._meta.db_table} WHERE id = %s AND claim = %s{shared}",  # noqa: S608
                       [job.pk, job.claim])
        held = cursor.fetchone() is not None
    if not held:
        raise JobLost(f"Job {job.pk} was taken over by another run.")


def workdir(job):
    """The job's own folder for checkpoints and outputs; the same across re-deliveries of the job. On a machine
    that has not run the job before, what an earlier run mirrored into the store (its last checkpoint) comes back."""
    folder = Path(settings.STUDIO_ARTIFACTS_DIR) / job.work_key
    if not folder.exists():
        artifacts.store().restore(job.work_key)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def enqueue(job):
    """Send the job to its queue once the surrounding transaction has committed."""

    def not_sent(message):
        if Job.objects.filter(pk=job.pk, status=Job.Status.QUEUED).update(
            status=Job.Status.FAILED, finished_at=timezone.now(),
            error=f"The job could not be sent to a worker. {message} Retry it once the broker is back.",
        ):
            lifecycle.ended(job)

    kind = kinds.find(job.kind)
    dispatch.send_on_commit("workers.run_job", [job.pk], job.queue, not_sent,
                            priority=kind.priority if kind else kinds.PRIORITY_DEFAULT)


@transaction.atomic
def start_job(user, kind_name, params, *, project=None, inputs=()):
    kind = kinds.get(kind_name)
    clean = kind.clean_params(params or {})
    job = Job.objects.create(
        kind=kind.name, params=clean, queue=kind.queue_for(clean), project=project, created_by=user,
        inputs=list(inputs), message="Waiting for a worker",
    )
    lifecycle.attach(job)
    audit.record(user, "job.start", job, project_id=job.project_id, kind=job.kind)
    enqueue(job)
    return job


def cancel_job(user, job):
    """Cancel a queued job at once (its cleanup runs now); ask a running one to stop at its next check."""
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job.pk)
        if job.is_finished:
            raise JobStateError(f"This job has {job.status} already; there is nothing to cancel.")
        if job.status == Job.Status.QUEUED:
            job.status = Job.Status.CANCELLED
            job.finished_at = timezone.now()
            job.message = "Cancelled before it started"
        else:
            job.message = "Cancelling…"
        job.cancel_requested = True
        job.save(update_fields=["status", "finished_at", "message", "cancel_requested"])
        audit.record(user, "job.cancel", job, project_id=job.project_id)
    if job.is_finished:
        lifecycle.ended(job)
    return job


@transaction.atomic
def retry_job(user, job):
    if job.status not in (Job.Status.FAILED, Job.Status.CANCELLED):
        raise JobStateError(f"Only a failed or cancelled job can be retried; this one is {job.status}.")
    new = Job.objects.create(
        kind=job.kind, params=job.params, queue=job.queue, project_id=job.project_id, created_by=user,
        inputs=job.inputs, attempt=job.attempt + 1, retry_of=job, message="Waiting for a worker",
    )
    lifecycle.attach(new)
    audit.record(user, "job.retry", new, project_id=new.project_id, retry_of=job.pk)
    enqueue(new)
    return new


def fail_after_too_many_starts(job):
    job.status = Job.Status.FAILED
    job.finished_at = timezone.now()
    job.claim = ""
    job.error = (
        f"Stopped after {job.starts} starts: its worker died each time (last on {job.worker or 'an unknown worker'}). "
        "The job may need more memory than the worker has, or it crashes the process."
    )
    job.message = "Stopped: crashed repeatedly"


def running_here(worker, pid):
    """Is the process running a job (worker `name@host`, pid) alive on this machine, and not stopped? A slow
    heartbeat from such a process means a loaded machine, not a dead worker."""
    if not pid or worker.rpartition("@")[2] != socket.gethostname():
        return False
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("T", "t", "Z", "X")  # stopped (SIGSTOP), traced, zombie or dead: not running


def reap_stale_jobs():
    """Re-queue running jobs whose heartbeat stopped (their worker died); stop those that keep dying. A job
    whose process still runs on this machine is left alone, however late its heartbeat."""
    cutoff = timezone.now() - timedelta(seconds=settings.STUDIO_JOB_STALE_SECONDS)
    reaped, given_up = [], []
    for job_id in Job.objects.filter(status=Job.Status.RUNNING, heartbeat_at__lt=cutoff).values_list("pk", flat=True):
        with transaction.atomic():
            job = Job.objects.select_for_update().get(pk=job_id)
            if job.status != Job.Status.RUNNING or job.heartbeat_at >= cutoff or running_here(job.worker,
                                                                                             job.worker_pid):
                continue
            if job.starts >= settings.STUDIO_JOB_MAX_STARTS:
                fail_after_too_many_starts(job)
                given_up.append(job)
                logger.warning("Job %s stopped after %s starts", job.pk, job.starts)
            else:
                job.status = Job.Status.QUEUED
                job.claim = ""
                job.message = f"Re-queued: its worker ({job.worker}) stopped answering"
                logger.warning("Job %s re-queued: no heartbeat from %s since %s", job.pk, job.worker, job.heartbeat_at)
                enqueue(job)
            job.save()
            reaped.append(job.pk)
    for job in given_up:
        lifecycle.ended(job)
    return reaped


def resend_waiting_jobs():
    """Send again every queued job that no worker has taken for STUDIO_JOB_RESEND_SECONDS since it was queued
    or last sent: its message may have been lost (a broker restarted without persistence while no worker was
    up). A delivery of a job that another message started meanwhile does nothing (see execution.claim)."""
    now = timezone.now()
    cutoff = now - timedelta(seconds=settings.STUDIO_JOB_RESEND_SECONDS)
    waiting = Job.objects.filter(status=Job.Status.QUEUED, queued_at__lt=cutoff).filter(
        Q(heartbeat_at__isnull=True) | Q(heartbeat_at__lt=cutoff))
    resent = []
    for job in waiting.only("pk", "queue", "queued_at"):
        # While queued, the heartbeat marks the last send, so that the next pass waits again.
        if Job.objects.filter(pk=job.pk, status=Job.Status.QUEUED).update(heartbeat_at=now):
            logger.warning("Job %s sent again: no worker took it since %s", job.pk, job.queued_at)
            enqueue(job)
            resent.append(job.pk)
    return resent


def metric_series(job):
    """{name: [[step, value], ...]} for every metric the job reported, in step order."""
    series = {}
    for name, step, value in job.metric_points.order_by("name", "step", "id").values_list("name", "step", "value"):
        series.setdefault(name, []).append([step, value])
    return series
