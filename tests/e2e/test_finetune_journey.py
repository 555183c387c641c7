"""A manager fine-tunes classifiers on a snapshot through a real worker (the form shows the baseline's own
settings), follows the finished job's links inside the project's tabs, opens the evaluation report, and picks two
classifiers on the Models tab to compare side by side, a rise in calibration error coloured as worse."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import log_in
from tests.support.classifiers import demo_with_snapshot
from tests.support.worker import wait_for
from training.models import EvaluationReport, Finetuning

pytestmark = pytest.mark.worker


def _rgb(hex_colour):
    hex_colour = hex_colour.strip().lstrip("#")
    return "rgb({}, {}, {})".format(*(int(hex_colour[i:i + 2], 16) for i in (0, 2, 4)))


def test_a_manager_fine_tunes_opens_the_report_and_compares(page, worker, settings, tmp_path):
    settings.STUDIO_BASE_MODELS_DIR = tmp_path / "base-models"
    (settings.STUDIO_BASE_MODELS_DIR / "tiny").mkdir(parents=True)
    (settings.STUDIO_BASE_MODELS_DIR / "tiny" / "config.json").write_text("{}")  # offered as a base, never trained
    project, _manager, snapshot, passwords = demo_with_snapshot()
    log_in(page, "demo-manager", passwords["demo-manager"])
    for name, weighting in (("Baseline", False), ("Weighted baseline", True)):
        page.goto(f"/projects/{project.pk}/models/")
        page.locator("#finetune-link").click()
        page.get_by_label("Snapshot").select_option(str(snapshot.pk))
        page.get_by_label("Model name", exact=True).fill(name)
        # The baseline has no learning rate or epochs: those fields show only for an encoder.
        expect(page.get_by_label("Learning rate", exact=True)).to_be_hidden()
        expect(page.get_by_label("Epochs")).to_be_hidden()
        page.get_by_label("Base", exact=True).select_option("folder:tiny")
        expect(page.get_by_label("Learning rate", exact=True)).to_be_visible()
        expect(page.get_by_label("Epochs")).to_be_visible()
        page.get_by_label("Base", exact=True).select_option("baseline")
        expect(page.get_by_label("Learning rate", exact=True)).to_be_hidden()
        if weighting:
            page.get_by_label("Class weighting").check()
        page.locator("#finetune-start").click()
        expect(page.locator("#job-status")).to_have_text("Succeeded", timeout=60_000)
    # The finished job's page: inside the project's tabs, its numbers for people, every object a link.
    run = Finetuning.objects.order_by("-id").first()
    tabs = page.get_by_role("navigation", name="Project")
    expect(tabs.get_by_role("link", name="Jobs")).to_have_attribute("aria-current", "page")
    expect(page.locator("#job-results")).to_contain_text("Validation macro F1")
    assert re.fullmatch(r"[01]\.\d{3}", page.locator("#job-results td").first.inner_text().strip())
    expect(page.locator("#job-elapsed")).to_have_text(re.compile(r"^\d+(\.\d)? (s|min)"))
    expect(page.locator("#job-log")).to_contain_text("Fitting logistic regression")
    page.locator("#job-links").get_by_role("link", name=str(run.output), exact=True).click()
    expect(page).to_have_url(re.compile(rf"/projects/{project.pk}/models/versions/{run.output_id}/$"))
    page.go_back()
    page.locator("#job-links").get_by_role("link", name=re.compile("on the test split")).click()
    expect(page.locator("#report-status")).to_have_text("Done", timeout=60_000)
    expect(page.locator("svg.reliability")).to_contain_text("Confidence (mean predicted probability)")
    expect(page.locator("svg.reliability")).to_contain_text("Accuracy")
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
    # Picked on the Models tab instead, with the second's calibration error made worse.
    first, second = EvaluationReport.objects.order_by("id")
    second.metrics = {**second.metrics, "ece": first.metrics["ece"] + 0.05}
    second.save(update_fields=["metrics"])
    page.goto(f"/projects/{project.pk}/models/")
    picker = page.locator("#compare-classifiers")
    for report in (first, second):
        box = picker.locator(f'input[name="report"][value="{report.pk}"]')
        expect(box.locator("xpath=..")).to_contain_text(str(report.model_version))
        box.check()
    picker.get_by_role("button", name="Compare side by side").click()
    ece = page.locator('#comparison tr[data-metric="ece"]')
    expect(ece).to_contain_text("Calibration error (ECE)")
    worse = ece.locator(".delta-worse")
    expect(worse).to_have_text("(+0.050, worse)")
    bad = page.evaluate("getComputedStyle(document.documentElement).getPropertyValue('--bad')")
    assert worse.evaluate("element => getComputedStyle(element).color") == _rgb(bad)
    page.goto(f"/projects/{project.pk}/evaluations/compare/")  # opened empty: the picker, not a dead end
    expect(page.get_by_role("button", name="Compare side by side")).to_be_visible()
    assert page.problems == []
