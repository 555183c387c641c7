"""Job pages for people: numbers formatted, every object a link, the project's tabs, the loss curve first, and
progress reported by every kind of job (a baseline fine-tune no longer sits at “0 % Started”)."""

import json
import re

import pytest
from django.urls import reverse

from studio.charts import curves
from studio.figures import duration, figure, higher_is_better, metric_name
from studio.jobs.reporter import Reporter
from studio.models import Job
from tests.support.classifiers import finetune, labeled_snapshot
from training.models import EvaluationReport


@pytest.mark.parametrize("value, shown", [
    (0.5773457151602948, "0.577"), (1.0, "1.000"), (-0.05, "-0.050"), (2888, "2,888"), (2888.0, "2,888"),
    (41.23, "41.2"), (2.3456, "2.35"),
    (12345.6, "12,346"), (3e-5, "3.00e-05"), (0, "0"), (None, "—"), (float("nan"), "—"), ("cpu", "cpu"),
    (True, True),
])
def test_numbers_are_formatted_for_people(value, shown):
    assert figure(value) == shown


@pytest.mark.parametrize("seconds, shown", [(4.21, "4.2 s"), (41.4, "41 s"), (185, "3 min 5 s"), (120, "2 min"),
                                            (7440, "2 h 4 min"), (None, "—")])
def test_durations_read_as_seconds_minutes_and_hours(seconds, shown):
    assert duration(seconds) == shown


def test_metrics_have_names_and_a_direction():
    assert metric_name("validation_macro_f1") == "Validation macro F1"
    assert metric_name("ece") == "Calibration error (ECE)"
    assert metric_name("eval_model_preparation_time") == "Held-out model preparation time"
    assert higher_is_better("macro_f1") and higher_is_better("accuracy")
    assert not higher_is_better("ece") and not higher_is_better("eval_loss") and not higher_is_better("loss_after")


def test_loss_held_out_metric_and_learning_rate_come_first_and_bookkeeping_goes_to_more():
    names = ["epoch", "eval_model_preparation_time", "eval_runtime", "eval_samples_per_second", "eval_loss",
             "eval_accuracy", "grad_norm", "learning_rate", "loss", "total_flos", "train_loss", "train_runtime",
             "train_samples_per_second", "train_steps_per_second", "eval_steps_per_second"]
    first, more = curves({name: [[1, 1.0], [2, 0.5]] for name in names})
    assert [curve["key"] for curve in first] == ["loss", "eval_loss", "eval_accuracy", "learning_rate",
                                                 "grad_norm"]
    assert {curve["key"] for curve in more} == set(names) - {curve["key"] for curve in first}
    assert first[0]["title"] == "Training loss" and first[0]["lower_is_better"]
    assert first[0]["steps"] == [1, 2] and first[0]["values"] == [1.0, 0.5] and "<svg" in first[0]["chart"]
    assert json.loads(first[0]["series"]) == {"title": "Training loss", "lower_is_better": True, "steps": [1, 2],
                                              "values": [1.0, 0.5]}


@pytest.mark.django_db
def test_a_stage_is_written_at_once_and_a_span_fills_its_part_of_the_progress(project, manager):
    job = Job.objects.create(kind="selftest", queue="cpu", project=project, created_by=manager, claim="c")
    reporter = Reporter(job, interval=3600)
    reporter.stage(0.1, "Fitting the model")
    job.refresh_from_db()
    assert (job.progress, job.message) == (0.1, "Fitting the model") and "INFO Fitting the model" in job.log
    part = reporter.span(0.5, 0.9)
    part.span(0.5, 1.0).stage(0.5, "Half of the last part")
    job.refresh_from_db()
    assert job.progress == pytest.approx(0.8) and job.message == "Half of the last part"
    part.progress(2.0)  # clamped to its part
    reporter.flush()
    job.refresh_from_db()
    assert job.progress == pytest.approx(0.9)


