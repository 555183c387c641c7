"""A manager fine-tunes an encoder that reads long notes in windows from the fine-tune form, through a real worker:
the job page says which attention ran and how many windows a note took, the version how it reads notes. The
manager then predicts a corpus with explanations, and an annotator sees the pre-selection with the words that
pushed the model highlighted in the note, hides them with w, and finds them again on review."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import log_in
from tests.support.classifiers import build_tiny_base, demo_with_snapshot
from tests.support.worker import WorkerProcess
from training.models import Finetuning

pytestmark = pytest.mark.worker


def test_a_windowed_encoder_is_trained_in_the_browser_and_its_predictions_explained(page, transactional_db,
                                                                                     settings, tmp_path):
    from studio.celery import app

    settings.STUDIO_ARTIFACTS_DIR = tmp_path / "artifacts"
    settings.STUDIO_BASE_MODELS_DIR = tmp_path / "base-models"
    build_tiny_base(settings.STUDIO_BASE_MODELS_DIR / "tiny")
    app.control.purge()
    worker = WorkerProcess(artifacts_dir=settings.STUDIO_ARTIFACTS_DIR,
                           base_models_dir=settings.STUDIO_BASE_MODELS_DIR).start()
    try:
        project, _manager, snapshot, passwords = demo_with_snapshot()
        log_in(page, "demo-manager", passwords["demo-manager"])
        page.goto(f"/projects/{project.pk}/models/")
        page.locator("#finetune-link").click()
        page.get_by_label("Snapshot").select_option(str(snapshot.pk))
        page.get_by_label("Model name", exact=True).fill("triage windows")
        page.get_by_label("Base", exact=True).select_option("folder:tiny")
        expect(page.get_by_label("Stride")).to_be_hidden()  # the windows' settings show once windows are chosen
        page.get_by_label("Long notes").select_option("windows")
        expect(page.get_by_label("Window pooling")).to_be_visible()
        page.get_by_label("Max length").fill("32")
        page.get_by_label("Stride").fill("16")
        page.get_by_label("Window pooling").select_option("max")
        page.get_by_label("Epochs").fill("20")
        page.get_by_label("Learning rate", exact=True).fill("0.001")
        page.get_by_label("Early stopping").fill("0")
        page.get_by_label("Queue").select_option("cpu")
        page.locator("#finetune-start").click()
        expect(page.locator("#job-status")).to_have_text("Succeeded", timeout=120_000)
        expect(page.locator("#job-log")).to_contain_text("Reading long notes in windows of 32 tokens")
        expect(page.locator("#job-results")).to_contain_text("Windows per note")
        expect(page.locator("#job-results")).to_contain_text("sdpa")
        version = Finetuning.objects.order_by("-id").first().output
        page.goto(f"/projects/{project.pk}/models/versions/{version.pk}/")
        expect(page.locator("#version-long-notes")).to_contain_text("reads long notes whole: windows of 32 tokens")
        # Predict the demo notes with explanations.
        demo_corpus = project.corpora.exclude(pk=snapshot.project.corpora.order_by("-id").first().pk).first()
        page.locator("#predict-corpus").select_option(str(demo_corpus.pk))
        page.locator("#predict-explain").check()
        page.locator("#predict-form").get_by_role("button", name="Predict").click()
        expect(page.locator("#job-status")).to_have_text("Succeeded", timeout=90_000)
        expect(page.locator("#job-results")).to_contain_text("Explained")
        # The annotator sees the pre-selection explained in the note.
        page.context.clear_cookies()
        log_in(page, "demo-annotator", passwords["demo-annotator"])
        page.goto(f"/projects/{project.pk}/annotate/")
        expect(page.locator("#prediction-why")).to_contain_text("Highlighted in the note")
        note = page.locator("#note-text")
        expect(note.locator("mark.towards").first).to_be_visible()
        page.locator("body").press("w")
        expect(note).to_have_class("note-text annotate-note explained plain")
        page.locator("body").press("w")
        expect(note).not_to_have_class("note-text annotate-note explained plain")
        document = page.locator("#task").get_attribute("data-document")
        page.context.clear_cookies()
        log_in(page, "demo-manager", passwords["demo-manager"])
        page.goto(f"/projects/{project.pk}/review/{document}/")
        expect(page.locator("#review-why")).to_contain_text("Highlighted")
        expect(page.locator("#who-said-what tr.predicted")).to_contain_text("model")
        assert not page.problems
    finally:
        worker.stop()
