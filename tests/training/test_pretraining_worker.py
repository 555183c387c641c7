"""Pretraining through real worker processes: a worker killed mid-run, the next resumes from the
job's last checkpoint."""

import random

import pytest

from labeling.models import Corpus, Document
from studio.celery import app
from tests.support.phi_notes import body
from tests.training.test_pretraining import TINY
from tests.support.worker import WorkerProcess, wait_for
from training.models import Pretraining
from training.pretraining.service import start_pretraining

pytestmark = pytest.mark.worker


def test_a_killed_worker_s_pretraining_resumes_from_its_checkpoint(transactional_db, tmp_path, settings, manager,
                                                                     project):
    settings.STUDIO_ARTIFACTS_DIR = tmp_path
    rng = random.Random(4)
    corpus = Corpus.objects.create(project=project, name="Ward notes", status=Corpus.Status.READY, document_count=300)
    Document.objects.bulk_create(Document(corpus=corpus, external_id=f"n{i}", text=body(rng, 4), content_hash=str(i),
                                          length=100) for i in range(300))
    app.control.purge()
    first = WorkerProcess(artifacts_dir=tmp_path).start()
    run = start_pretraining(manager, project, {**TINY, "max_steps": 300, "checkpoint_every": 25})
    job = run.job
    try:
        assert wait_for(lambda: (job.refresh_from_db() or job.progress) >= 0.35, timeout=180), job.error or first.log()
    finally:
        first.kill()
    job.refresh_from_db()
    assert job.status == "running" and job.progress < 1
    second = WorkerProcess(artifacts_dir=tmp_path).start()
    try:
        assert wait_for(lambda: Pretraining.objects.get(pk=run.pk).status == "done", timeout=360), second.log(80)
    finally:
        second.stop()
    job.refresh_from_db()
    run.refresh_from_db()
    assert job.starts == 2 and "Resuming from checkpoint-" in job.log
    resumed_at = int(job.log.split("Resuming from checkpoint-")[1].split()[0])
    assert resumed_at >= 100  # from its checkpoint, not from step 0
    assert run.output.metrics["steps"] == 300
