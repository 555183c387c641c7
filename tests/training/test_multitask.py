"""A multi-task fine-tune: one encoder learns two tasks' labels of the same notes, a head per task; each task's head
is registered as its own version (the encoder file shared by hash and kept once on disk), evaluated on its own
snapshot's test split and drawn as its own curves; what it cannot train is refused."""

import os

import pytest
from django.test import Client
from django.urls import reverse

from labeling.models import Annotation, Label
from labeling.services import schema as schema_service
from labeling.services import snapshots
from studio.jobs import execution
from studio.jobs import service as jobs_service
from studio.models import Job
from studio.settings_schema import SettingsError
from tests.support.classifiers import finetune, labeled_snapshot
from tests.support.factories import UserFactory, make_admin
from training.finetuning import data
from training.finetuning.classifier import Classifier
from training.finetuning.multitask import ENCODER_FILE, Task, schedule
from training.finetuning.service import FinetuneError, start_finetuning
from training.finetuning.service import SETTINGS
from training.models import EvaluationReport, Finetuning, ModelVersion
from training.registry import aliases
from training.registry.aliases import promotion_case
from training.serving.service import PredictError, start_prediction

pytestmark = pytest.mark.django_db
TRAINING = {"base": "folder:tiny", "learning_rate": 1e-3, "epochs": 12, "batch_size": 16, "early_stopping": 0,
            "max_length": 48}
URGENT = {"Cardiology", "Neurology"}  # the second task: urgent for these, routine for the rest


def two_tasks(project, manager, capture, count=150):
    """Snapshots of the main task (the planted specialty) and of a named task “Acuity” (Urgent or Routine, from the
    same notes), split alike."""
    main = labeled_snapshot(project, manager, capture, count=count, name="specialty", sentences=1)
    task = schema_service.add_task(manager, project, name="Acuity")
    urgent, routine = (schema_service.add_label(manager, project, name=name, task=task.pk) for name in
                       ("Urgent", "Routine"))
    for annotation in Annotation.objects.prefetch_related("labels"):
        names = {label.name for label in annotation.labels.all()}
        annotation.labels.add(urgent if names & URGENT else routine)
    with capture(execute=True):
        acuity = snapshots.start_snapshot(manager, project, name="acuity", task=task.pk, train_ratio=0.6,
                                          validation_ratio=0.2, test_ratio=0.2)
    execution.execute(acuity.job_id, "w@host", {})
    acuity.refresh_from_db()
    assert acuity.status == "ready" and acuity.split_sizes == main.split_sizes
    return main, acuity


def test_the_tasks_take_turns_and_each_gets_as_many_batches_as_the_largest():
    class Rows:
        def __init__(self, count):
            self.texts = ["x"] * count

    small, large = (Task(None, ["a"], False, Rows(count), Rows(0), 1.0) for count in (5, 40))
    steps = schedule([small, large], 8, seed=3, epoch=0)
    assert [task for task, _rows in steps] == [0, 1] * 5
    drawn = [row for task, rows in steps if task == 0 for row in rows]
    assert len(drawn) == 25 and set(drawn) == set(range(5))  # the small task comes round again
    assert sorted(row for task, rows in steps if task == 1 for row in rows) == list(range(40))
    assert schedule([small, large], 8, seed=3, epoch=0) == steps != schedule([small, large], 8, seed=3, epoch=1)


