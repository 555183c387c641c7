"""Fine-tuning through real worker processes: a worker killed mid-run, the next resumes from the
run's last epoch checkpoint and the classifier is still evaluated."""

import pytest

from studio.celery import app
from tests.support.classifiers import build_tiny_base, labeled_snapshot
from tests.support.worker import WorkerProcess, wait_for
from training.finetuning.service import start_finetuning
from training.models import EvaluationReport, Finetuning

pytestmark = pytest.mark.worker


def test_a_killed_worker_s_fine_tune_resumes_from_its_checkpoint(transactional_db, tmp_path, settings, manager,
                                                                 project, django_capture_on_commit_callbacks):
    settings.STUDIO_ARTIFACTS_DIR = tmp_path
    settings.STUDIO_BASE_MODELS_DIR = tmp_path / "base-models"
    build_tiny_base(settings.STUDIO_BASE_MODELS_DIR / "tiny")
    snapshot = labeled_snapshot(project, manager, django_capture_on_commit_callbacks, count=600)
    app.control.purge()
    first = WorkerProcess(artifacts_dir=tmp_path, base_models_dir=settings.STUDIO_BASE_MODELS_DIR).start()
    run = start_finetuning(manager, project, snapshot, {"base": "folder:tiny", "queue": "cpu", "epochs": 6,
                                                        "batch_size": 8, "max_length": 32, "early_stopping": 0})
    job = run.job
    try:
        # Past the second epoch's checkpoint (a third of six epochs), then the worker dies.
        assert wait_for(lambda: (job.refresh_from_db() or job.progress) >= 0.4, timeout=300), (
            f"{job.status} {job.progress:.2f} {job.message!r} {job.error}\n{first.log(80)}")
    finally:
        first.kill()
    job.refresh_from_db()
    assert job.status == "running" and job.progress < 1
    second = WorkerProcess(artifacts_dir=tmp_path, base_models_dir=settings.STUDIO_BASE_MODELS_DIR).start()
    try:
        assert wait_for(lambda: Finetuning.objects.get(pk=run.pk).status == "done", timeout=420), second.log(80)
        assert wait_for(lambda: EvaluationReport.objects.filter(status="done").exists(), timeout=60), second.log(80)
    finally:
        second.stop()
    job.refresh_from_db()
    run.refresh_from_db()
    assert job.starts == 2 and "Resuming from checkpoint-" in job.log
    assert int(job.log.split("Resuming from checkpoint-")[1].split()[0]) >= 45  # at least one epoch kept
    assert run.output.metrics["steps"] == 6 * 45  # 360 training notes in batches of 8, 6 epochs
