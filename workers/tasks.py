"""Celery tasks, and only tasks: load by id, call a service, nothing else."""

from celery import shared_task

from studio.jobs import execution
from studio.services import queue_checks

from . import control


@shared_task(name="workers.complete_queue_check", bind=True)
def complete_queue_check(self, check_id):
    queue_checks.complete_check(check_id, worker=self.request.hostname or "", device=dict(control.DEVICE))


@shared_task(name="workers.run_job", bind=True)
def run_job(self, job_id):
    execution.execute(job_id, worker=self.request.hostname or "", device=dict(control.DEVICE))


@shared_task(name="workers.clean_shard", bind=True)
def clean_shard(self, shard_id):
    from training.cleaning.shards import run_shard  # worker side: numpy and the de-identification patterns

    run_shard(shard_id, worker=self.request.hostname or "")
