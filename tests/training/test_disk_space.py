"""A full disk is said in words before anything is half-written: checkpoints, model versions and snapshots
check their room first, and no partial version is ever registered."""

import shutil
from collections import namedtuple

import pytest

from labeling.models import DatasetSnapshot
from labeling.services import snapshots
from studio import disk
from studio.jobs import execution
from studio.models import Job
from tests.support.classifiers import labeled_snapshot
from training.finetuning.service import start_finetuning
from training.models import ModelVersion

from .test_pretraining import notes, pretrain  # noqa: F401 - the fixture and the helper

Usage = namedtuple("Usage", "total used free")


@pytest.fixture
def free_space(monkeypatch):
    """Set how many bytes the disk has free, as `disk` sees it."""
    real = shutil.disk_usage

    def set_free(free):
        monkeypatch.setattr(disk.shutil, "disk_usage", lambda path: Usage(real(path).total, 0, free))
    return set_free


@pytest.mark.django_db
def test_a_checkpoint_without_room_fails_the_job_with_the_figures(project, manager, notes, free_space,  # noqa: F811
                                                                  django_capture_on_commit_callbacks):
    free_space(10 * 1024**2)
    run, status = pretrain(manager, project, django_capture_on_commit_callbacks)
    error = Job.objects.get(pk=run.job_id).error
    assert status == Job.Status.FAILED and "No space left in" in error and "for checkpoint-20" in error
    assert "MB needed, 10 MB free" in error and not ModelVersion.objects.exists()


@pytest.mark.django_db
def test_a_version_without_room_is_never_registered(project, manager, artifacts, free_space,
                                                    django_capture_on_commit_callbacks):
    snapshot = labeled_snapshot(project, manager, django_capture_on_commit_callbacks)
    free_space(1024**2)
    with django_capture_on_commit_callbacks(execute=True):
        run = start_finetuning(manager, project, snapshot, {"queue": "cpu", "model_name": "Triage"})
    assert execution.execute(run.job_id, "w@host", {}) == Job.Status.FAILED
    assert "No space left in" in Job.objects.get(pk=run.job_id).error and "for Triage v1" in Job.objects.get(
        pk=run.job_id).error
    assert not ModelVersion.objects.exists()


@pytest.mark.django_db
def test_a_snapshot_without_room_fails_before_writing(project, manager, artifacts, free_space,
                                                      django_capture_on_commit_callbacks):
    snapshot = labeled_snapshot(project, manager, django_capture_on_commit_callbacks, name="v1")
    free_space(1024)
    with django_capture_on_commit_callbacks(execute=True):
        again = snapshots.start_snapshot(manager, project, name="v2")
    assert execution.execute(again.job_id, "w@host", {}) == Job.Status.FAILED
    again.refresh_from_db()
    assert again.status == DatasetSnapshot.Status.FAILED
    assert not (snapshot.path.parent / f"snapshot-{again.pk}.parquet").exists()
    assert "No space left in" in Job.objects.get(pk=again.job_id).error and snapshot.path.exists()
