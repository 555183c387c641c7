"""Where a job's related rows follow the job: every way a job starts or ends comes through here.

- `attach(job)`: a kind that declares a `record` (model label, id parameter) has that run record
  point at the job, running: when the job is started or retried, and each time a worker takes it.
- `ended(job)`: every run record of the job takes the job's final status, and the kind's cleanup
  removes what an unfinished job left half-made. It runs after each ending: the job's own success or
  failure, a cancel while queued or running, the reaper or a claim giving up after too many starts,
  and the broker refusing the message.
"""

import logging

from django.apps import apps
from django.utils.module_loading import import_string

from .. import artifacts
from ..models import Job
from . import kinds
from .records import RunRecord

logger = logging.getLogger(__name__)

FOLLOWS = {
    Job.Status.SUCCEEDED: RunRecord.Status.DONE,
    Job.Status.FAILED: RunRecord.Status.FAILED,
    Job.Status.CANCELLED: RunRecord.Status.CANCELLED,
}


def _kind(job):
    try:
        return kinds.get(job.kind)
    except kinds.SettingsError:
        return None


def record_models():
    return [model for model in apps.get_models() if issubclass(model, RunRecord)]


def attach(job):
    kind = _kind(job)
    if kind is None or not kind.record:
        return
    label, param = kind.record
    apps.get_model(label).objects.filter(pk=job.params[param]).update(job=job, status=RunRecord.Status.RUNNING)


def ended(job):
    """Bring the job's records and leftovers in line with its final status (idempotent)."""
    job.refresh_from_db(fields=["status", "error", "message"])
    if not job.is_finished:
        return
    for model in record_models():
        model.objects.filter(job=job, status=RunRecord.Status.RUNNING).update(status=FOLLOWS[job.status])
    try:
        artifacts.store().forget_mirrored(job.work_key)  # an ended job resumes from nothing
    except Exception:
        logger.exception("Removing job %s's mirrored checkpoints failed", job.pk)
    kind = _kind(job)
    if job.status != Job.Status.SUCCEEDED and kind is not None and kind.cleanup:
        try:
            import_string(kind.cleanup)(job)
        except Exception:
            logger.exception("Cleanup after job %s (%s) failed", job.pk, job.kind)
