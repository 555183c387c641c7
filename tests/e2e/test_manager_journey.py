"""A manager's first journey through the studio, in a real browser."""

import pytest
from playwright.sync_api import expect

from labeling.models import Membership, Project, Role
from labeling.services import demo
from studio.models import AuditEvent
from tests.e2e.conftest import log_in


@pytest.fixture
def demo_passwords(transactional_db):
    _project, passwords = demo.load_demo(note_count=20)
    return passwords


def test_the_demo_manager_creates_a_project_adds_a_member_and_logs_out(page, demo_passwords):
    log_in(page, "demo-manager", demo_passwords["demo-manager"])
    expect(page.get_by_role("link", name=demo.DEMO_PROJECT_NAME)).to_be_visible()

    page.get_by_role("link", name="New project").click()
    page.get_by_label("Name").fill("Stroke unit notes")
    page.get_by_label("Description").fill("Discharge letters from the stroke unit.")
    page.get_by_role("button", name="Create project").click()
    expect(page.locator("#project-name")).to_have_text("Stroke unit notes")
    expect(page.get_by_text("You are its manager")).to_be_visible()

    page.get_by_role("link", name="Members", exact=True).click()
    page.get_by_label("Username or e-mail").fill("demo-annotator")
    page.get_by_label("Role", exact=True).select_option("annotator")
    page.get_by_role("button", name="Add member").click()
    expect(page.get_by_text("demo-annotator was added as annotator.")).to_be_visible()
    row = page.locator("#members tr", has_text="demo-annotator")
    expect(row).to_be_visible()

    # The role select saves itself through htmx; no page load.
    with page.expect_response(lambda response: response.url.endswith("/role/")) as saved:
        row.get_by_label("Role of demo-annotator").select_option("reviewer")
    assert saved.value.status == 200
    expect(page.locator("#members tr", has_text="demo-annotator").get_by_label("Role of demo-annotator")).to_have_value("reviewer")
    project = Project.objects.get(name="Stroke unit notes")
    assert Membership.objects.get(project=project, user__username="demo-annotator").role == Role.REVIEWER
    assert AuditEvent.objects.filter(project_id=project.pk, verb="membership.role").exists()

    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/accounts/login/")
    page.goto("/projects/")
    expect(page).to_have_url(f"{page.url.split('/accounts')[0]}/accounts/login/?next=/projects/")
    assert page.problems == []


def test_html_typed_into_a_project_shows_as_text_and_never_runs(page, demo_passwords):
    log_in(page, "demo-manager", demo_passwords["demo-manager"])
    name = '<img src=x onerror="window.pwned=1">Ward <b>7</b>'
    description = '<script>window.pwned=2</script>Follow-up "notes" & letters'
    page.goto("/projects/new/")
    page.get_by_label("Name").fill(name)
    page.get_by_label("Description").fill(description)
    page.get_by_role("button", name="Create project").click()
    expect(page.locator("#project-name")).to_have_text(name)
    expect(page.locator("#project-description")).to_have_text(description)
    assert page.evaluate("window.pwned") is None
    assert page.locator("#project-name img, #project-name b, #project-description script").count() == 0
    page.goto("/projects/")
    expect(page.get_by_role("link", name=name)).to_be_visible()
    assert page.evaluate("window.pwned") is None
    assert page.problems == []


def test_the_last_manager_is_told_why_they_cannot_step_down(page, demo_passwords):
    log_in(page, "demo-manager", demo_passwords["demo-manager"])
    project = Project.objects.get(name=demo.DEMO_PROJECT_NAME)
    Membership.objects.filter(project=project, user__username="demo-admin").update(role=Role.ANNOTATOR)
    page.goto(f"/projects/{project.pk}/members/")
    page.locator("#members tr", has_text="demo-manager").get_by_label("Role of demo-manager").select_option("annotator")
    expect(page.get_by_role("alert")).to_contain_text("at least one manager")
    assert Membership.objects.get(project=project, user__username="demo-manager").role == Role.MANAGER
