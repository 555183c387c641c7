"""A manager fine-tunes classifiers on a snapshot through a real worker, opens the evaluation
report, and compares two classifiers side by side."""

from contextlib import nullcontext

import pytest
from playwright.sync_api import expect

from labeling.models import LabelSchema, Project
from labeling.services import demo
from tests.e2e.conftest import log_in
from tests.support.classifiers import labeled_snapshot
from tests.support.worker import wait_for
from training.models import EvaluationReport

pytestmark = pytest.mark.worker


def test_a_manager_fine_tunes_opens_the_report_and_compares(page, worker):
    _project, passwords = demo.load_demo(note_count=5)
    project = Project.objects.get(name=demo.DEMO_PROJECT_NAME)
    LabelSchema.objects.filter(project=project).delete()
    manager = project.memberships.get(user__username="demo-manager").user
    # Committed at once here (a live server's database): nothing to capture.
    snapshot = labeled_snapshot(project, manager, lambda execute: nullcontext(), count=150, name="Triage v1",
                                worker_runs=True)
    log_in(page, "demo-manager", passwords["demo-manager"])
    for name, weighting in (("Baseline", False), ("Weighted baseline", True)):
        page.goto(f"/projects/{project.pk}/models/")
        page.locator("#finetune-link").click()
        page.get_by_label("Snapshot").select_option(str(snapshot.pk))
        page.get_by_label("Model name", exact=True).fill(name)
        if weighting:
            page.get_by_label("Class weighting").check()
        page.locator("#finetune-start").click()
        expect(page.locator("#job-status")).to_have_text("Succeeded", timeout=60_000)
    page.goto(f"/projects/{project.pk}/models/")
    page.get_by_role("link", name="macro F1").first.click()
    expect(page.locator("#report-status")).to_have_text("Done", timeout=60_000)
    expect(page.locator("#report-headline")).to_contain_text("Macro F1")
    expect(page.locator("#report-confusion")).to_be_visible()
    # Both fine-tunes' evaluations must have finished for the report to offer the comparison.
    assert wait_for(lambda: EvaluationReport.objects.filter(status="done").count() == 2, timeout=60)
    page.reload()
    page.get_by_role("button", name="Compare side by side").click()
    expect(page.locator("#comparison-tests")).to_contain_text("reference")
    assert page.problems == []
