"""An admin compares a candidate classifier with production, promotes it, rolls it back, and
finds both moves in the audit log."""

from contextlib import nullcontext

import pytest
from playwright.sync_api import expect

from labeling.models import LabelSchema, Project
from labeling.services import demo
from tests.support.classifiers import labeled_snapshot
from tests.e2e.conftest import log_in
from tests.support.worker import wait_for
from training.finetuning.service import start_finetuning
from training.models import EvaluationReport, Finetuning
from training.registry import aliases

pytestmark = pytest.mark.worker


def test_an_admin_promotes_a_candidate_then_rolls_it_back(page, worker):
    _project, passwords = demo.load_demo(note_count=5)
    project = Project.objects.get(name=demo.DEMO_PROJECT_NAME)
    LabelSchema.objects.filter(project=project).delete()
    manager = project.memberships.get(user__username="demo-manager").user
    admin = project.memberships.get(user__username="demo-admin").user
    snapshot = labeled_snapshot(project, manager, lambda execute: nullcontext(), count=150, name="Gold v1",
                                worker_runs=True)
    for weighting in (False, True):  # a real worker fine-tunes and evaluates both
        start_finetuning(manager, project, snapshot, {"queue": "cpu", "model_name": "Triage",
                                                      "class_weighting": weighting})
    assert wait_for(lambda: EvaluationReport.objects.filter(status="done").count() == 2, timeout=90)
    project.gold_snapshot = snapshot
    project.save()
    first, second = (run.output for run in Finetuning.objects.order_by("id"))
    aliases.promote(admin, first)

    log_in(page, "demo-admin", passwords["demo-admin"])
    page.goto(f"/projects/{project.pk}/models/versions/{second.pk}/")
    page.locator("#version-promote").click()
    expect(page.locator("#current-production")).to_have_text(str(first))
    expect(page.locator("#comparison-tests")).to_contain_text("reference")
    page.get_by_label("Reason").fill("weighted classes for the rare specialty")
    page.locator("#promote-production").click()
    expect(page.locator("#alias-production")).to_contain_text("v2")
    expect(page.locator("#alias-history")).to_contain_text("weighted classes for the rare specialty")
    asked = []
    page.once("dialog", lambda dialog: asked.append(dialog.message) or dialog.accept())
    page.get_by_label("Roll back to v1").fill("ward reports more misses")
    page.get_by_role("button", name="Roll back to v1").click()
    expect(page.locator("#alias-production")).to_contain_text("v1")
    assert asked == ["Roll production back from v2 to v1?"]
    expect(page.locator("#alias-history")).to_contain_text("Rolled back")
    # Undoing the rollback moves production forward again, and the button says so.
    expect(page.locator("#rollback-button")).to_be_visible()
    expect(page.locator("#rollback-button")).to_have_text("Move production to v2")
    expect(page.get_by_role("button", name="Roll back")).to_have_count(0)
    page.goto("/system/audit/")
    expect(page.get_by_role("cell", name="promoted a version to production model.promote").first).to_be_visible()
    expect(page.get_by_role("cell", name="rolled production back model.rollback")).to_be_visible()
    assert page.problems == []
