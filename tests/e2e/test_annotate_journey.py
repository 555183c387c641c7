"""A clinician labels 20 notes with the keyboard alone, undoes one and labels it again."""

import pytest
from playwright.sync_api import expect

from labeling.models import Annotation, Document, Label, Project
from labeling.services import demo
from tests.e2e.conftest import log_in
from tests.e2e.seeing import assert_accessible, contrasts, in_view


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

    page.keyboard.press("u")  # the 20th note comes back as submitted
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


def _long_first_note(project):
    document = Document.objects.filter(corpus__project=project).order_by("id").first()
    document.text = ("The patient presented with chest pain radiating to the left arm. " * 12 + "\n\n") * 25
    document.save(update_fields=["text"])
    return document


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_chosen_label_is_unmistakable_readable_and_beside_a_long_note(browser, live_server, demo_passwords, scheme):
    project = Project.objects.get(name=demo.DEMO_PROJECT_NAME)
    labels = list(project.label_schema.labels.order_by("hotkey"))
    for position, label in enumerate(reversed(labels)):  # imported in another order than their keys
        Label.objects.filter(pk=label.pk).update(position=position)
    _long_first_note(project)
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 720},
                                  color_scheme=scheme)
    page = context.new_page()
    log_in(page, "demo-annotator", demo_passwords["demo-annotator"])
    page.goto(f"/projects/{project.pk}/annotate/")

    buttons = page.locator(".label-button")
    assert buttons.locator("kbd").all_inner_texts() == [label.hotkey for label in labels]  # by key
    page.keyboard.press(labels[2].hotkey)
    chosen = page.locator(".label-button", has_text=labels[2].name)
    other = page.locator(".label-button", has_text=labels[0].name)
    looks = "element => { const s = getComputedStyle(element); return [s.backgroundColor, s.fontWeight]; }"
    assert chosen.evaluate(looks) != other.evaluate(looks)  # filled and bold, not only a radio dot
    expect(chosen.locator(".check")).to_be_visible()
    expect(other.locator(".check")).to_be_hidden()
    for text, ratio in contrasts(page.locator(".label-button, .label-button kbd, #annotate-submit, #annotate-submit kbd")):
        assert ratio >= 4.5, (scheme, text, ratio)

    # A long note scrolls in its own box; every label and Submit stay in view without scrolling the page.
    note = page.locator("#note-text")
    assert note.evaluate("element => element.scrollHeight > element.clientHeight")
    for target in [*buttons.all(), page.locator("#annotate-submit")]:
        assert in_view(page, target), target
    note.evaluate("element => { element.scrollTop = element.scrollHeight; }")
    page.mouse.wheel(0, 2000)
    assert in_view(page, page.locator("#annotate-submit")) and in_view(page, buttons.last)
    assert_accessible(page, f"annotate ({scheme})")
    context.close()


def test_help_overlay_skip_link_focus_and_undo_as_submitted(page, demo_passwords):
    project = Project.objects.get(name=demo.DEMO_PROJECT_NAME)
    labels = list(project.label_schema.labels.order_by("hotkey"))
    log_in(page, "demo-annotator", demo_passwords["demo-annotator"])
    page.goto(f"/projects/{project.pk}/annotate/")

    page.keyboard.press("Tab")  # the first stop is the skip link, visible when focused
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    assert in_view(page, skip) and skip.evaluate("element => getComputedStyle(element).outlineStyle") != "none"
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()

    page.keyboard.press("?")
    help_dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(help_dialog).to_be_visible()
    for label in labels:
        expect(help_dialog).to_contain_text(f"choose “{label.name}”")
    assert_accessible(page, "annotate: shortcuts")
    page.keyboard.press(labels[0].hotkey)  # keys do not act behind the dialog
    expect(page.get_by_role("radio", name=labels[0].name)).not_to_be_checked()
    page.keyboard.press("Escape")
    expect(help_dialog).to_be_hidden()

    stops = []  # no keyboard trap: Tab walks through the page and out of it, every stop showing its focus
    for _ in range(30):
        page.keyboard.press("Tab")
        seen = page.evaluate("[document.activeElement.tagName, document.activeElement.type || '',"
                             " getComputedStyle(document.activeElement).outlineStyle]")
        if seen[0] == "BODY":
            break
        stops.append(seen)
    assert 5 < len(stops) < 30, stops
    assert all(outline != "none" or kind in ("radio", "checkbox") for _tag, kind, outline in stops), stops
    page.locator("body").click(position={"x": 5, "y": 5})

    first = page.locator("#task").get_attribute("data-document")
    page.keyboard.press(labels[1].hotkey)
    page.keyboard.press("Enter")
    expect(page.locator("#annotate-progress")).to_contain_text("You have labeled 1 note")
    page.keyboard.press("u")  # back as submitted, ready to change
    expect(page.locator("#task")).to_have_attribute("data-document", first)
    expect(page.get_by_role("radio", name=labels[1].name)).to_be_checked()
    expect(page.locator("#redo")).to_contain_text("Your labels as submitted")
    page.keyboard.press(labels[3].hotkey)
    page.keyboard.press("Enter")
    expect(page.locator("#annotate-progress")).to_contain_text("You have labeled 1 note")
    annotation = Annotation.objects.get(annotator__username="demo-annotator", document_id=int(first))
    assert annotation.version == 2 and [label.name for label in annotation.labels.all()] == [labels[3].name]
    assert page.problems == []


def test_in_a_multi_label_project_n_says_no_label_applies_and_clears_the_labels(page, demo_passwords):
    project = Project.objects.get(name=demo.DEMO_PROJECT_NAME)
    project.label_schema.__class__.objects.filter(pk=project.label_schema.pk).update(kind="multi")
    first, second = list(project.label_schema.labels.all())[:2]
    log_in(page, "demo-annotator", demo_passwords["demo-annotator"])
    page.goto(f"/projects/{project.pk}/annotate/")
    note = page.locator("#task").get_attribute("data-document")
    page.keyboard.press(first.hotkey)
    page.keyboard.press(second.hotkey)
    expect(page.get_by_role("checkbox", name=second.name)).to_be_checked()
    page.keyboard.press("n")  # the answer "none of these": the labels chosen so far are cleared
    expect(page.get_by_role("checkbox", name="No label applies")).to_be_checked()
    expect(page.get_by_role("checkbox", name=first.name)).not_to_be_checked()
    expect(page.get_by_role("checkbox", name=second.name)).not_to_be_checked()
    page.keyboard.press("Enter")
    expect(page.locator("#annotate-progress")).to_contain_text("You have labeled 1 note")
    assert Annotation.objects.get(document_id=int(note)).labels.count() == 0

    page.get_by_role("checkbox", name="No label applies").click()
    page.keyboard.press(first.hotkey)  # a label clears the box
    expect(page.get_by_role("checkbox", name="No label applies")).not_to_be_checked()
    page.keyboard.press(first.hotkey)  # nothing chosen now: Enter is refused, with the way out named
    page.keyboard.press("Enter")
    expect(page.locator("#task-error")).to_contain_text("Choose a label first, or “No label applies”.")
    assert page.problems == ["Failed to load resource: the server responded with a status of 400 (Bad Request)"]
    page.problems.clear()  # the refusal's status, as the browser logs it
    page.keyboard.press("u")
    expect(page.locator("#task")).to_have_attribute("data-document", note)
    expect(page.get_by_role("checkbox", name="No label applies")).to_be_checked()  # the answer as submitted
    assert page.problems == []
