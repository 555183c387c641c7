"""What a worker does with a job: claim it exactly once, run it with a Reporter, record the outcome."""

import logging
import math
import os
import traceback
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from ..models import Job
from ..redaction import redact
from . import kinds, lifecycle
from .reporter import JobCancelled, JobLost, Reporter
from .service import fail_after_too_many_starts

logger = logging.getLogger(__name__)


def process_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _run_is_dead(job, worker):
    """Is the run that holds this job gone (its worker died), so that this delivery may take over?"""
    stale = timezone.now() - timedelta(seconds=settings.STUDIO_JOB_STALE_SECONDS)
    if job.heartbeat_at is None or job.heartbeat_at < stale:
        return True
    # Same worker, and the pool process that ran it is gone: a crash re-delivered at once.
    return job.worker == worker and job.worker_pid is not None and (
        job.worker_pid == os.getpid() or not process_alive(job.worker_pid)
    )


def claim(job_id, worker, device):
    """Take the job for this process, or return None if it must not run here (again)."""
    job, taken = _claim(job_id, worker, device)
    if job is not None and not taken and job.is_finished:
        lifecycle.ended(job)  # cancelled before it started, or given up here: its records follow
    if taken:
        lifecycle.attach(job)  # its run record runs with it (a re-delivery, a retry)
    return job if taken else None


def _claim(job_id, worker, device):
    """(job, whether this process took it); a job it ended instead comes back finished, not taken."""
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        if job is None:
            logger.warning("Job %s does not exist; dropping its message", job_id)
            return None, False
        if job.is_finished:
            return None, False
        if job.status == Job.Status.RUNNING and not _run_is_dead(job, worker):
            logger.info("Job %s is running on %s already; ignoring a second delivery", job_id, job.worker)
            return None, False
        now = timezone.now()
        if job.cancel_requested:
            job.status, job.finished_at, job.message = Job.Status.CANCELLED, now, "Cancelled"
            job.save(update_fields=["status", "finished_at", "message"])
            return job, False
        if job.starts >= settings.STUDIO_JOB_MAX_STARTS:
            fail_after_too_many_starts(job)
            job.save()
            return job, False
        job.message = "Resuming after its worker stopped" if job.starts else "Started"
        job.status = Job.Status.RUNNING
        job.starts += 1
        job.claim = uuid.uuid4().hex
        job.worker, job.worker_pid, job.device = worker, os.getpid(), device
        job.started_at = job.started_at or now
        job.heartbeat_at = now
        job.save()
        return job, True


class _ToReporter(logging.Handler):
    """Sends records of the job's loggers (`jobs.*`) into the job's own log."""

    def __init__(self, reporter):
        super().__init__(level=logging.INFO)
        self.reporter = reporter

    def emit(self, record):
        self.reporter.log(record.getMessage(), record.levelno)


def _json_safe(metrics):
    """Metrics as JSON can store them: NaN and infinities become null."""
    return {
        str(name): (value if not isinstance(value, float) or math.isfinite(value) else None)
        for name, value in metrics.items()
    }


def execute(job_id, worker, device):
    # The run's module (for training: torch, transformers) is imported before the claim, so that a claimed
    # job's heartbeat starts at once instead of after seconds of imports the reaper would take for a dead worker.
    kind = Job.objects.filter(pk=job_id).values_list("kind", flat=True).first()
    run = import_string(kinds.get(kind).run) if kind else None
    job = claim(job_id, worker, device)
    if job is None:
        return None
    reporter = Reporter(job, background=True)
    job_logger = logging.getLogger("jobs")
    job_logger.setLevel(logging.INFO)
    handler = _ToReporter(reporter)
    job_logger.addHandler(handler)
    try:
        metrics = run(job, reporter) or {}
    except JobCancelled:
        outcome = {"status": Job.Status.CANCELLED, "message": "Cancelled"}
    except JobLost:
        logger.warning("Job %s was taken over by another run; this run stops without writing", job_id)
        return None
    except Exception as error:
        outcome = {
            "status": Job.Status.FAILED, "message": "Failed",
            "error": redact(f"{type(error).__name__}: {error}")[:5000],
            "traceback": redact(traceback.format_exc())[-20000:],
        }
        reporter.log(outcome["error"], logging.ERROR)
    else:
        outcome = {
            "status": Job.Status.SUCCEEDED, "message": "Finished",
            "progress": 1.0, "eta_seconds": None, "metrics": _json_safe(metrics),
        }
    finally:
        job_logger.removeHandler(handler)
    try:
        reporter.close(**outcome, finished_at=timezone.now(), claim="")
    except JobLost:
        logger.warning("Job %s was taken over before its outcome was recorded", job_id)
        return None
    lifecycle.ended(job)
    return outcome["status"]