def test_one_encoder_learns_two_tasks_and_registers_a_version_per_task(
        project, manager, artifacts, tiny, django_capture_on_commit_callbacks):
    main, acuity = two_tasks(project, manager, django_capture_on_commit_callbacks)
    run, report = finetune(manager, project, main, django_capture_on_commit_callbacks, **TRAINING,
                           tasks=[acuity.pk], task_weights=[1, 2])
    job = Job.objects.get(pk=run.job_id)
    first, second = (ModelVersion.objects.get(pk=pk) for pk in job.metrics["model_versions"])
    assert (first.registered_model.name, second.registered_model.name) == ("specialty classifier", "acuity classifier")
    assert job.metrics["mean_validation_macro_f1"] > 0.8 and job.metrics["validation_macro_f1_specialty"] > 0.8 and job.metrics["validation_macro_f1_acuity"] > 0.8
    # The encoder's file: the same bytes in both versions, kept once on disk.
    assert os.stat(first.path / ENCODER_FILE).st_ino == os.stat(second.path / ENCODER_FILE).st_ino
    assert first.lineage["multitask"]["encoder_sha256"] == second.lineage["multitask"]["encoder_sha256"] \
        == job.metrics["encoder_sha256"]
    assert first.lineage["multitask"]["weights"] == [1.0, 2.0] and second.lineage["task"] == "Acuity"
    assert first.sha256 != second.sha256  # each head its own
    # Each is an ordinary classifier: loaded, scored and evaluated on its own snapshot's test split.
    acuity_report = EvaluationReport.objects.get(model_version=second)
    assert acuity_report.snapshot_id == acuity.pk and report.snapshot_id == main.pk
    execution.execute(acuity_report.job_id, "w@host", {})
    acuity_report.refresh_from_db()
    assert report.metrics["macro_f1"] > 0.8, report.metrics
    assert acuity_report.metrics["macro_f1"] > 0.8, acuity_report.metrics
    classifier = Classifier(second.path)
    assert classifier.labels == ["Urgent", "Routine"]
    test = data.read_split(acuity, "test", *data.snapshot_labels(acuity))
    predicted = classifier.labels_of(classifier.scores(test.texts))
    gold = [[data.snapshot_labels(acuity)[0][target]] for target in test.targets]
    assert sum(mine == right for mine, right in zip(predicted, gold)) >= 0.8 * len(gold)
    # A curve per task on the job page.
    series = jobs_service.metric_series(job)
    assert {"loss_specialty", "loss_acuity", "eval_macro_f1_specialty", "eval_macro_f1_acuity"} <= set(series)
    page = django_client_page(manager, job)
    assert "Loss specialty" in page and "Loss acuity" in page
    version_page = django_client_page(manager, job, reverse("model-version", args=[project.pk, second.pk]))
    assert 'id="version-multitask"' in version_page and "loss weights 1, 2)" in version_page
    assert 'id="predict-task"' in version_page and 'id="predict-form"' not in version_page
    assert reverse("model-version", args=[project.pk, first.pk]) in version_page
    # Served on its own through the predict API.
    served = api_client(manager).post(reverse("api-predict", args=[project.pk]),
                                      {"texts": test.texts[:5], "version": second.pk}, content_type="application/json")
    assert served.status_code == 200, served.content
    assert [prediction["labels"] for prediction in served.json()["predictions"]] == predicted[:5]
    # Promoted on its own, judged on its task's gold snapshot (set on the labels page or through the API).
    admin = make_admin(UserFactory(username="ward-admin"))
    assert "The task “Acuity” has no gold snapshot" in " ".join(promotion_case(second)["problems"])
    client = api_client(manager)
    task = acuity.task
    wrong = client.post(reverse("task-gold", args=[project.pk, task.pk]), {"gold_snapshot": main.pk})
    assert wrong.status_code == 400 and "a ready snapshot of the task" in wrong.content.decode()
    assert client.post(reverse("task-gold", args=[project.pk, task.pk]), {"gold_snapshot": acuity.pk}).status_code == 302
    assert client.put(reverse("api-task-detail", args=[project.pk, task.pk]), {"kind": "single",
                      "gold_snapshot": acuity.pk}, content_type="application/json").json()["gold_snapshot"] == acuity.pk
    aliases.promote(admin, second, reason="the head for acuity")
    assert second.aliases.get().name == "production" and not first.aliases.exists()
    # A named task's version does not pre-select the main task's labels.
    with pytest.raises(PredictError, match="labels the task “Acuity”"):
        start_prediction(manager, project, second, main.corpora.get())


