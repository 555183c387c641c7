"""Serving: the predict API answers with the production classifier's labels — the same the
evaluation counted — follows the alias without a restart, limits requests, never unpickles a
file, and prediction jobs fill the annotate page's pre-selections and the uncertainty queue."""

import json
import math

import numpy as np
import pytest
import torch
from django.urls import reverse
from rest_framework.authtoken.models import Token

from labeling.models import Membership, Prediction, Project, Role
from labeling.services import predictions as prediction_service
from labeling.services import tasks
from studio.jobs import execution
from studio.models import Job
from tests.support.classifiers import finetune, labeled_snapshot
from tests.support.factories import UserFactory, make_admin
from training.serving import service as serving
from training.evaluation import metrics
from training.finetuning import data
from training.finetuning.classifier import Classifier, ClassifierLoadError
from training.models import ModelVersion, RegisteredModel
from training.registry import aliases
from training.registry.versions import artifact_sha256


@pytest.fixture
def promoted(project, manager, artifacts, django_capture_on_commit_callbacks):
    """Two baseline versions of one classifier evaluated on the gold snapshot; v1 in production."""
    snapshot = labeled_snapshot(project, manager, django_capture_on_commit_callbacks)
    first, first_report = finetune(manager, project, snapshot, django_capture_on_commit_callbacks, model_name="triage")
    second, _ = finetune(manager, project, snapshot, django_capture_on_commit_callbacks, model_name="triage",
                         class_weighting=True)
    project.gold_snapshot = snapshot
    project.save()
    admin = make_admin(UserFactory(username="ward-admin"))
    Membership.objects.create(project=project, user=admin, role=Role.MANAGER)
    aliases.promote(admin, first.output)
    serving._loaded.clear()
    return {"snapshot": snapshot, "first": first.output, "second": second.output, "report": first_report,
            "admin": admin}


@pytest.mark.django_db
def test_predict_gives_the_evaluations_labels_and_follows_the_alias(client, project, annotator, promoted):
    snapshot, report = promoted["snapshot"], promoted["report"]
    labels, multi = data.snapshot_labels(snapshot)
    test = data.read_split(snapshot, "test", labels, multi)
    stored = np.array([report.predictions[str(pk)] for pk in test.ids])
    expected = [labels[index] for index in metrics.predictions(stored, multi, None)]
    client.force_login(annotator)
    url = reverse("api-predict", args=[project.pk])
    answer = client.post(url, {"texts": test.texts}, content_type="application/json")
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["version"] == 1 and body["model"] == "triage"
    assert [row["labels"] for row in body["predictions"]] == [[name] for name in expected]
    assert math.isclose(sum(body["predictions"][0]["scores"].values()), 1.0, rel_tol=1e-3)
    aliases.promote(promoted["admin"], promoted["second"], "weighted classes")  # no restart in between
    assert client.post(url, {"text": test.texts[0]}, content_type="application/json").json()["version"] == 2
    asked = client.post(url, {"text": test.texts[0], "version": promoted["first"].pk}, content_type="application/json")
    assert asked.json()["version"] == 1


@pytest.mark.django_db
def test_predict_limits_errors_and_service_tokens(client, project, other_project, outsider, promoted, settings):
    service = UserFactory(username="triage-service")
    Membership.objects.create(project=project, user=service, role=Role.ANNOTATOR)
    headers = {"HTTP_AUTHORIZATION": f"Token {Token.objects.create(user=service).key}"}
    url = reverse("api-predict", args=[project.pk])
    post = lambda payload, **extra: client.post(url, payload, content_type="application/json", **{**headers, **extra})  # noqa: E731
    assert post({"text": "troponin raised with chest pain"}).json()["predictions"][0]["labels"] == ["Cardiology"]
    assert client.post(url + "/", {"text": "wheeze"}, content_type="application/json", **headers).status_code == 200
    settings.STUDIO_PREDICT_MAX_TEXTS, settings.STUDIO_PREDICT_MAX_CHARS = 3, 100
    too_many = post({"texts": ["a"] * 4})
    assert too_many.status_code == 413 and "At most 3 texts" in too_many.json()["detail"]
    assert post({"text": "x" * 101}).status_code == 413
    assert post({"texts": []}).status_code == 400 and post({"texts": [1, 2]}).status_code == 400
    assert post({"text": "a", "version": 10**6}).status_code == 404
    assert client.post(url, {"text": "a"}, content_type="application/json").status_code in (401, 403)
    client.force_login(outsider)
    assert client.post(url, {"text": "a"}, content_type="application/json").status_code == 404
    Membership.objects.create(project=other_project, user=service, role=Role.ANNOTATOR)
    nothing = client.post(reverse("api-predict", args=[other_project.pk]), {"text": "a"},
                          content_type="application/json", **headers)
    assert nothing.status_code == 409 and "No classifier" in nothing.json()["detail"]


