"""A manager pretrains a tiny encoder in the browser through a real worker, watches the job, and
opens the new model version."""

import random

import pytest
from playwright.sync_api import expect

from labeling.models import Corpus, Document, Project
from labeling.services import demo
from tests.e2e.conftest import log_in
from tests.support.phi_notes import body

pytestmark = pytest.mark.worker


def test_a_manager_pretrains_an_encoder_and_opens_the_version(page, worker):
    _project, passwords = demo.load_demo(note_count=5)
    project = Project.objects.get(name=demo.DEMO_PROJECT_NAME)
    rng = random.Random(6)
    corpus = Corpus.objects.create(project=project, name="Ward notes", status=Corpus.Status.READY, document_count=200)
    Document.objects.bulk_create(Document(corpus=corpus, external_id=f"w{i}", text=body(rng, 4), content_hash=str(i),
                                          length=100) for i in range(200))
    log_in(page, "demo-manager", passwords["demo-manager"])
    page.goto(f"/projects/{project.pk}/")
    page.get_by_role("link", name="Models").click()
    page.locator("#pretrain-link").click()
    page.get_by_label("Ward notes (raw, 200 notes)").check()
    for label, value in (("Layers", "2"), ("Hidden", "64"), ("Heads", "2"), ("Vocab size", "600"),
                         ("Max length", "32"), ("Max steps", "30"), ("Checkpoint every", "10"), ("Eval share", "0.1"),
                         ("Model name", "Ward encoder")):
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_label("Queue", exact=True).select_option("cpu")
    page.locator("#pretrain-start").click()
    expect(page.locator("#job-status")).to_have_text("Succeeded", timeout=90_000)
    page.goto(f"/projects/{project.pk}/models/")
    expect(page.locator("table.versions")).to_contain_text("perplexity")
    page.get_by_role("link", name="v1", exact=True).click()
    expect(page.locator("#version-files")).to_contain_text("model.safetensors")
    expect(page.locator("#version-lineage")).to_contain_text("Ward notes")
    assert page.problems == []
