"""A reviewer settles a disagreement; the manager's dashboard follows, and a snapshot the manager
freezes (through a real worker) takes the reviewer's labels."""

import pyarrow.parquet as pq
import pytest
from playwright.sync_api import expect

from labeling.models import DatasetSnapshot, Document, Project
from labeling.services import demo, projects, tasks
from tests.e2e.conftest import log_in
from tests.e2e.seeing import assert_accessible
from tests.support.factories import UserFactory

pytestmark = pytest.mark.worker


@pytest.fixture
def disagreement(transactional_db):
    _project, passwords = demo.load_demo(note_count=5)
    project = Project.objects.get(name=demo.DEMO_PROJECT_NAME)
    manager = project.memberships.get(user__username="demo-manager").user
    projects.update_project(manager, project, overlap=2)
    second = UserFactory(username="second-clinician")
    projects.add_member(manager, project, second, "annotator")
    first = project.memberships.get(user__username="demo-annotator").user
    labels = list(project.label_schema.labels.all())
    document = Document.objects.filter(corpus__project=project).order_by("id").first()
    tasks.submit(first, project, document, [labels[0].pk])
    tasks.submit(second, project, document, [labels[1].pk])
    return project, document, labels, passwords


def test_a_reviewer_settles_a_disagreement_and_the_dashboard_and_snapshot_follow(
        page, browser, live_server, disagreement, worker):
    project, document, labels, passwords = disagreement
    manager_context = browser.new_context(base_url=live_server.url)
    manager_context.set_default_timeout(15_000)
    manager = manager_context.new_page()
    log_in(manager, "demo-manager", passwords["demo-manager"])
    manager.goto(f"/projects/{project.pk}/dashboard/")
    expect(manager.locator("#dashboard-review")).to_contain_text("1 disagreement waiting for review")

    log_in(page, "demo-reviewer", passwords["demo-reviewer"])
    page.goto(f"/projects/{project.pk}/review/")
    page.get_by_role("link", name=document.external_id).click()
    who = page.locator("#who-said-what")
    expect(who).to_contain_text("demo-annotator")
    expect(who).to_contain_text("second-clinician")
    expect(who).to_contain_text(labels[0].name)
    expect(who).to_contain_text(labels[1].name)
    page.get_by_role("radio", name=labels[1].name).check()
    page.locator("#review-comment").fill("Second reading is right: see the plan.")
    page.get_by_role("button", name="Record final labels").click()
    expect(page.locator("#no-disagreements")).to_be_visible()

    manager.reload()
    expect(manager.locator("#dashboard-review")).to_contain_text("0 disagreements waiting for review")
    expect(manager.locator("#dashboard-review")).to_contain_text("1 note settled by reviewers")

    manager.goto(f"/projects/{project.pk}/datasets/")
    manager.get_by_label("Name").fill("After review")
    manager.get_by_role("button", name="Freeze the labels").click()
    expect(manager.locator("#snapshot-status")).to_have_text("Ready", timeout=60_000)
    expect(manager.locator("#snapshot-summary")).to_contain_text("1 document ·")
    with manager.expect_download() as download:
        manager.locator("#snapshot-download").click()
    rows = {row["document_id"]: row for row in pq.read_table(download.value.path()).to_pylist()}
    assert rows[document.pk]["label"] == labels[1].name and rows[document.pk]["rule"] == "adjudicated"
    assert DatasetSnapshot.objects.get().rules == {"adjudicated": 1}
    manager_context.close()
    assert page.problems == []


def test_a_reviewer_settles_with_label_keys_and_goes_on_to_the_next_disagreement(page, disagreement):
    project, document, labels, passwords = disagreement
    first, second = (project.memberships.get(user__username=name).user for name in ("demo-annotator", "second-clinician"))
    following = Document.objects.filter(corpus__project=project).order_by("id")[1]
    tasks.submit(first, project, following, [labels[2].pk])
    tasks.submit(second, project, following, [labels[3].pk])

    log_in(page, "demo-reviewer", passwords["demo-reviewer"])
    page.goto(f"/projects/{project.pk}/review/{document.pk}/")
    keys = page.locator("#adjudicate-form .label-button kbd").all_inner_texts()
    assert keys == sorted(label.hotkey for label in labels)  # the annotate page's keys, in their order
    page.keyboard.press(labels[1].hotkey)
    expect(page.get_by_role("radio", name=labels[1].name)).to_be_checked()
    expect(page.locator(".label-button", has_text=labels[1].name).locator(".check")).to_be_visible()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/review/{following.pk}/")
    expect(page.get_by_role("status")).to_contain_text(f"here is the next disagreement, {following.external_id}")
    assert_accessible(page, "review document")
    page.keyboard.press(labels[2].hotkey)
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/projects/{project.pk}/review/")
    expect(page.get_by_role("status")).to_contain_text("No disagreement is left to settle")
    assert page.problems == []
