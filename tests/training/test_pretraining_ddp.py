"""Pretraining on several devices (DDP) through a real worker: two processes on the CPU (gloo) train the same
model one process does with the same seed, within a small tolerance; rank 0 alone reports and the job registers one
version; the effective batch size is reported."""

import os
import random
import signal
from pathlib import Path

import pytest

from labeling.models import Corpus, Document
from studio.celery import app
from studio.jobs.service import cancel_job
from studio.models import Job, MetricPoint
from tests.support.phi_notes import body
from tests.support.worker import WorkerProcess, wait_for
from tests.training.test_pretraining import TINY
from training.models import ModelVersion, Pretraining
from training.pretraining.config import SettingsError, clean
from training.pretraining.service import start_pretraining

pytestmark = pytest.mark.worker
# Relative: each process draws its own masks and dropout for its half of a batch, so the runs part a little. The mean
# training loss is read over every step; the held-out loss after training is measured by rank 0 alone, with the same
# batches and masks as one process (measured: 0.1-0.6% apart, whichever notes the hash of their ids holds out).
TOLERANCE = {"train_loss": 0.02, "loss_after": 0.02}


def ward_notes(project):
    rng = random.Random(4)
    corpus = Corpus.objects.create(project=project, name="Ward notes", status=Corpus.Status.READY, document_count=300)
    Document.objects.bulk_create(Document(corpus=corpus, external_id=f"n{i}", text=body(rng, 4), content_hash=str(i),
                                          length=100) for i in range(300))


def ranks(job):
    """{rank: pid} of the job's training processes now running."""
    found = {}
    for entry in Path("/proc").iterdir():
        try:
            command = (entry / "cmdline").read_bytes().split(b"\0")
            if b"training.distributed" in command and str(job.pk).encode() in command:
                environment = dict(line.split(b"=", 1) for line in (entry / "environ").read_bytes().split(b"\0")
                                   if b"=" in line)
                found[int(environment[b"RANK"])] = int(entry.name)
        except (OSError, KeyError, ValueError):
            continue
    return found


def test_two_processes_train_what_one_does(transactional_db, tmp_path, settings, manager, project):
    settings.STUDIO_ARTIFACTS_DIR = tmp_path
    ward_notes(project)
    app.control.purge()
    worker = WorkerProcess(queues="cpu", artifacts_dir=tmp_path)
    # Not a recovery test: on a loaded machine a starved heartbeat must not restart a run from its checkpoint (a
    # resumed run draws other masks, and its losses are no longer the ones compared here).
    worker.env["STUDIO_JOB_STALE_SECONDS"] = "300"
    worker.start()
    runs = {}
    try:
        for devices in (1, 2):
            run = start_pretraining(manager, project, {**TINY, "max_steps": 60, "batch_size": 16, "devices": devices,
                                                       "model_name": f"ward-{devices}"})
            assert wait_for(lambda run=run: Pretraining.objects.get(pk=run.pk).status in ("done", "failed"),
                            timeout=300), worker.log(60)
            runs[devices] = Pretraining.objects.get(pk=run.pk)
    finally:
        worker.stop()
    one, two = runs[1], runs[2]
    job = Job.objects.get(pk=two.job_id)
    assert two.status == "done", f"{job.error}\n{job.log}"
    assert one.status == "done", Job.objects.get(pk=one.job_id).error
    assert "Training on 2 processes on the CPU with DistributedDataParallel: each batch of 16 is split 8 a process; " \
           "effective batch 16" in job.log
    assert [Job.objects.get(pk=run.job_id).starts for run in (one, two)] == [1, 1]
    figures = two.output.metrics
    assert figures["devices"] == 2 and figures["effective_batch_size"] == 16 and figures["steps"] == 60
    for name, tolerance in TOLERANCE.items():
        first, second = one.output.metrics[name], figures[name]
        print(f"{name}: one process {first:.4f}, two {second:.4f}")
        assert abs(second - first) / first < tolerance, (name, first, second)
    assert figures["perplexity_after"] < figures["perplexity_before"] / 2  # it learnt
    # Rank 0's curves reached the job once (not once a process); the job registered one version.
    losses = MetricPoint.objects.filter(job=job, name="loss").values_list("step", flat=True)
    assert list(losses) and len(losses) == len(set(losses))
    assert ModelVersion.objects.filter(job=job).count() == 1
    assert (two.output.path / "model.safetensors").is_file()


def test_a_killed_rank_restarts_the_run_and_a_cancel_or_the_worker_s_death_stops_every_rank(
        transactional_db, tmp_path, settings, manager, project):
    settings.STUDIO_ARTIFACTS_DIR = tmp_path
    ward_notes(project)
    app.control.purge()
    worker = WorkerProcess(queues="cpu", artifacts_dir=tmp_path).start()
    try:
        run = start_pretraining(manager, project, {**TINY, "max_steps": 120, "checkpoint_every": 10, "devices": 2})
        job = run.job
        assert wait_for(lambda: (job.refresh_from_db() or job.progress) >= 0.3 and len(ranks(job)) == 2,
                        timeout=240), f"{job.status} {job.progress} {job.error}\n{worker.log(60)}"
        os.kill(ranks(job)[1], signal.SIGKILL)  # rank 1 dies: torchrun stops rank 0 and starts both again
        assert wait_for(lambda: Pretraining.objects.get(pk=run.pk).status in ("done", "failed"), timeout=300), \
            worker.log(60)
        job.refresh_from_db()
        assert job.status == "succeeded", f"{job.error}\n{job.log}"
        assert "A training process was stopped (signal 9): all 2 start again from the last checkpoint " \
               "(restart 1 of 1)" in job.log
        resumed_at = int(job.log.split("Resuming from checkpoint-")[1].split()[0])
        assert resumed_at >= 30 and Pretraining.objects.get(pk=run.pk).output.metrics["steps"] == 120
        assert not ranks(job)

        cancelled = start_pretraining(manager, project, {**TINY, "max_steps": 2000, "devices": 2})
        job = cancelled.job
        assert wait_for(lambda: (job.refresh_from_db() or job.progress) >= 0.05 and len(ranks(job)) == 2,
                        timeout=240), f"{job.status} {job.progress} {job.error}\n{worker.log(60)}"
        cancel_job(manager, job)
        assert wait_for(lambda: (job.refresh_from_db() or job.status) == "cancelled", timeout=60), worker.log(60)
        assert wait_for(lambda: not ranks(job), timeout=30)  # no training process outlives the cancel

        orphaned = start_pretraining(manager, project, {**TINY, "max_steps": 2000, "devices": 2}).job
        assert wait_for(lambda: len(ranks(orphaned)) == 2, timeout=240), worker.log(60)
        worker.kill()  # the machine's worker dies: its training processes go with it
        assert wait_for(lambda: not ranks(orphaned), timeout=60)
    finally:
        worker.stop()


def test_a_batch_the_devices_cannot_share_is_refused():
    with pytest.raises(SettingsError, match="batch_size: 10 blocks cannot be split evenly among 4 devices"):
        clean({"batch_size": 10, "devices": 4})
    assert clean({"batch_size": 16, "devices": 4})["devices"] == 4
