"""A manager cleans a corpus in the browser: picks the recipe, watches the job through a real
worker, reads the report (drops, identifiers, before/after) and opens a near-duplicate cluster;
the cleaned corpus takes its source's place, so the project's notes and labels are not counted twice."""

import random

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from labeling.models import Corpus, Document, Project
from labeling.services import demo, tasks
from tests.e2e.conftest import log_in
from tests.support.phi_notes import LISTED, body, generate, near_copy

pytestmark = pytest.mark.worker


def test_a_manager_cleans_a_corpus_and_reads_the_report(page, worker):
    _project, passwords = demo.load_demo(note_count=5)
    project = Project.objects.get(name=demo.DEMO_PROJECT_NAME)
    rng = random.Random(2)
    texts = [f"{text}\n{body(rng, 4)}" for text, _planted in generate(30, seed=4)]
    texts.append(near_copy(texts[3], rng, 2))
    corpus = Corpus.objects.create(project=project, name="Ward notes", status=Corpus.Status.READY,
                                   document_count=len(texts))
    Document.objects.bulk_create(Document(corpus=corpus, external_id=f"w{i}", text=text, content_hash=str(i),
                                          length=len(text)) for i, text in enumerate(texts))
    annotator = get_user_model().objects.get(username="demo-annotator")
    label = project.label_schema.labels.first()
    for document in corpus.documents.order_by("id")[:5]:
        tasks.submit(annotator, project, document, [label.pk])
    log_in(page, "demo-manager", passwords["demo-manager"])
    page.goto(f"/projects/{project.pk}/")
    expect(page.locator("#document-total")).to_have_text("36 documents in the labeling queue.")
    page.goto(f"/projects/{project.pk}/corpora/{corpus.pk}/")
    expect(page.locator("#corpus-role")).to_contain_text("In the labeling queue")
    page.locator("#corpus-clean").click()
    page.get_by_label("Names", exact=True).fill("\n".join(LISTED))
    page.get_by_label("Save these settings as a recipe named").fill("Ward default")
    page.locator("#clean-start").click()
    expect(page.locator("#run-status")).to_have_text("Done", timeout=60_000)
    expect(page.locator("#run-summary")).to_contain_text("31 notes in, 30 out")
    expect(page.locator("#run-shards tbody tr").last.locator("td")).to_have_text(
        ["De-identifying", "31", "1 of 1", "0", f"{worker.name} (1)"])
    expect(page.locator("#run-drops")).to_contain_text("near_duplicate")
    expect(page.locator("#run-deid")).to_contain_text("NAME")
    expect(page.locator(".sample ins").first).to_be_visible()
    page.locator("#run-clusters a").first.click()
    expect(page.locator("article")).to_have_count(2)
    page.go_back()
    page.locator("#run-output").click()
    expect(page.locator("#corpus-lineage")).to_contain_text("Cleaned from Ward notes")
    cleaned = Corpus.objects.get(kind=Corpus.Kind.CLEANED)
    assert cleaned.document_count == 30
    expect(page.locator("#corpus-role")).to_contain_text("In the labeling queue")
    page.goto(f"/projects/{project.pk}/corpora/{corpus.pk}/")
    expect(page.locator("#corpus-role")).to_contain_text(f"Kept aside Not labeled and not counted: {cleaned.name} took "
                                                         "its place, with its annotations.")
    page.goto(f"/projects/{project.pk}/")  # the near copy left: one note fewer, not twice as many
    expect(page.locator("#document-total")).to_have_text(
        "35 documents in the labeling queue (2 of 3 corpora; the others are kept aside).")
    page.goto(f"/projects/{project.pk}/dashboard/")
    expect(page.get_by_role("row", name="demo-annotator").locator("td").nth(1)).to_have_text("5")  # not 10
    assert not any(name in text for text in cleaned.documents.values_list("text", flat=True) for name in LISTED)
    assert page.problems == []
