"""A cleaning pass split into shards that every free cpu worker takes.

The cleaning job plans a pass's shards (id ranges of the source notes, `STUDIO_CLEAN_SHARD_DOCUMENTS` each), sends
one `workers.clean_shard` task per shard as a Celery group, and takes pending shards itself too, so a pass never
waits for a worker that is busy elsewhere (with one worker it does every shard). A shard is taken by a conditional
update (pending → running), so exactly one process works on it; it beats while it works. A shard whose beats stop
(its worker died) goes back to pending and is sent again, alone; one that raised fails the job with its error.
When every shard of the pass is done, the job merges their results (see `passes`).

(A Celery chord would need a result backend, which the studio does not keep, and would run its merge only once
the whole group succeeded: a shard retried alone would leave it waiting forever. The job is the merge step.)
"""

import logging
import os
import time
from datetime import timedelta

from django.conf import settings
from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from labeling.models import Document
from studio import artifacts, dispatch
from studio.jobs.execution import process_alive
from studio.models import Job
from studio.redaction import redact

from ..models import CleaningShard
from . import passes

TASK = "workers.clean_shard"
POLL_SECONDS = 0.5
Status = CleaningShard.Status
logger = logging.getLogger(__name__)


class ShardStopped(Exception):
    """The shard's job was cancelled or has ended, or the shard was given to another worker: stop writing."""


class ShardFailed(RuntimeError):
    """A shard raised an error, or stopped answering too often: the cleaning fails with it."""


def plan(run, phase):
    """The pass's shards, planned on its first call (a re-delivered job keeps those already done)."""
    shards = list(CleaningShard.objects.filter(run=run, phase=phase).order_by("index"))
    if shards:
        return shards
    size = settings.STUDIO_CLEAN_SHARD_DOCUMENTS
    ids = list(Document.objects.filter(corpus_id=run.source_id).order_by("id").values_list("id", flat=True))
    return CleaningShard.objects.bulk_create([
        CleaningShard(run=run, phase=phase, index=index, first_id=chunk[0], last_id=chunk[-1], documents=len(chunk))
        for index, chunk in enumerate(ids[start:start + size] for start in range(0, len(ids), size))])


def _take(shards, worker):
    """Claim the first pending shard of `shards` for this process, or None when there is none left."""
    for pk in shards.filter(status=Status.PENDING).order_by("index").values_list("pk", flat=True):
        if CleaningShard.objects.filter(pk=pk, status=Status.PENDING).update(
                status=Status.RUNNING, worker=worker[:200], worker_pid=os.getpid(), heartbeat_at=timezone.now(),
                starts=F("starts") + 1, done=0):
            return CleaningShard.objects.select_related("run").get(pk=pk)
    return None


def _work(shard, check):
    """Run the shard's pass, beating (and calling `check()`, which may raise) about every heartbeat interval."""
    mine = CleaningShard.objects.filter(pk=shard.pk, status=Status.RUNNING, worker=shard.worker,
                                        worker_pid=shard.worker_pid)
    interval, state = settings.STUDIO_JOB_HEARTBEAT_SECONDS, {"done": 0, "last": time.monotonic()}

    def beat():
        state["done"] += 1
        if time.monotonic() - state["last"] >= interval:
            state["last"] = time.monotonic()
            if not mine.update(heartbeat_at=timezone.now(), done=state["done"]):
                raise ShardStopped(f"{shard} was given to another worker.")
            check()

    passes.PASSES[shard.phase](shard.run, shard, beat)
    mine.update(status=Status.DONE, done=shard.documents, heartbeat_at=timezone.now())


def _job_stopped(job_id):
    return Job.objects.filter(pk=job_id).filter(Q(cancel_requested=True) | Q(status__in=Job.FINISHED)).exists()


