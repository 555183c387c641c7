"""“Retrain the baseline every N new labels”: the Nth label starts one retraining (not N−1, not
two), which freezes a snapshot, fits the baseline, starts its evaluation and predicts every corpus
for the uncertainty queue; managers set it in the browser and through the API."""

import pytest
from django.urls import reverse

from labeling.models import Label, Prediction
from labeling.services import tasks
from studio.jobs import execution
from studio.models import Job
from tests.support.classifiers import labeled_snapshot
from training.models import EvaluationReport, RetrainPolicy


@pytest.mark.django_db
def test_the_nth_new_label_starts_a_retraining_that_predicts_the_corpus(
        client, project, manager, annotator, artifacts, django_capture_on_commit_callbacks):
    labeled_snapshot(project, manager, django_capture_on_commit_callbacks)
    client.force_login(manager)
    saved = client.put(reverse("api-retrain-policy", args=[project.pk]),
                       {"every": 10, "model_name": "Queue model", "measure": "entropy"}, content_type="application/json")
    assert saved.status_code == 200 and saved.json()["enabled"] is True and saved.json()["pending"] == 0
    cardiology = Label.objects.get(schema__project=project, name="Cardiology").pk
    for number in range(10):
        with django_capture_on_commit_callbacks(execute=True):
            assignment = tasks.next_assignment(annotator, project)
            tasks.submit(annotator, project, assignment.document, [cardiology])
        assert Job.objects.filter(kind="retrain").count() == (1 if number == 9 else 0)
    policy = RetrainPolicy.objects.get()
    assert policy.pending == 0 and policy.runs == 1
    job = Job.objects.get(kind="retrain")
    execution.execute(job.pk, "w@host", {})
    job.refresh_from_db()
    assert job.status == "succeeded", job.error
    version = policy.project.registered_models.get(name="Queue model").versions.get()
    corpus = project.corpora.get()
    assert Prediction.objects.filter(version=version).count() == corpus.documents.count()
    assert EvaluationReport.objects.filter(model_version=version, split="test").exists()
    assert job.metrics["predicted_documents"] == corpus.documents.count()
    # Its stages in order, each part of one progress bar: freezing, fitting, predicting.
    stages = ["Freezing the labels so far", "Fitting logistic regression", "Registering the model version", "Loading"]
    assert [job.log.index(stage) for stage in stages] == sorted(job.log.index(stage) for stage in stages), job.log
    assert job.progress == 1.0
    page = client.get(reverse("model-list", args=[project.pk])).content.decode()
    assert 'id="retrain-status"' in page and f"job #{job.pk}" in page


@pytest.mark.django_db
def test_managers_set_retraining_in_the_browser_and_start_it_now(
        client, project, manager, annotator, artifacts, django_capture_on_commit_callbacks):
    client.force_login(manager)
    assert client.get(reverse("api-retrain-policy", args=[project.pk])).status_code == 404
    assert client.post(reverse("api-retrain-now", args=[project.pk])).status_code == 400
    bad = client.post(reverse("model-retraining", args=[project.pk]), {"every": 3, "model_name": "x",
                                                                       "measure": "margin", "enabled": "on"})
    assert bad.status_code == 302 and not RetrainPolicy.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(reverse("model-retraining", args=[project.pk]),
                              {"every": 50, "model_name": "Queue model", "measure": "margin", "enabled": "on",
                               "run": "1"})
    job = Job.objects.get(kind="retrain")
    assert started.status_code == 302 and started["Location"] == reverse("job-detail", args=[job.pk])
    assert RetrainPolicy.objects.get().every == 50
    client.force_login(annotator)
    assert client.get(reverse("api-retrain-policy", args=[project.pk])).status_code == 403
    assert client.post(reverse("model-retraining", args=[project.pk]), {"every": 20}).status_code == 403
