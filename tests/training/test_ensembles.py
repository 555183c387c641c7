"""Ensembles: two classifier versions with the same labels combined into one version through the API (and the
Models tab's form): weights chosen on the validation split, the ensemble compared with its best member on the test
split, registered with its members named by version and sha256, evaluated, served; a member whose files change
makes the ensemble refuse to load and to be promoted."""

import io
import json
import zipfile

import pytest
from django.urls import reverse

from studio.jobs import execution
from studio.models import Job
from tests.support.classifiers import finetune, labeled_snapshot
from training.ensembles.service import EnsembleError, start_ensemble
from training.models import EvaluationReport, ModelVersion

pytestmark = pytest.mark.django_db


@pytest.fixture
def members(project, manager, artifacts, django_capture_on_commit_callbacks):
    snapshot = labeled_snapshot(project, manager, django_capture_on_commit_callbacks)
    plain, _ = finetune(manager, project, snapshot, django_capture_on_commit_callbacks, model_name="triage")
    weighted, _ = finetune(manager, project, snapshot, django_capture_on_commit_callbacks, model_name="triage",
                           class_weighting=True, augment_ratio=0.5)
    return snapshot, plain.output, weighted.output


def test_two_classifiers_combine_into_an_ensemble_version_that_is_evaluated_and_served(
        client, project, manager, members, django_capture_on_commit_callbacks):
    snapshot, first, second = members
    client.force_login(manager)
    page = client.get(reverse("model-list", args=[project.pk])).content.decode()
    assert 'id="ensemble-form"' in page and f'value="{first.pk}"' in page
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(reverse("api-ensembles", args=[project.pk]),
                             {"versions": [first.pk, second.pk], "snapshot": snapshot.pk, "name": "triage ensemble"},
                             content_type="application/json")
    assert answer.status_code == 201, answer.content
    job = Job.objects.get(pk=answer.json()["job"])
    assert job.params["queue"] == "cpu"  # baselines need no GPU
    execution.execute(job.pk, "w@host", {})
    job.refresh_from_db()
    assert job.status == "succeeded", job.error
    version = ModelVersion.objects.get(pk=job.metrics["model_version"])
    members_file = json.loads((version.path / "ensemble.json").read_text())["members"]
    assert [(member["version"], member["sha256"]) for member in members_file] == [
        (first.pk, first.sha256), (second.pk, second.sha256)]
    assert sum(member["weight"] for member in members_file) == pytest.approx(1.0)
    test = version.metrics["test_vs_best_member"]
    assert version.metrics["best_member"] in (first.pk, second.pk) and test["low"] <= test["delta"] <= test["high"]
    assert "Weights " in job.log and "its best member" in job.log
    report = EvaluationReport.objects.get(model_version=version)
    execution.execute(report.job_id, "w@host", {})
    report.refresh_from_db()
    assert report.status == "done" and report.metrics["macro_f1"] > 0.9, report.metrics
    shown = client.get(reverse("evaluation-report", args=[project.pk, report.pk])).content.decode()
    assert 'id="report-vs-best-member"' in shown and "best member" in shown
    served = client.post(reverse("api-predict", args=[project.pk]), {"text": "chest pain on exertion",
                                                                      "version": version.pk},
                         content_type="application/json")
    assert served.status_code == 200, served.content
    assert abs(sum(served.json()["predictions"][0]["scores"].values()) - 1) < 1e-4  # each rounded to 5 places
    download = client.get(reverse("model-version-download", args=[project.pk, version.pk]))
    names = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content))).namelist()
    assert {"README.md", "classifier.json", "ensemble.json", f"members/{first.pk}/baseline.json",
            f"members/{second.pk}/classifier.json"} <= set(names)  # self-contained: each member's files too


def test_an_ensemble_refuses_a_changed_member_and_bad_requests(client, project, manager, other_project, members,
                                                               django_capture_on_commit_callbacks):
    from training.finetuning.classifier import Classifier
    from training.finetuning.classifier_file import ClassifierLoadError
    from training.registry import aliases

    snapshot, first, second = members
    with pytest.raises(EnsembleError, match="2 to 4"):
        start_ensemble(manager, project, [first.pk], snapshot)
    with pytest.raises(EnsembleError, match="No classifier version"):
        start_ensemble(manager, other_project, [first.pk, second.pk], snapshot)
    with django_capture_on_commit_callbacks(execute=True):
        job = start_ensemble(manager, project, [first.pk, second.pk], snapshot)
    execution.execute(job.pk, "w@host", {})
    job.refresh_from_db()
    version = ModelVersion.objects.get(pk=job.metrics["model_version"])
    with pytest.raises(EnsembleError, match="is an ensemble already"):
        start_ensemble(manager, project, [version.pk, first.pk], snapshot)
    settings_file = first.path / "classifier.json"
    settings_file.write_text(settings_file.read_text() + " ")  # a changed byte in a member
    with pytest.raises(ClassifierLoadError, match="has changed since the ensemble was made"):
        Classifier(version.path)
    with pytest.raises(aliases.PromotionError, match="whose member .* has changed"):
        aliases._verify(version)
    client.force_login(manager)
    refused = client.post(reverse("ensemble-create", args=[project.pk]), {"version": [first.pk], "snapshot": snapshot.pk})
    assert refused.status_code == 302 and refused.url == reverse("model-list", args=[project.pk])
    bad = client.post(reverse("api-ensembles", args=[project.pk]), {"versions": [first.pk], "snapshot": snapshot.pk},
                      content_type="application/json")
    assert bad.status_code == 400
