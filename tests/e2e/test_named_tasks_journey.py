"""A manager adds a second task to the demo project (its own labels, keys and guidelines); a clinician answers both
on the annotate page with the keyboard alone, and is told when the second task is left unanswered."""

from playwright.sync_api import expect

from labeling.models import Annotation, Project
from labeling.services import demo
from tests.e2e.conftest import log_in


def test_a_second_task_is_added_and_answered_beside_the_main_labels(page, transactional_db):
    _project, passwords = demo.load_demo(note_count=5)
    project = Project.objects.get(name=demo.DEMO_PROJECT_NAME)
    main = project.label_schema.labels.get(hotkey="1")
    log_in(page, "demo-manager", passwords["demo-manager"])
    page.goto(f"/projects/{project.pk}/labels/")
    expect(page.locator("#no-named-tasks")).to_be_visible()
    form = page.locator("#task-add-form")
    form.get_by_label("Task name").fill("Smoker")
    form.get_by_label("Its guidelines, in Markdown").fill("Current **or** former smoker.")
    form.get_by_role("button", name="Add task").click()
    expect(page.locator(".message.success")).to_contain_text("Added the task “Smoker”")
    task = project.named_tasks.get()
    section = page.locator(f"#task-{task.pk}")
    for name, key in (("Yes", "y"), ("No", "x")):
        adding = section.locator("form.task-label-add")
        adding.get_by_label("Name").fill(name)
        adding.get_by_label("Key").fill(key)
        adding.get_by_role("button", name="Add a label to Smoker").click()
        expect(page.locator(f"#task-{task.pk}").get_by_label(f"Key of {name}")).to_have_value(key)
    expect(section.locator(".guidelines strong")).to_have_text("or")

    page.context.clear_cookies()  # the manager signs out
    log_in(page, "demo-annotator", passwords["demo-annotator"])
    page.goto(f"/projects/{project.pk}/annotate/")
    group = page.locator(f"#task-{task.pk}")
    expect(group.locator("legend")).to_have_text("Smoker")
    note = page.locator("#task").get_attribute("data-document")
    page.keyboard.press("1")
    page.keyboard.press("Enter")
    expect(page.locator("#task-error")).to_contain_text("Smoker: choose one label")
    expect(page.get_by_role("radio", name=main.name)).to_be_checked()  # what was chosen stays
    page.keyboard.press("y")
    expect(group.get_by_role("radio", name="Yes")).to_be_checked()
    page.keyboard.press("Enter")
    expect(page.locator("#annotate-progress")).to_contain_text("You have labeled 1 note")
    assert sorted(Annotation.objects.get(document_id=note).labels.values_list("name", flat=True)) == sorted(
        [main.name, "Yes"])
    page.keyboard.press("?")
    expect(page.locator("#shortcuts")).to_contain_text("Smoker: choose “Yes”")
    page.keyboard.press("Escape")
    page.keyboard.press("g")
    expect(page.locator("#guidelines .task-guidelines")).to_contain_text("Current or former smoker.")
    assert [problem for problem in page.problems if "400 (Bad Request)" not in problem] == []  # the refusal above
