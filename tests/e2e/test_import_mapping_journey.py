"""A manager uploads a file shaped like the medical abstracts (a digit label column first, then the text): the map page
guesses the long column as the text and the digit column as the label, warns when the digit column is picked as the
text, and the names given to the label values are the labels the import adds, each in a colour of its own."""

import pytest
from playwright.sync_api import expect

from labeling.models import Project
from labeling.services import demo
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.worker

ABSTRACTS = (
    "Obstructive sleep apnea following topical oropharyngeal anesthesia in loud snorers.",
    "Neutrophil function and pyogenic infections in bone marrow transplant recipients.",
    "Colonic adenocarcinoma presenting with a palpable mass in the right lower quadrant.",
)
CSV = "condition_label,medical_abstract\n" + "".join(
    f'{i % 3 + 1},"{ABSTRACTS[i % 3]} Patient {i}."\n' for i in range(60))


def test_the_map_page_guesses_the_columns_warns_and_names_the_labels(page, worker, tmp_path):
    _project, passwords = demo.load_demo(note_count=5)
    project = Project.objects.get(name=demo.DEMO_PROJECT_NAME)
    data = tmp_path / "medical_tc_test.csv"
    data.write_text(CSV)
    log_in(page, "demo-manager", passwords["demo-manager"])
    page.goto(f"/projects/{project.pk}/corpora/upload/")
    page.wait_for_load_state("load")
    page.set_input_files("#upload-file", str(data))
    page.get_by_role("button", name="Upload").click()

    text_column = page.get_by_label("Text column")
    expect(text_column).to_have_value("medical_abstract")
    labels = page.get_by_role("group", name="Label columns")
    expect(labels.get_by_label("condition_label", exact=True)).to_be_checked()
    expect(page.locator("#text-warning")).to_be_hidden()
    names = page.get_by_role("group", name="Names for the values of condition_label")
    expect(names).to_be_visible()

    text_column.select_option("condition_label")
    warning = page.locator("#text-warning")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("“condition_label” holds numbers, not notes")
    assert warning.evaluate("element => getComputedStyle(element).display") != "none"
    page.get_by_role("button", name="Import").click()  # refused without the tick: nothing imported
    expect(page.locator("#map-problem")).to_contain_text("holds numbers, not notes")
    assert page.problems == ["Failed to load resource: the server responded with a status of 400 (Bad Request)"]
    page.problems.clear()
    expect(page.get_by_label("Text column")).to_have_value("condition_label")
    page.get_by_label("Text column").select_option("medical_abstract")
    expect(page.locator("#text-warning")).to_be_hidden()

    labels.get_by_label("condition_label", exact=True).uncheck()
    expect(names).to_be_hidden()
    labels.get_by_label("condition_label", exact=True).check()
    expect(names).to_be_visible()
    page.get_by_label("Label name for condition_label 1").fill("Neoplasms")
    page.get_by_label("Label name for condition_label 2").fill("Digestive system diseases")
    page.get_by_label("Label name for condition_label 3").fill("Nervous system diseases")
    page.get_by_label("Corpus name").fill("Abstracts")
    page.get_by_role("button", name="Import").click()
    expect(page.locator("#corpus-status")).to_contain_text("Ready", timeout=30_000)
    expect(page.get_by_text("60 documents")).to_be_visible()

    page.goto(f"/projects/{project.pk}/labels/")
    table = page.locator("#labels")
    colours = []
    for name in ("Neoplasms", "Digestive system diseases", "Nervous system diseases"):
        field = table.get_by_label(f"Name of {name}")
        expect(field).to_have_value(name)
        colours.append(table.get_by_label(f"Colour of {name}").input_value())
    assert len(set(colours)) == 3, colours  # each imported label in a colour of its own
    expect(table).not_to_contain_text("Name of 1")
    assert page.problems == []
