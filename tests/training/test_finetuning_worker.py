"""Fine-tuning through real worker processes: a worker killed mid-run, the next resumes from the
run's last epoch checkpoint and the classifier is still evaluated — on the same machine (the artifacts
folder), or on another that shares only the object store (the checkpoint mirrored there)."""

import pytest

from studio.celery import app
from tests.support.classifiers import build_tiny_base, labeled_snapshot
from tests.support.worker import WorkerProcess, wait_for
from training.finetuning.service import start_finetuning
from training.models import EvaluationReport, Finetuning

pytestmark = pytest.mark.worker


@pytest.mark.parametrize("resumed_on", ["the same machine", "another machine"])
def test_a_killed_worker_s_fine_tune_resumes_from_its_checkpoint(resumed_on, request, transactional_db, tmp_path,
                                                                 settings, manager, project,
                                                                 django_capture_on_commit_callbacks):
    store = request.getfixturevalue("object_store") if resumed_on == "another machine" else None
    settings.STUDIO_ARTIFACTS_DIR = tmp_path if store is None else store.cache
    settings.STUDIO_BASE_MODELS_DIR = tmp_path / "base-models"
    build_tiny_base(settings.STUDIO_BASE_MODELS_DIR / "tiny")
    snapshot = labeled_snapshot(project, manager, django_capture_on_commit_callbacks, count=600)
    app.control.purge()

    def worker(machine):
        started = WorkerProcess(artifacts_dir=tmp_path if store is None else tmp_path / machine,
                                base_models_dir=settings.STUDIO_BASE_MODELS_DIR)
        started.env.update(store.env if store else {})
        return started.start()

    first = worker("machine-a")
    run = start_finetuning(manager, project, snapshot, {"base": "folder:tiny", "queue": "cpu", "epochs": 6,
                                                        "batch_size": 8, "max_length": 32, "early_stopping": 0})
    job = run.job
    mirrored = lambda: [key for key in store.keys(f"{job.work_key}/")  # noqa: E731
                        if key.endswith("/.manifest.json") and "/checkpoint-" in key] if store else [True]
    try:
        # Past the second epoch's checkpoint (a third of six epochs; mirrored into the store), then the worker dies.
        assert wait_for(lambda: (job.refresh_from_db() or job.progress) >= 0.4 and mirrored(), timeout=300), (
            f"{job.status} {job.progress:.2f} {job.message!r} {job.error}\n{first.log(80)}")
    finally:
        first.kill()
    job.refresh_from_db()
    assert job.status == "running" and job.progress < 1
    assert len(mirrored()) <= 2  # the Trainer's rotation reaches the store too
    second = worker("machine-b")  # with the store: another folder, nothing of the first one's
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
    if store is not None:
        assert store.keys(f"{job.work_key}/") == []  # an ended job's checkpoints leave the store
