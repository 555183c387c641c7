"""A clinician labels 20 notes with the keyboard alone, undoes one and labels it again."""

import pytest
from playwright.sync_api import expect

from labeling.models import Annotation, Project
from labeling.services import demo
from tests.e2e.conftest import log_in


@pytest.fixture
def demo_passwords(transactional_db):
    _project, passwords = demo.load_demo(note_count=25)
    return passwords


def test_a_clinician_labels_twenty_notes_with_the_keyboard_and_undoes_one(page, demo_passwords):
    project = Project.objects.get(name=demo.DEMO_PROJECT_NAME)
    labels = list(project.label_schema.labels.all())
    log_in(page, "demo-annotator", demo_passwords["demo-annotator"])
    page.goto(f"/projects/{project.pk}/annotate/")
    expect(page.locator("#annotate-progress")).to_contain_text("You have labeled 0 notes")
    seen = []
    for number in range(20):
        note = page.locator("#task").get_attribute("data-document")
        seen.append(note)
        label = labels[number % len(labels)]
        page.keyboard.press(label.hotkey)
        expect(page.get_by_role("radio", name=label.name)).to_be_checked()
        page.keyboard.press("Enter")
        expect(page.locator("#annotate-progress")).to_contain_text(f"You have labeled {number + 1} note")
    assert len(set(seen)) == 20

    page.keyboard.press("u")  # the 20th note comes back, its labels gone
    expect(page.locator("#task")).to_have_attribute("data-document", seen[-1])
    expect(page.locator("#annotate-progress")).to_contain_text("You have labeled 19 notes")
    page.keyboard.press("c")
    page.keyboard.type("Second look: <b>not</b> urgent.")
    page.keyboard.press("Escape")
    page.keyboard.press(labels[0].hotkey)
    page.keyboard.press("Enter")
    expect(page.locator("#annotate-progress")).to_contain_text("You have labeled 20 notes")

    mine = Annotation.objects.filter(annotator__username="demo-annotator")
    assert mine.count() == 20
    redone = mine.get(document_id=int(seen[-1]))
    assert [label.name for label in redone.labels.all()] == [labels[0].name]
    assert redone.comment == "Second look: <b>not</b> urgent."
    assert page.problems == []