def test_mean_pooled_heads_share_the_encoder_folder_s_weights(project, manager, artifacts, tiny,
                                                              django_capture_on_commit_callbacks):
    main, acuity = two_tasks(project, manager, django_capture_on_commit_callbacks, count=40)
    with django_capture_on_commit_callbacks(execute=True):
        run = start_finetuning(manager, project, main, {**TRAINING, "epochs": 1, "pooling": "mean", "queue": "cpu",
                                                        "tasks": [acuity.pk]})
    execution.execute(run.job_id, "w@host", {})
    job = Job.objects.get(pk=run.job_id)
    assert job.status == "succeeded", job.error
    first, second = (ModelVersion.objects.get(pk=pk) for pk in job.metrics["model_versions"])
    assert first.lineage["multitask"]["encoder_file"] == "model.safetensors"
    assert os.stat(first.path / "model.safetensors").st_ino == os.stat(second.path / "model.safetensors").st_ino
    assert Classifier(second.path).scores(["wheeze"]).shape == (1, 2)


def api_client(user):
    client = Client()
    client.force_login(user)
    return client


def django_client_page(user, job, url=None):
    return api_client(user).get(url or f"/jobs/{job.pk}/").content.decode()


def test_the_fine_tune_form_starts_a_multi_task_run(client, project, manager, artifacts, tiny,
                                                    django_capture_on_commit_callbacks):
    main, acuity = two_tasks(project, manager, django_capture_on_commit_callbacks, count=30)
    client.force_login(manager)
    form = client.get(reverse("finetune", args=[project.pk])).content.decode()
    assert "acuity (task Acuity, 30 documents)" in form
    fields = {setting.name: str(setting.default) for setting in SETTINGS
              if setting.type is not bool and setting.type is not list}
    fields.update(snapshot=str(main.pk), base="folder:tiny", queue="cpu", max_length="64", tasks=[str(acuity.pk)],
                  task_weights="1\n0.5")
    response = client.post(reverse("finetune", args=[project.pk]), fields)
    assert response.status_code == 302, [line for line in response.content.decode().splitlines() if "error" in line]
    run = Finetuning.objects.get()
    assert run.config["tasks"] == [acuity.pk] and run.config["task_weights"] == [1.0, 0.5]
    assert [entry["id"] for entry in Job.objects.get(pk=run.job_id).inputs] == [main.pk, acuity.pk]
    fields.update(task_weights="1\nheavy")
    refused = client.post(reverse("finetune", args=[project.pk]), fields)
    assert refused.status_code == 400 and "task_weights" in refused.content.decode()


@pytest.mark.parametrize("config,message", [
    ({"base": "baseline"}, "trains an encoder"),
    ({"long_notes": "windows"}, "reads each note's first max_length"),
    ({"seeds": 2}, "trains once"),
    ({"task_weights": [1]}, "2 numbers above 0"),
    ({"task_weights": [1, 0]}, "2 numbers above 0"),
])
def test_what_a_multi_task_run_cannot_do_is_refused(project, manager, artifacts, tiny, config, message,
                                                     django_capture_on_commit_callbacks):
    main, acuity = two_tasks(project, manager, django_capture_on_commit_callbacks, count=30)
    with pytest.raises((SettingsError, FinetuneError), match=message):
        start_finetuning(manager, project, main, {**TRAINING, "tasks": [acuity.pk], **config})


def test_a_task_twice_or_another_projects_snapshot_is_refused(project, other_project, manager, artifacts, tiny,
                                                               django_capture_on_commit_callbacks):
    main, acuity = two_tasks(project, manager, django_capture_on_commit_callbacks, count=30)
    with django_capture_on_commit_callbacks(execute=True):
        again = snapshots.start_snapshot(manager, project, name="specialty again")
    execution.execute(again.job_id, "w@host", {})
    with pytest.raises(FinetuneError, match="each snapshot of another task"):
        start_finetuning(manager, project, main, {**TRAINING, "tasks": [again.pk]})
    with pytest.raises(SettingsError, match="each once"):
        start_finetuning(manager, project, main, {**TRAINING, "tasks": [main.pk]})
    theirs = labeled_snapshot(other_project, manager, django_capture_on_commit_callbacks, count=20, name="theirs")
    with pytest.raises(FinetuneError, match="ready snapshots of this project"):
        start_finetuning(manager, project, main, {**TRAINING, "tasks": [theirs.pk]})
    assert Label.objects.filter(schema__name="Acuity").count() == 2