@pytest.mark.django_db
def test_a_pickled_model_file_is_never_loaded(project, artifacts, monkeypatch, promoted):
    folder = artifacts / "pickled"
    folder.mkdir()
    (folder / "classifier.json").write_text('{"labels": ["a", "b"], "multi": false, "thresholds": null, '
                                            '"max_length": 32}')
    (folder / "config.json").write_text('{"model_type": "bert", "architectures": ["BertForSequenceClassification"]}')
    torch.save({"weight": torch.zeros(2)}, folder / "pytorch_model.bin")  # a pickle
    opened = []
    monkeypatch.setattr(torch, "load", lambda *args, **kwargs: opened.append(args) or {})
    with pytest.raises(ClassifierLoadError, match="pickled weights are never loaded"):
        Classifier(folder)
    registered = RegisteredModel.objects.create(project=project, name="imported", kind="classifier")
    version = ModelVersion.objects.create(registered_model=registered, version=1, folder="pickled",
                                          sha256=artifact_sha256(folder))
    with pytest.raises(serving.ServingError, match="pickled") as refused:
        serving.predict(project, ["a"], version_id=version.pk)
    assert refused.value.status == 503 and opened == []


@pytest.mark.django_db
def test_a_prediction_job_fills_pre_selections_and_orders_the_queue(
        client, project, manager, annotator, promoted, django_capture_on_commit_callbacks):
    version, corpus = promoted["first"], promoted["snapshot"].project.corpora.get()
    client.force_login(manager)
    bad = client.post(reverse("api-model-version-predict-corpus", args=[project.pk, version.pk]),
                      {"corpus": corpus.pk, "measure": "vibes"}, content_type="application/json")
    assert bad.status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(reverse("api-model-version-predict-corpus", args=[project.pk, version.pk]),
                              {"corpus": corpus.pk, "measure": "margin"}, content_type="application/json")
    assert started.status_code == 201, started.content
    execution.execute(started.json()["id"], "w@host", {})
    job = Job.objects.get(pk=started.json()["id"])
    assert f"Loading {version} to predict {corpus.name}" in job.log and job.progress == 1.0
    stored = Prediction.objects.filter(version=version)
    assert stored.count() == corpus.documents.count() and not stored.filter(uncertainty__isnull=True).exists()
    assert stored.first().model_version == str(version)
    Project.objects.filter(pk=project.pk).update(task_order=Project.TaskOrder.UNCERTAINTY)
    project.refresh_from_db()
    most_uncertain = stored.order_by("-uncertainty", "document_id").first()
    assignment = tasks.next_assignment(annotator, project)
    assert assignment.document_id == most_uncertain.document_id
    page = client.get(reverse("model-version", args=[project.pk, version.pk])).content.decode()
    assert 'id="predict-form"' in page and "production" in page


def test_uncertainty_measures():
    assert prediction_service.uncertainty({"a": 0.7, "b": 0.2, "c": 0.1}) == pytest.approx(0.3)
    assert prediction_service.uncertainty({"a": 0.7, "b": 0.2, "c": 0.1}, "margin") == pytest.approx(0.5)
    assert prediction_service.uncertainty({"a": 0.5, "b": 0.5}, "entropy") == pytest.approx(1.0)
    assert prediction_service.uncertainty({"a": 1.0, "b": 0.0}, "entropy") == pytest.approx(0.0)
    # multi-label: each label a yes/no question; the most uncertain one counts
    assert prediction_service.uncertainty({"a": 0.95, "b": 0.5}, "margin", multi=True) == pytest.approx(1.0)
    assert prediction_service.uncertainty({"a": 0.9, "b": 0.2}, multi=True) == pytest.approx(0.2)


@pytest.mark.django_db
def test_a_predict_request_at_the_documented_limits_is_served_and_a_larger_body_answers_json(
        client, project, annotator, promoted, settings):
    client.force_login(annotator)
    url = reverse("api-predict", args=[project.pk])
    texts = ["é" * settings.STUDIO_PREDICT_MAX_CHARS] * settings.STUDIO_PREDICT_MAX_TEXTS
    body = json.dumps({"texts": texts})  # every character escaped: six bytes each
    served = client.post(url, body, content_type="application/json")
    assert served.status_code == 200 and len(served.json()["predictions"]) == settings.STUDIO_PREDICT_MAX_TEXTS
    too_big = client.post(url, body + " " * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE - len(body) + 1),
                          content_type="application/json")
    assert too_big.status_code == 413 and too_big["Content-Type"] == "application/json"
    assert "larger than" in too_big.json()["detail"]
