"""A manager uploads a CSV in the browser, maps its columns (labels too), watches the import finish,
finds a note by search and filters the notes by an imported label."""

import re

import pytest
from playwright.sync_api import expect

from labeling.models import Project
from labeling.services import demo
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.worker

SPECIALTIES = sorted(demo.SPECIALTIES)[:2]
CSV = 'note_id,note_text,ward,specialty\n' + "".join(
    f'N{i:04d},"Day {i}: patient stable.\nPlan: continue <b>current</b> treatment.",ward-{i % 3},{SPECIALTIES[i % 2]}\n'
    for i in range(3000)
)


def test_the_manager_uploads_maps_imports_and_finds_a_note(page, worker, tmp_path):
    _project, passwords = demo.load_demo(note_count=5)
    project = Project.objects.get(name=demo.DEMO_PROJECT_NAME)
    notes = tmp_path / "ward notes.csv"
    notes.write_text(CSV)
    log_in(page, "demo-manager", passwords["demo-manager"])
    page.goto(f"/projects/{project.pk}/")
    page.get_by_role("link", name="Upload a corpus").click()
    page.wait_for_url("**/corpora/upload/")
    page.wait_for_load_state("load")  # the page's script listens for the file chosen next
    page.set_input_files("#upload-file", str(notes))
    expect(page.locator("#upload-status")).to_contain_text("ward notes.csv")
    page.get_by_role("button", name="Upload").click()


    expect(page.locator("#preview")).to_contain_text("N0000")
    expect(page.get_by_label("Text column")).to_have_value("note_text")
    expect(page.get_by_label("Id column")).to_have_value("note_id")
    page.get_by_label("Corpus name").fill("Ward notes")
    page.get_by_role("group", name="Metadata columns to keep").get_by_label("ward", exact=True).check()
    expect(page.get_by_role("group", name="Label columns").get_by_label("specialty", exact=True)).to_be_checked()
    page.get_by_role("button", name="Import").click()

    expect(page.get_by_role("heading", name="Ward notes")).to_be_visible()
    expect(page.locator("#corpus-status")).to_contain_text("Ready", timeout=30_000)
    expect(page.get_by_text("3000 documents")).to_be_visible()
    page.locator("#filter-label").select_option(label=SPECIALTIES[1])
    page.get_by_role("button", name="Filter").click()
    # On PostgreSQL two writers import in parallel, so ids need not follow the file's order: any
    # note of that label may come first, and only such notes.
    expect(page.locator("table.documents tbody tr").first).to_contain_text(re.compile(r"N\d\d\d[13579]"))
    expect(page.locator("table.documents tbody tr").nth(1)).to_contain_text(re.compile(r"N\d\d\d[13579]"))
    page.get_by_label("Search").fill("1234 stable")
    page.locator("#filter-label").select_option(label="any")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("table.documents tbody tr")).to_have_count(1)
    expect(page.get_by_role("link", name="N1234")).to_be_visible()
    page.get_by_role("link", name="N1234").click()
    expect(page.locator("#note-text")).to_contain_text("Plan: continue <b>current</b> treatment.")
    expect(page.locator("#annotations")).to_contain_text(SPECIALTIES[0])
    expect(page.locator("#annotations")).to_contain_text("imported")
    assert page.locator("#note-text b").count() == 0
    assert page.problems == []
