"""Comparing classifiers: metric names, changes coloured by the metric's direction (a rise in calibration error
is worse), reports picked from the Models tab or an empty comparison page, and a reliability diagram with axes."""

import pytest
from django.urls import reverse

from studio import charts
from studio.jobs import execution
from tests.support.classifiers import finetune, labeled_snapshot
from training.evaluation.compare import verdict
from training.models import EvaluationReport


@pytest.mark.parametrize("name, delta, said", [
    ("macro_f1", 0.02, "better"), ("macro_f1", -0.02, "worse"), ("ece", 0.05, "worse"), ("ece", -0.05, "better"),
    ("accuracy", 0.0001, "same"), ("ece", None, None),
])
def test_a_change_is_better_or_worse_by_the_metric_s_direction(name, delta, said):
    assert verdict(name, delta) == said


@pytest.fixture
def two_reports(project, manager, artifacts, django_capture_on_commit_callbacks):
    snapshot = labeled_snapshot(project, manager, django_capture_on_commit_callbacks)
    _run, first = finetune(manager, project, snapshot, django_capture_on_commit_callbacks, model_name="triage")
    _run, second = finetune(manager, project, snapshot, django_capture_on_commit_callbacks, model_name="triage",
                            class_weighting=True)
    second.metrics = {**second.metrics, "ece": first.metrics["ece"] + 0.05}  # calibration got worse
    second.save(update_fields=["metrics"])
    return first, second


@pytest.mark.django_db
def test_the_comparison_names_metrics_and_colours_a_rise_in_calibration_error_as_worse(client, manager, two_reports):
    first, second = two_reports
    client.force_login(manager)
    url = reverse("evaluation-compare", kwargs={"pk": first.project_id})
    page = client.get(url, {"report": [first.pk, second.pk]}).content.decode()
    row = page[page.index('data-metric="ece"'):]
    row = row[:row.index("</tr>")]
    assert "Calibration error (ECE)" in row and "lower is better" in row
    assert 'class="delta delta-worse">(+0.050, worse)' in row
    assert ">ece<" not in page and "Macro F1" in page
    api = client.get(reverse("api-evaluation-compare", kwargs={"project_pk": first.project_id}),
                     {"report": [first.pk, second.pk]}).json()
    ece = next(row for row in api["metrics"] if row["metric"] == "ece")
    assert ece["name"] == "Calibration error (ECE)" and ece["higher_is_better"] is False
    assert ece["verdicts"] == [None, "worse"]


@pytest.mark.django_db
def test_reports_are_picked_on_the_models_tab_and_on_an_empty_comparison(client, manager, two_reports):
    first, second = two_reports
    client.force_login(manager)
    compare_url = reverse("evaluation-compare", kwargs={"pk": first.project_id})
    for url in (reverse("model-list", kwargs={"pk": first.project_id}), compare_url):
        response = client.get(url)
        page = response.content.decode()
        assert response.status_code == 200 and f'action="{compare_url}"' in page
        for report in (first, second):
            assert f'name="report" value="{report.pk}"' in page
        assert "Compare side by side" in page and "role=\"alert\"" not in page
    refused = client.get(compare_url, {"report": [first.pk]})
    assert refused.status_code == 400 and "two or more" in refused.content.decode()
    assert f'name="report" value="{second.pk}"' in refused.content.decode()  # the picker, not a dead end
    assert EvaluationReport.objects.filter(status="done").count() == 2


def test_the_reliability_diagram_has_axes_and_labels():
    svg = str(charts.reliability_chart("Reliability", [(0.0, 0.5, 0.4, 0.3, 20), (0.5, 1.0, 0.8, 0.85, 40)]))
    assert "Confidence (mean predicted probability)" in svg and ">Accuracy</text>" in svg
    assert svg.count('class="tick" text-anchor="middle">') == 6 and ">calibrated</text>" in svg


@pytest.mark.django_db
def test_seeds_of_one_fine_tune_pool_into_one_column_judged_by_their_mean(
        client, project, manager, artifacts, django_capture_on_commit_callbacks):
    snapshot = labeled_snapshot(project, manager, django_capture_on_commit_callbacks)
    runs = [finetune(manager, project, snapshot, django_capture_on_commit_callbacks, model_name="triage", seeds=2,
                     augment_ratio=0.5, class_weighting=weighting)[0] for weighting in (False, True)]
    columns = [list(EvaluationReport.objects.filter(model_version__job_id=run.job_id).order_by("id")) for run in runs]
    assert [len(column) for column in columns] == [2, 2]
    for report in (report for column in columns for report in column if report.status != "done"):
        execution.execute(report.job_id, "w@host", {})  # the seed a run does not keep: evaluated all the same
        report.refresh_from_db()
    chosen = [report.pk for column in columns for report in column]
    client.force_login(manager)
    api = reverse("api-evaluation-compare", kwargs={"project_pk": project.pk})
    pooled = client.get(api, {"report": chosen, "pool": "seeds"}).json()
    assert pooled["columns"] == [[report.pk for report in column] for column in columns]
    macro = next(row for row in pooled["metrics"] if row["metric"] == "macro_f1")
    for value, spread, column in zip(macro["values"], macro["spreads"], columns):
        figures = [report.metrics["macro_f1"] for report in column]
        assert value == pytest.approx(sum(figures) / 2) and spread == pytest.approx(abs(figures[0] - figures[1]) / 2 ** 0.5)
    assert pooled["tests"][1]["delta"] == pytest.approx(macro["values"][1] - macro["values"][0])  # seed means
    unpooled = client.get(api, {"report": chosen}).json()
    assert len(unpooled["columns"]) == 4 and unpooled["metrics"][0]["spreads"] == [None] * 4
    refused = client.get(api, {"report": [report.pk for report in columns[0]], "pool": "seeds"})
    assert refused.status_code == 400 and "two or more" in refused.json()["detail"]
    url = reverse("evaluation-compare", kwargs={"pk": project.pk})
    picker = client.get(url).content.decode()
    assert 'name="pool" value="seeds"' in picker and f"job #{runs[0].job_id}" in picker
    page = client.get(url, {"report": chosen, "pool": "seeds"}).content.decode()
    header = page[page.index('<th data-column="0">'):page.index("</thead>")]
    assert f"fine-tune job #{runs[0].job_id}</a>: 2 seeds" in header and header.count("data-column") == 2
    row = page[page.index('data-metric="macro_f1"'):]
    assert "± " in row[:row.index("</tr>")] and "Pooled by seeds" in page
