"""Fine-tuning on several devices (DDP): two processes on the CPU (gloo) train the classifier one process does with
the same seed, within a small tolerance; rank 0 saves and scores it, the job registers and evaluates one version."""

import pytest

from studio.models import Job
from tests.support.classifiers import finetune, labeled_snapshot
from training.finetuning.service import clean_config, start_finetuning
from training.pretraining.config import SettingsError

TOLERANCE = 0.02  # relative, on the mean training loss: each process draws its own dropout masks for its part
SETTINGS = {"base": "folder:tiny", "epochs": 3, "batch_size": 16, "max_length": 32, "learning_rate": 1e-3,
            "early_stopping": 0}


@pytest.mark.django_db
def test_two_processes_fine_tune_what_one_does(project, manager, artifacts, tiny, django_capture_on_commit_callbacks):
    snapshot = labeled_snapshot(project, manager, django_capture_on_commit_callbacks)
    one, _ = finetune(manager, project, snapshot, django_capture_on_commit_callbacks, **SETTINGS)
    two, report = finetune(manager, project, snapshot, django_capture_on_commit_callbacks, devices=2, **SETTINGS)
    job = Job.objects.get(pk=two.job_id)
    assert "Training on 2 processes on the CPU with DistributedDataParallel: each batch of 16 is split 8 a process; " \
           "effective batch 16" in job.log
    first, second = one.output.metrics, two.output.metrics
    assert second["devices"] == 2 and second["effective_batch_size"] == 16 and second["steps"] == first["steps"]
    print(f"train loss: one process {first['train_loss']:.4f}, two {second['train_loss']:.4f}; validation macro F1 "
          f"{first['validation_macro_f1']:.3f} and {second['validation_macro_f1']:.3f}")
    assert abs(second["train_loss"] - first["train_loss"]) / first["train_loss"] < TOLERANCE
    assert abs(second["validation_macro_f1"] - first["validation_macro_f1"]) <= 0.05
    assert (two.output.path / "model.safetensors").is_file() and "macro_f1" in report.metrics  # saved, evaluated
    assert job.metric_points.filter(name="eval_macro_f1").count() == 3  # rank 0's curves, once each epoch


@pytest.mark.django_db
def test_what_several_devices_do_not_train_is_refused(project, manager, artifacts, tiny,
                                                      django_capture_on_commit_callbacks):
    snapshot = labeled_snapshot(project, manager, django_capture_on_commit_callbacks, count=40)
    for settings, message in (({"base": "baseline"}, "devices: several devices train an encoder classifier"),
                              ({"base": "folder:tiny", "batch_size": 10, "max_length": 64},
                               "devices: a batch of 10 cannot be split evenly among 4 devices")):
        with pytest.raises(SettingsError, match=message):
            start_finetuning(manager, project, snapshot, {"queue": "cpu", "devices": 4, **settings})
    assert clean_config({"base": "folder:tiny", "devices": 2})["devices"] == 2
