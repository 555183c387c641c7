"""A manager makes a fine-tuned encoder smaller and faster through a real worker: exports it to ONNX fp32 and int8
from its version page (each a new version, evaluated, badged on the Models tab), then distils it into a one-layer
student from the “Distil into a student…” button and reads the student's evaluation beside its teacher's."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import log_in
from tests.support.classifiers import build_tiny_base, demo_with_snapshot
from tests.support.worker import WorkerProcess, wait_for
from training.finetuning.service import start_finetuning
from training.models import EvaluationReport, Finetuning, ModelVersion

pytestmark = pytest.mark.worker


def done(version_filter):
    return EvaluationReport.objects.filter(status="done", **version_filter).exists()


def test_a_manager_exports_an_encoder_to_onnx_and_distils_it_into_a_student(page, transactional_db, settings,
                                                                           tmp_path):
    from studio.celery import app

    settings.STUDIO_ARTIFACTS_DIR = tmp_path / "artifacts"
    settings.STUDIO_BASE_MODELS_DIR = tmp_path / "base-models"
    build_tiny_base(settings.STUDIO_BASE_MODELS_DIR / "tiny")
    app.control.purge()
    worker = WorkerProcess(artifacts_dir=settings.STUDIO_ARTIFACTS_DIR,
                           base_models_dir=settings.STUDIO_BASE_MODELS_DIR).start()
    try:
        project, manager, snapshot, passwords = demo_with_snapshot()
        teacher_run = start_finetuning(manager, project, snapshot, {
            "base": "folder:tiny", "learning_rate": 1e-3, "epochs": 8, "max_length": 64, "early_stopping": 0,
            "queue": "cpu", "model_name": "triage"})
        assert wait_for(lambda: Finetuning.objects.get(pk=teacher_run.pk).output_id is not None, timeout=120)
        teacher = Finetuning.objects.get(pk=teacher_run.pk).output
        assert wait_for(lambda: done({"model_version": teacher}), timeout=60)
        log_in(page, "demo-manager", passwords["demo-manager"])
        page.goto(f"/projects/{project.pk}/models/versions/{teacher.pk}/")
        form = page.locator("#onnx-form")
        expect(form.get_by_label("fp32 (as trained)")).to_be_checked()
        expect(form.get_by_label("int8 (weights quantised")).to_be_checked()
        form.get_by_role("button", name="Export").click()
        expect(page.locator("#job-status")).to_have_text("Succeeded", timeout=90_000)
        expect(page.locator("#job-log")).to_contain_text("against PyTorch")
        exports = ModelVersion.objects.filter(base=teacher, lineage__runtime="onnx")
        assert sorted(version.lineage["precision"] for version in exports) == ["fp32", "int8"]
        int8 = exports.get(lineage__precision="int8")
        page.locator("#job-links").get_by_role("link", name=str(int8), exact=True).click()
        expect(page.locator("#version-lineage")).to_contain_text("exported to ONNX int8 from")
        expect(page.locator("#onnx-form")).to_have_count(0)  # an export is exported no further
        page.goto(f"/projects/{project.pk}/models/")
        expect(page.locator(".badge", has_text="ONNX int8")).to_have_count(1)
        # Distil the teacher into a one-layer student.
        page.goto(f"/projects/{project.pk}/models/versions/{teacher.pk}/")
        page.locator("#version-distil").click()
        expect(page.get_by_label("Teacher")).to_have_value(str(teacher.pk))
        page.get_by_label("Snapshot").select_option(str(snapshot.pk))
        page.get_by_label("Base", exact=True).select_option("folder:tiny")
        page.get_by_label("Model name", exact=True).fill("triage student")
        page.get_by_label("Student layers").fill("1")
        page.get_by_label("Epochs").fill("8")
        page.get_by_label("Learning rate", exact=True).fill("0.001")
        page.get_by_label("Max length").fill("64")
        page.get_by_label("Queue").select_option("cpu")
        page.locator("#finetune-start").click()
        expect(page.locator("#job-status")).to_have_text("Succeeded", timeout=120_000)
        expect(page.locator("#job-log")).to_contain_text("Distilling")
        student = Finetuning.objects.order_by("-id").first().output
        assert student.lineage["teacher"]["id"] == teacher.pk
        assert wait_for(lambda: done({"model_version": student}), timeout=60)
        page.locator("#job-links").get_by_role("link", name=re.compile("on the test split")).click()
        expect(page.locator("#report-vs-teacher")).to_contain_text("of its teacher's macro F1")
        expect(page.locator("#report-vs-teacher")).to_contain_text(str(teacher))
        assert not page.problems
    finally:
        worker.stop()
