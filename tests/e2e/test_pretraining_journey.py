"""A manager pretrains a tiny encoder in the browser through a real worker, watches the job, reads its
curves (the loss first, values on hover, bookkeeping behind More), and opens the new model version."""

import random
import re

import pytest
from playwright.sync_api import expect

from labeling.models import Corpus, Document, Project
from labeling.services import demo
from tests.e2e.conftest import log_in
from tests.e2e.seeing import assert_accessible
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
    page.reload()  # the finished page, no longer polling
    titles = page.locator("#job-curves .curves").first.locator("figure figcaption")
    expect(titles.first).to_contain_text("Training loss")
    first_titles = [text.split(" · ")[0] for text in titles.all_inner_texts()]
    assert first_titles[0] == "Training loss" and "Epoch" not in first_titles, first_titles
    assert first_titles.index("Held-out loss") < first_titles.index("Learning rate"), first_titles
    more = page.locator("details.more-curves")
    expect(more.locator("summary")).to_contain_text("epoch")
    expect(more.locator("figure").first).to_be_hidden()  # closed until asked for
    loss = page.locator('figure[data-curve="loss"]')
    value = loss.locator(".u-legend .u-series").nth(1).locator(".u-value")
    expect(value).to_have_text("—")
    loss.locator(".u-over").hover()  # the middle of the plot
    expect(value).to_have_text(re.compile(r"^\d+(\.\d+)?$"))  # the hovered step's loss
    tick = page.evaluate("getComputedStyle(document.querySelector('#job-curves .u-legend')).fontSize")
    assert float(tick.removesuffix("px")) >= 12, tick  # readable, not the 6-px ticks of a shrunk SVG
    page.get_by_label("Log scale").check()
    expect(loss.locator(".uplot")).to_be_visible()
    page.get_by_label("Smoothing").fill("0.6")
    expect(loss.locator(".u-legend")).to_contain_text("smoothed")
    more.locator("summary").click()
    expect(more.locator(".uplot").first).to_be_visible()  # drawn once opened
    assert_accessible(page, "job page with interactive curves")
    page.goto(f"/projects/{project.pk}/models/")
    expect(page.locator("table.versions")).to_contain_text("perplexity")
    page.get_by_role("link", name="v1", exact=True).click()
    expect(page.locator("#version-files")).to_contain_text("model.safetensors")
    expect(page.locator("#version-lineage")).to_contain_text("Ward notes")
    assert page.problems == []
