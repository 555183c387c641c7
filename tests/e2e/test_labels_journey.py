"""A manager edits every label and saves once (two labels swap keys), adds a label that gets the next colour of a
colour-blind-safe palette, writes guidelines with a Markdown table, and sees every member counted in the project
list."""

from playwright.sync_api import expect

from labeling.models import Project
from labeling.services import demo
from labeling.services.schema import PALETTE
from tests.e2e.conftest import log_in

GUIDELINES = "| Label | When |\n|:--|--:|\n| Cardiology | chest pain <b>first</b> |\n"


def test_the_manager_edits_every_label_at_once_and_writes_a_table(page):
    _project, passwords = demo.load_demo(note_count=5)
    project = Project.objects.get(name=demo.DEMO_PROJECT_NAME)
    first, second = project.label_schema.labels.order_by("position")[:2]
    log_in(page, "demo-manager", passwords["demo-manager"])

    projects = page.locator("#projects")
    row = projects.locator("tr", has=page.get_by_role("link", name=project.name))
    expect(row.locator("td").nth(2)).to_have_text("4")  # manager, reviewer, annotator and admin

    page.goto(f"/projects/{project.pk}/labels/")
    expect(page.get_by_role("button", name="Save", exact=True)).to_have_count(1)  # the guidelines' only
    page.get_by_label(f"Key of {first.name}").fill(second.hotkey)
    page.get_by_label(f"Key of {second.name}").fill(first.hotkey)
    page.get_by_label(f"Description of {second.name}").fill("Lungs and airways")
    page.get_by_role("button", name="Save all labels").click()
    expect(page.locator(".message.success")).to_contain_text("Saved 5 labels")
    expect(page.get_by_label(f"Key of {first.name}")).to_have_value(second.hotkey)
    expect(page.get_by_label(f"Key of {second.name}")).to_have_value(first.hotkey)
    expect(page.get_by_label(f"Description of {second.name}")).to_have_value("Lungs and airways")

    form = page.locator("#label-add-form")
    expect(form.get_by_label("Color")).to_have_value(PALETTE[0])
    form.get_by_label("Name").fill("Oncology")
    form.get_by_role("button", name="Add label").click()
    expect(page.get_by_label("Colour of Oncology")).to_have_value(PALETTE[0])
    expect(page.locator("#label-add-form").get_by_label("Color")).to_have_value(PALETTE[1])  # the next differs

    page.get_by_label("Guidelines (Markdown)").fill(GUIDELINES)
    page.locator("#schema-form").get_by_role("button", name="Save").click()
    table = page.locator("#guidelines-rendered table")
    expect(table).to_be_visible()
    expect(table.locator("th").first).to_have_text("Label")
    expect(table.locator("td").nth(1)).to_have_text("chest pain <b>first</b>")  # HTML stays text
    assert table.locator("b").count() == 0
    cell = table.locator("td").nth(1)
    assert cell.evaluate("element => getComputedStyle(element).textAlign") == "right"
    assert cell.evaluate("element => getComputedStyle(element).borderTopStyle") == "solid"
    assert page.problems == []