def run_shard(shard_id, worker):
    """A worker's part: take the shard if it is still pending and its job still runs, and do it."""
    shard = CleaningShard.objects.filter(pk=shard_id).select_related("run").first()
    if shard is None or _job_stopped(shard.run.job_id):
        return
    job_id, shard = shard.run.job_id, _take(CleaningShard.objects.filter(pk=shard_id), worker)
    if shard is None:
        return  # done already, or being done: by the job itself or another worker

    def check():
        if _job_stopped(job_id):
            raise ShardStopped("The cleaning job was cancelled or has ended.")

    try:
        _work(shard, check)
    except ShardStopped as stopped:
        logger.info("%s: %s", shard, stopped)
    except Exception as error:
        logger.exception("%s failed", shard)
        CleaningShard.objects.filter(pk=shard.pk, status=Status.RUNNING, worker_pid=os.getpid()).update(
            status=Status.FAILED, error=redact(f"{type(error).__name__}: {error}")[:2000])


def run_pass(job, reporter, run, phase, label):
    """Do one pass over every shard, with the workers that are free; the shards, in order, once all are done.
    Progress is the share of the pass's notes done, over all shards: one bar."""
    shards = plan(run, phase)
    last_file = "npz" if phase == "lines" else "json"  # a shard writes it last
    for shard in shards:  # a re-delivered job redoes a done shard whose files are gone
        if shard.status == Status.DONE and not artifacts.store().exists(passes.shard_file(run, shard, last_file)):
            CleaningShard.objects.filter(pk=shard.pk).update(status=Status.PENDING)
    of_pass = CleaningShard.objects.filter(run=run, phase=phase)
    pending = list(of_pass.exclude(status=Status.DONE).values_list("pk", flat=True))
    if len(pending) > 1:
        _ask_workers(reporter, lambda: dispatch.send_group(TASK, [[pk] for pk in pending], queue="cpu"))
    total = sum(shard.documents for shard in shards) or 1

    def progress():
        figures = of_pass.aggregate(done=Sum("done"), running=Count("pk", filter=Q(status=Status.RUNNING)))
        running = f" ({figures['running']} shards at work)" if figures["running"] > 1 else ""
        reporter.progress(min(figures["done"] or 0, total) / total,
                          f"{label}: {min(figures['done'] or 0, total):,} of {total:,} notes{running}")
        reporter.check_cancel()

    while True:
        reporter.check_cancel()
        failed = of_pass.filter(status=Status.FAILED).first()
        if failed is not None:
            raise ShardFailed(f"{failed} failed on {failed.worker}: {failed.error}")
        shard = _take(of_pass, job.worker or "")
        if shard is not None:
            _work(shard, progress)
            continue
        if not of_pass.exclude(status=Status.DONE).exists():
            break
        _retry_silent(job, reporter, of_pass)
        progress()
        time.sleep(POLL_SECONDS)
    progress()
    shards = list(of_pass.order_by("index"))
    reporter.log(f"{label}: {len(shards):,} shards, done by {_workers(shards)}")
    return shards


def _retry_silent(job, reporter, of_pass):
    """Shards whose worker stopped beating (or died on this machine) go back to pending, each sent again alone."""
    stale = timezone.now() - timedelta(seconds=settings.STUDIO_JOB_STALE_SECONDS)
    for shard in of_pass.filter(status=Status.RUNNING):
        dead = shard.heartbeat_at is None or shard.heartbeat_at < stale or (
            shard.worker == job.worker and shard.worker_pid and not process_alive(shard.worker_pid))
        if not dead:
            continue
        again = shard.starts < settings.STUDIO_JOB_MAX_STARTS
        if CleaningShard.objects.filter(pk=shard.pk, status=Status.RUNNING, heartbeat_at=shard.heartbeat_at).update(
                status=Status.PENDING if again else Status.FAILED,
                error="" if again else f"its worker stopped answering {shard.starts} times"):
            reporter.log(f"{shard} stopped answering on {shard.worker}: "
                         + ("sent again, alone" if again else "given up"), logging.WARNING)
            if again:
                _ask_workers(reporter, lambda shard=shard: dispatch.send(TASK, [shard.pk], "cpu"))


def _ask_workers(reporter, send):
    """Send shard tasks; where the broker refuses them, this job does the shards itself and says so."""
    try:
        send()
    except dispatch.BrokerUnavailable as error:
        reporter.log(f"Other workers could not be asked to help ({error}); this job does the shards itself",
                     logging.WARNING)


def _workers(shards):
    counts = {}
    for shard in shards:
        counts[shard.worker] = counts.get(shard.worker, 0) + 1
    return ", ".join(f"{worker or 'this job'} ({count})" for worker, count in sorted(counts.items()))
