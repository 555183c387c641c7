"""An admin checks the system, manages users, reaches any project's models, reads the audit log and the API docs,
in a real browser."""

import re
from datetime import date, timedelta

from django.utils import timezone
from playwright.sync_api import expect

from labeling.services import demo
from studio.models import Job
from tests.e2e.conftest import log_in
from tests.support.factories import ProjectFactory


def test_the_admin_sees_system_status_and_the_audit_log(page, transactional_db, monkeypatch):
    monkeypatch.setattr(
        "studio.services.system_status.workers_status", lambda timeout=1.5: {"workers": [], "error": ""}
    )
    _project, passwords = demo.load_demo(note_count=10)
    log_in(page, "demo-admin", passwords["demo-admin"])
    page.get_by_role("link", name="System status").click()
    expect(page.locator("#system-status")).to_contain_text("Database")
    expect(page.locator("#system-status")).to_contain_text("No worker answered")
    artifacts = page.locator("#system-status section.card", has_text="Artifacts")
    expect(artifacts).to_contain_text("reachable folder")
    expect(artifacts).to_contain_text("free on its disk")
    page.get_by_role("link", name="Audit log").click()
    expect(page.locator("table")).to_contain_text("membership.add")
    assert page.problems == []


def test_the_api_docs_render_from_the_studio_itself(page, live_server, transactional_db):
    _project, passwords = demo.load_demo(note_count=10)
    log_in(page, "demo-annotator", passwords["demo-annotator"])
    outside = []
    page.on("request", lambda request: not request.url.startswith(live_server.url) and outside.append(request.url))
    page.goto("/api/docs/")
    expect(page.get_by_text("Vertical Studio API").first).to_be_visible()
    expect(page.get_by_text("/api/projects/").first).to_be_visible()
    for tag in ("corpora", "documents", "annotations", "labels", "snapshots", "jobs", "models", "predictions", "users"):
        expect(page.locator(f"#operations-tag-{tag}")).to_be_visible()
    assert outside == []
    assert page.problems == []


def test_an_admin_creates_a_user_whose_link_lets_them_in(page, browser, live_server, transactional_db):
    _project, passwords = demo.load_demo(note_count=10)
    log_in(page, "demo-admin", passwords["demo-admin"])
    page.get_by_role("link", name="Users").click()
    page.get_by_label("Username").fill("nurse")
    page.get_by_label("E-mail (optional)").fill("nurse@ward.example")
    page.get_by_label("May create projects").check()
    page.get_by_role("button", name="Create user").click()
    expect(page.get_by_role("heading", name="nurse")).to_be_visible()
    expect(page.locator("#password-link")).to_contain_text("It works once")
    link = page.locator("#set-password-url").inner_text().strip()
    expect(page.locator("#may-create-projects")).to_have_text("yes")
    page.reload()
    expect(page.locator("#set-password-url")).to_have_count(0)

    newcomer = browser.new_context(base_url=live_server.url).new_page()
    newcomer.goto(link)
    expect(newcomer.get_by_role("heading", name="Choose your password")).to_be_visible()
    newcomer.get_by_label("New password").fill("a-ward-round-at-dawn")
    newcomer.get_by_label("The same password again").fill("a-ward-round-at-dawn")
    newcomer.get_by_role("button", name="Set password").click()
    expect(newcomer.get_by_role("status")).to_contain_text("Your password is set")
    log_in(newcomer, "nurse", "a-ward-round-at-dawn")
    expect(newcomer.get_by_role("link", name="New project")).to_be_visible()
    newcomer.goto(link)
    expect(newcomer.locator("#link-invalid")).to_be_visible()
    newcomer.context.close()
    assert page.problems == []


