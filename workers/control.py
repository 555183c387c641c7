"""Worker-side facts and housekeeping: the device (`inspect device`) and the stale-job reaper."""

import logging
import threading

from celery.signals import worker_init, worker_ready
from celery.worker.control import inspect_command
from django.conf import settings
from django.db import close_old_connections

from studio.jobs.service import reap_stale_jobs, resend_waiting_jobs
from training.device import probe_device

logger = logging.getLogger(__name__)
DEVICE = {"kind": "unknown"}


@worker_init.connect
def _probe_device_at_start(**kwargs):
    # Before the pool forks, so every pool process inherits the answer.
    DEVICE.update(probe_device())


@inspect_command()
def device(state, **kwargs):
    return dict(DEVICE)


def _reap_forever(stop):
    while True:
        try:
            reap_stale_jobs()
            resend_waiting_jobs()
        except Exception:  # keep reaping; a database hiccup must not end recovery for good
            logger.exception("Reaping stale jobs failed")
        finally:
            close_old_connections()
        if stop.wait(settings.STUDIO_JOB_REAPER_SECONDS):
            return


@worker_ready.connect
def _start_reaper(**kwargs):
    # Every worker reaps: the first to see a stale heartbeat re-queues the job (under a row lock).
    threading.Thread(target=_reap_forever, args=(threading.Event(),), name="job-reaper", daemon=True).start()
