"""A manager starts a job, watches it run, cancels it and retries it, in a real browser with a real worker."""

import re

import pytest
from playwright.sync_api import expect

from labeling.models import Project
from labeling.services import demo
from studio.models import Job
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.worker


def wait_for_progress(page, bar, above, timeout_ms=20_000):
    """The bar's value once it exceeds `above`. Polled from Python: the page's CSP forbids eval."""
    for _ in range(timeout_ms // 250):
        value = float(bar.get_attribute("value"))
        if value > above:
            return value
        page.wait_for_timeout(250)
    raise AssertionError(f"progress stayed at {value}, not above {above}")


def test_the_manager_watches_a_job_cancels_it_and_retries_it(page, worker):
    _project, passwords = demo.load_demo(note_count=5)
    project = Project.objects.get(name=demo.DEMO_PROJECT_NAME)
    log_in(page, "demo-manager", passwords["demo-manager"])
    page.goto(f"/projects/{project.pk}/")
    page.get_by_role("link", name="Jobs").click()
    page.get_by_label("Steps").fill("400")
    page.get_by_label("Step seconds").fill("0.05")
    page.get_by_role("button", name="Start").click()
    expect(page.get_by_text(re.compile(r"Started pipeline self-test #\d+"))).to_be_visible()
    job = Job.objects.get(project=project)
    assert (job.params["steps"], job.params["step_seconds"]) == (400, 0.05), job.params


    page.get_by_role("link", name=f"#{job.pk}").click()
    progress = page.get_by_label(f"Progress of job {job.pk}")
    expect(page.locator("#job-status")).to_have_text("Running", timeout=20_000)
    first = wait_for_progress(page, progress, above=0.02)
    wait_for_progress(page, progress, above=first)  # the bar moves by itself (htmx polling)
    # The loss curve: the server's SVG, replaced by an interactive chart that keeps up with the polling.
    loss = page.locator('figure[data-curve="loss"]')
    expect(loss.locator(".uplot")).to_be_visible()
    expect(loss.locator("svg.chart")).to_be_hidden()
    expect(loss.locator("figcaption")).to_contain_text("Training loss")
    page.wait_for_timeout(2_500)  # a poll later, the fresh fragment is drawn again
    expect(page.locator("#job-status")).to_have_text("Running")
    expect(loss.locator(".uplot")).to_be_visible()

    page.get_by_role("button", name="Cancel").click()
    expect(page.locator("#job-status")).to_have_text("Cancelled", timeout=10_000)
    job.refresh_from_db()
    assert job.status == Job.Status.CANCELLED and job.progress < 1

    page.get_by_role("button", name="Retry").click()
    expect(page.get_by_text("Started attempt 2.")).to_be_visible()
    retry = Job.objects.get(retry_of=job)
    assert retry.params == job.params
    expect(page.locator("#job-status")).to_have_text(re.compile("Queued|Running"), timeout=10_000)
    page.get_by_role("button", name="Cancel").click()
    expect(page.locator("#job-status")).to_have_text("Cancelled", timeout=10_000)
    assert page.problems == []
