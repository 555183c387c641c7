"""ONNX exports: a fine-tuned encoder classifier exported (API and version page) to ONNX fp32 and int8 as new
versions of the same model, checked against PyTorch, evaluated, promoted and served — and served without torch
or transformers in the process."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from studio.jobs import execution
from studio.models import Job
from tests.support.classifiers import build_tiny_base, finetune, labeled_snapshot
from training.models import EvaluationReport, ModelVersion
from training.onnx_export.service import ExportError, start_export
from training.registry import aliases
from training.registry.model_card import model_card

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def encoder(project, manager, artifacts, settings, tmp_path, django_capture_on_commit_callbacks):
    settings.STUDIO_BASE_MODELS_DIR = tmp_path / "base-models"
    build_tiny_base(settings.STUDIO_BASE_MODELS_DIR / "tiny")
    snapshot = labeled_snapshot(project, manager, django_capture_on_commit_callbacks)
    project.gold_snapshot = snapshot
    project.save(update_fields=["gold_snapshot"])
    run, report = finetune(manager, project, snapshot, django_capture_on_commit_callbacks, base="folder:tiny",
                           learning_rate=1e-3, epochs=8, batch_size=16, max_length=64, early_stopping=0,
                           model_name="triage")
    return run.output, report


def exported(client, project, version, capture, precisions=("fp32", "int8")):
    with capture(execute=True):
        answer = client.post(reverse("api-model-version-onnx", args=[project.pk, version.pk]),
                             {"precisions": list(precisions)}, content_type="application/json")
    assert answer.status_code == 201, answer.content
    job = Job.objects.get(pk=answer.json()["job"])
    execution.execute(job.pk, "w@host", {})
    job.refresh_from_db()
    assert job.status == "succeeded", job.error
    return job, {found.lineage["precision"]: found for found in ModelVersion.objects.filter(
        pk__in=job.metrics["model_versions"])}


def test_an_encoder_exports_to_onnx_fp32_and_int8_versions_that_are_evaluated_promoted_and_served(
        client, project, manager, admin_user, encoder, django_capture_on_commit_callbacks):
    original, original_report = encoder
    client.force_login(manager)
    page = client.get(reverse("model-version", args=[project.pk, original.pk])).content.decode()
    assert 'id="onnx-form"' in page
    job, made = exported(client, project, original, django_capture_on_commit_callbacks)
    assert set(made) == {"fp32", "int8"} and "against PyTorch" in job.log
    for precision, version in made.items():
        assert version.registered_model_id == original.registered_model_id and version.base_id == original.pk
        assert version.lineage["exported_from"] == {"id": original.pk, "name": str(original),
                                                    "sha256": original.sha256}
        files = {path.name for path in version.path.iterdir()}
        assert {"model.onnx", "tokenizer.json", "classifier.json"} <= files and "model.safetensors" not in files
        assert json.loads((version.path / "classifier.json").read_text())["precision"] == precision
        assert version.sha256 and version.sha256 != original.sha256 and version.params["queue"] == "cpu"
    # fp32 is the same function; int8 close to it (checked on the validation split's padded batches)
    assert made["fp32"].metrics["max_probability_difference"] < 1e-4
    assert made["fp32"].metrics["agreement_with_original"] == 1.0
    assert made["int8"].metrics["agreement_with_original"] >= 0.8
    assert made["int8"].size < made["fp32"].size
    for precision, version in made.items():
        report = EvaluationReport.objects.get(model_version=version)
        execution.execute(report.job_id, "w@host", {})
        report.refresh_from_db()
        assert report.status == "done", report.metrics
        allowed = 1e-6 if precision == "fp32" else 0.1
        assert abs(report.metrics["macro_f1"] - original_report.metrics["macro_f1"]) <= allowed, (
            precision, report.metrics["macro_f1"], original_report.metrics["macro_f1"])
    shown = client.get(reverse("model-version", args=[project.pk, made["int8"].pk])).content.decode()
    assert "exported to ONNX int8 from" in shown and 'id="onnx-form"' not in shown
    assert "ONNX int8" in client.get(reverse("model-list", args=[project.pk])).content.decode()
    assert f"Exported to ONNX int8 from {original}" in model_card(made["int8"])
    aliases.promote(admin_user, made["int8"], reason="int8 serves the clinic's CPUs")
    served = client.post(reverse("api-predict", args=[project.pk]), {"text": "chest pain on exertion"},
                         content_type="application/json")
    assert served.status_code == 200, served.content
    assert served.json()["version_id"] == made["int8"].pk
    assert abs(sum(served.json()["predictions"][0]["scores"].values()) - 1) < 1e-4


def test_exports_are_refused_for_what_is_not_an_encoder_and_another_projects_version(
        client, project, other_project, manager, encoder, django_capture_on_commit_callbacks):
    original, _report = encoder
    client.force_login(manager)
    baseline, _ = finetune(manager, project, original_report_snapshot(original), django_capture_on_commit_callbacks,
                           model_name="plain")
    with pytest.raises(ExportError, match="not a fine-tuned encoder"):
        start_export(manager, project, baseline.output)
    with pytest.raises(ExportError, match="Choose a precision"):
        start_export(manager, project, original, [])
    answer = client.post(reverse("api-model-version-onnx", args=[project.pk, baseline.output.pk]), {},
                         content_type="application/json")
    assert answer.status_code == 400 and "not a fine-tuned encoder" in answer.content.decode()
    answer = client.post(reverse("api-model-version-onnx", args=[project.pk, original.pk]), {"precisions": ["fp16"]},
                         content_type="application/json")
    assert answer.status_code == 400
    answer = client.post(reverse("api-model-version-onnx", args=[other_project.pk, original.pk]), {},
                         content_type="application/json")
    assert answer.status_code in (403, 404)
    _job, made = exported(client, project, original, django_capture_on_commit_callbacks, ["int8"])
    with pytest.raises(ExportError, match="not a fine-tuned encoder"):  # an export is exported no further
        start_export(manager, project, made["int8"])
    assert Job.objects.filter(kind="onnx_export").count() == 1


def original_report_snapshot(version):
    from labeling.models import DatasetSnapshot

    return DatasetSnapshot.objects.get(pk=version.lineage["snapshot"]["id"])


SERVE = """
import json, sys
import django
django.setup()
from pathlib import Path
from training.finetuning.classifier import Classifier
classifier = Classifier(Path(sys.argv[1]))
scores = classifier.scores(["chest pain on exertion", "a rash on both arms after a new soap"])
print(json.dumps({"labels": classifier.labels_of(scores), "rows": len(scores),
                  "loaded": [name for name in ("torch", "transformers", "sklearn") if name in sys.modules]}))
"""


def test_an_onnx_version_is_served_without_torch_in_the_process(
        client, project, manager, encoder, tmp_path, django_capture_on_commit_callbacks):
    original, _report = encoder
    client.force_login(manager)
    _job, made = exported(client, project, original, django_capture_on_commit_callbacks, ["int8"])
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "studio.settings.local", "STUDIO_VAR_DIR": str(tmp_path)}
    environment.pop("DATABASE_URL", None)
    result = subprocess.run([sys.executable, "-c", SERVE, str(made["int8"].path)], cwd=ROOT, env=environment,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert found["rows"] == 2 and found["loaded"] == [] and all(len(labels) == 1 for labels in found["labels"])