@pytest.fixture
def fine_tuned(project, manager, artifacts, django_capture_on_commit_callbacks):
    snapshot = labeled_snapshot(project, manager, django_capture_on_commit_callbacks)
    run, report = finetune(manager, project, snapshot, django_capture_on_commit_callbacks)
    return snapshot, run, report


@pytest.mark.django_db
def test_every_step_of_a_baseline_fine_tune_reports_its_stages(fine_tuned):
    snapshot, run, report = fine_tuned
    for job_id, stages in ((snapshot.job_id, ["Finding labeled documents", "Choosing splits"]),
                           (run.job_id, ["Reading snapshot", "Counting word n-grams", "Counting character n-grams",
                                         "Fitting logistic regression", "Registering the model version"]),
                           (report.job_id, ["Loading", "Scoring", "Computing F1"])):
        job = Job.objects.get(pk=job_id)
        assert job.status == "succeeded" and job.progress == 1.0, job.error
        for stage in stages:
            assert stage in job.log or stage in job.message, (job.kind, stage, job.log)
    log = Job.objects.get(pk=run.job_id).log
    assert log.index("Counting word n-grams") < log.index("Fitting logistic regression")


@pytest.mark.django_db
def test_a_finished_fine_tune_links_its_version_and_evaluation_inside_the_project_tabs(client, manager, fine_tuned):
    snapshot, run, report = fine_tuned
    client.force_login(manager)
    response = client.get(reverse("job-detail", kwargs={"pk": run.job_id}))
    assert "HX-Request" in response["Vary"]  # Back never shows the polled fragment as the page
    page = response.content.decode()
    version_url = reverse("model-version", kwargs={"pk": run.project_id, "version_pk": run.output_id})
    report_url = reverse("evaluation-report", kwargs={"pk": run.project_id, "report_pk": report.pk})
    snapshot_url = reverse("snapshot-detail", kwargs={"pk": run.project_id, "snapshot_pk": snapshot.pk})
    for url in (version_url, report_url, snapshot_url):
        assert f'href="{url}"' in page
    assert f">{run.output}</a>" in page and "Validation macro F1" in page
    assert re.search(r'<td class="figure">[01]\.\d{3}</td>', page)  # 0.577, not 0.5773457151602948
    assert 'aria-label="Project"' in page and re.search(r'href="[^"]*/jobs/" aria-current="page"', page)
    jobs = client.get(reverse("project-jobs", kwargs={"pk": run.project_id})).content.decode()
    assert "<td>Fine-tuning</td>" in jobs and "<td>Evaluation</td>" in jobs and "<td>finetune</td>" not in jobs
    evaluation_page = client.get(reverse("job-detail", kwargs={"pk": report.job_id})).content.decode()
    assert f'href="{report_url}"' in evaluation_page and f'href="{version_url}"' in evaluation_page
    assert "Misclassified documents" in evaluation_page and "Macro F1" in evaluation_page
    api = client.get(reverse("api-job-detail", kwargs={"pk": run.job_id})).json()  # the API names the same objects
    assert {(link["label"], link["url"]) for link in api["links"]} >= {
        ("Model version", version_url), ("Evaluation", report_url), ("Snapshot", snapshot_url)}


@pytest.mark.django_db
def test_a_job_outside_any_project_has_no_tabs_and_a_deleted_object_is_said_so(client, admin_user, manager, project):
    job = Job.objects.create(kind="evaluate", queue="cpu", created_by=admin_user, status="succeeded",
                             params={"report_id": 999, "queue": "cpu"}, metrics={"macro_f1": 0.81234, "errors": 1234})
    client.force_login(admin_user)
    page = client.get(reverse("job-detail", kwargs={"pk": job.pk})).content.decode()
    assert 'aria-label="Project"' not in page and "#999 (deleted)" in page
    assert "0.812" in page and "1,234" in page and not EvaluationReport.objects.exists()