def test_an_admin_outside_a_project_opens_its_models_tab(page, transactional_db):
    _project, passwords = demo.load_demo(note_count=10)
    elsewhere = ProjectFactory(name="Oncology ward")
    log_in(page, "demo-admin", passwords["demo-admin"])
    page.goto(f"/projects/{elsewhere.pk}/models/")
    expect(page.get_by_role("heading", name="Models").first).to_be_visible()
    expect(page.get_by_text("Oncology ward").first).to_be_visible()
    expect(page.locator("#admin-reach")).to_contain_text("You are not a member of this project")
    tabs = page.get_by_role("navigation", name="Project").get_by_role("link")
    expect(tabs).to_have_text(["Models"])
    page.get_by_role("link", name="Audit log").click()
    row = page.locator("#audit-events tbody tr").first
    expect(row).to_contain_text("opened the project's models as a studio admin")
    expect(row.get_by_role("link", name="Oncology ward").first).to_have_attribute("href", f"/projects/{elsewhere.pk}/")
    assert page.problems == []


def test_a_missing_page_shows_the_studios_own_404(page, transactional_db):
    _project, passwords = demo.load_demo(note_count=10)
    log_in(page, "demo-manager", passwords["demo-manager"])
    response = page.goto("/projects/987654/models/")
    assert response.status == 404
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    expect(page.get_by_text("There is nothing here, or you may not see it.")).to_be_visible()
    expect(page.get_by_role("link", name="Back to your projects")).to_be_visible()
    expect(page.get_by_text("URLconf")).to_have_count(0)


def test_the_audit_log_reads_for_people_with_links_and_relative_dates(page, transactional_db):
    _project, passwords = demo.load_demo(note_count=10)
    log_in(page, "demo-admin", passwords["demo-admin"])
    page.get_by_role("link", name="Audit log").click()
    page.get_by_label("Verb").select_option("membership.add")
    page.get_by_role("button", name="Filter").click()
    row = page.locator("#audit-events tbody tr").first
    expect(row).to_contain_text("added a member")
    expect(row.locator("dl.audit-details")).to_contain_text("role")
    member = row.locator("dl.audit-details a").first
    expect(member).to_be_visible()
    assert member.get_attribute("href").startswith("/system/users/")
    assert "{'" not in page.locator("#audit-events").inner_text()
    when = row.locator("time").first
    expect(when).to_have_text(re.compile(r"^(just now|\d+ s ago|\d+ min ago)$"))
    expect(when).to_have_attribute("title", re.compile(r"^\w+day \d{1,2} \w+ \d{4}, \d\d:\d\d:\d\d UTC$"))
    assert when.get_attribute("datetime").startswith(str(date.today().year))
    member.click()
    expect(page.locator("dl.facts")).to_contain_text("E-mail")
    assert page.problems == []


def test_dates_read_one_way_on_every_page(page, transactional_db):
    project, passwords = demo.load_demo(note_count=10)
    recent = Job.objects.create(kind="selftest", queue="cpu", project=project)
    older = Job.objects.create(kind="selftest", queue="cpu", project=project)
    Job.objects.filter(pk=older.pk).update(queued_at=timezone.now() - timedelta(days=3))
    full_date = re.compile(r"^\w+day \d{1,2} \w+ \d{4}, \d\d:\d\d:\d\d UTC$")
    log_in(page, "demo-admin", passwords["demo-admin"])
    created = page.locator("#projects tbody tr").first.locator("time")
    expect(created).to_have_text(re.compile(r"^(just now|\d+ s ago|\d+ min ago)$"))
    expect(created).to_have_attribute("title", full_date)
    page.get_by_role("link", name="Jobs").click()
    expect(page.locator(f"#job-{recent.pk} time")).to_have_text(re.compile(r"^(just now|\d+ s ago)$"))
    expect(page.locator(f"#job-{older.pk} time")).to_have_text(re.compile(r"^\d{1,2} \w{3} \d{4}, \d\d:\d\d UTC$"))
    expect(page.locator(f"#job-{older.pk} time")).to_have_attribute("title", full_date)
    page.locator(f"#job-{older.pk}").get_by_role("link").first.click()
    expect(page.locator("time").first).to_have_text(re.compile(r"UTC$"))
    assert page.problems == []
