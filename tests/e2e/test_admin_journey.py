"""An admin checks the system and reads the API docs, in a real browser."""

from playwright.sync_api import expect

from labeling.services import demo
from tests.e2e.conftest import log_in


def test_the_admin_sees_system_status_and_the_audit_log(page, transactional_db, monkeypatch):
    monkeypatch.setattr(
        "studio.services.system_status.workers_status", lambda timeout=1.5: {"workers": [], "error": ""}
    )
    _project, passwords = demo.load_demo(note_count=10)
    log_in(page, "demo-admin", passwords["demo-admin"])
    page.get_by_role("link", name="System status").click()
    expect(page.locator("#system-status")).to_contain_text("Database")
    expect(page.locator("#system-status")).to_contain_text("No worker answered")
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
    assert outside == []
    assert page.problems == []
