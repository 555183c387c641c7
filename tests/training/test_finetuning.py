"""Fine-tuning and evaluation on snapshots (tiny, CPU): the baseline and a tiny encoder learn a
planted signal, evaluation runs after every fine-tune, test documents never train, artifacts
reload with the same scores, and a snapshot with other labels is refused."""

import numpy as np
import pytest
from django.db.models import RestrictedError

from labeling.models import Annotation, DatasetSnapshot, Document, Label, LabelSchema
from labeling.services import corpora, snapshots
from studio.jobs import execution
from studio.models import Job, MetricPoint
from tests.support.classifiers import build_tiny_base, finetune, labeled_snapshot
from training.finetuning import classifier, classifier_file, data
from training.evaluation.service import start_evaluation
from training.finetuning.service import FinetuneError
from training.models import EvaluationReport


@pytest.fixture
def tiny_base(settings, tmp_path):
    settings.STUDIO_BASE_MODELS_DIR = tmp_path / "base-models"
    build_tiny_base(settings.STUDIO_BASE_MODELS_DIR / "tiny")
    return "folder:tiny"


@pytest.mark.django_db
def test_the_baseline_learns_and_is_evaluated_on_test_documents_it_never_saw(
        project, manager, artifacts, django_capture_on_commit_callbacks):
    snapshot = labeled_snapshot(project, manager, django_capture_on_commit_callbacks)
    run, report = finetune(manager, project, snapshot, django_capture_on_commit_callbacks)
    labels, multi = data.snapshot_labels(snapshot)
    train, test = (data.read_split(snapshot, split, labels, multi) for split in ("train", "test"))
    assert not set(train.ids) & set(test.ids) and report.metrics["documents"] == len(test.ids)
    assert report.metrics["macro_f1"] > 0.9  # chance is about 0.33
    assert run.output.registered_model.kind == "classifier" and run.output.lineage["snapshot"]["sha256"] == snapshot.sha256
    files = sorted(path.name for path in run.output.path.iterdir())
    assert files == ["baseline.json", "baseline.safetensors", "classifier.json"]
    scores = classifier.Classifier(run.output.path).scores(test.texts)
    stored = np.array([report.predictions[str(pk)] for pk in test.ids])
    assert np.allclose(scores, stored, atol=1e-4)  # the artifact reloads to the same scores
    with pytest.raises(RestrictedError):  # a snapshot a classifier was trained on stays
        DatasetSnapshot.objects.get(pk=snapshot.pk).delete()
    corpora.delete_project_data(project)  # …unless its whole project goes
    assert not DatasetSnapshot.objects.filter(pk=snapshot.pk).exists()


@pytest.mark.django_db
def test_a_tiny_encoder_fine_tunes_single_and_multi_label(
        project, manager, artifacts, tiny_base, django_capture_on_commit_callbacks, other_project):
    snapshot = labeled_snapshot(project, manager, django_capture_on_commit_callbacks)
    run, report = finetune(manager, project, snapshot, django_capture_on_commit_callbacks, base=tiny_base,
                           learning_rate=1e-3, epochs=16, batch_size=16, max_length=64, model_name="single",
                           early_stopping=0)  # stable on every split tried (3e-3 collapsed on some)
    assert report.metrics["macro_f1"] > 0.6, report.metrics
    assert run.config["head_learning_rate"] == 1e-2  # left to the base: ten times the body's, kept with the run
    assert "model.safetensors" in {path.name for path in run.output.path.iterdir()}
    assert run.output.metrics["tokens_per_second"] > 0 and run.output.metrics["steps"] > 0
    assert run.output.metrics["kept_epoch"] == 16  # no early stopping: the epochs asked for, the last one kept
    points = list(MetricPoint.objects.filter(job_id=run.job_id, name="eval_macro_f1").values_list("step", flat=True))
    assert len(points) == 16 and len(set(points)) == 16  # one validation point per epoch, each once
    labels, multi = data.snapshot_labels(snapshot)
    test = data.read_split(snapshot, "test", labels, multi)
    scores = classifier.Classifier(run.output.path).scores(test.texts)
    stored = np.array([report.predictions[str(pk)] for pk in test.ids])
    assert np.allclose(scores, stored, atol=1e-4)  # the saved folder reloads to the same scores
    multi_snapshot = labeled_snapshot(other_project, manager, django_capture_on_commit_callbacks,
                                      kind=LabelSchema.Kind.MULTI, name="multi")
    multi_run, multi_report = finetune(manager, other_project, multi_snapshot, django_capture_on_commit_callbacks,
                                       base=tiny_base, learning_rate=1e-3, epochs=16, batch_size=16, max_length=64, early_stopping=0,
                                       class_weighting=True, model_name="multi")
    assert multi_report.metrics["micro_f1"] > 0.6, multi_report.metrics
    assert len(classifier_file.read_settings(multi_run.output.path)["thresholds"]) == 3


@pytest.mark.django_db
def test_evaluating_on_a_snapshot_with_other_labels_is_refused(
        project, manager, artifacts, django_capture_on_commit_callbacks):
    snapshot = labeled_snapshot(project, manager, django_capture_on_commit_callbacks)
    run, _report = finetune(manager, project, snapshot, django_capture_on_commit_callbacks)
    Label.objects.create(schema=project.label_schema, name="Oncology", position=9)
    document = Document.objects.filter(corpus__project=project).first()
    Annotation.objects.filter(document=document).first().labels.set([Label.objects.get(name="Oncology")])
    with django_capture_on_commit_callbacks(execute=True):
        other = snapshots.start_snapshot(manager, project, name="v2")
    execution.execute(other.job_id, "w@host", {})
    other.refresh_from_db()
    with pytest.raises(FinetuneError, match="same labels"):
        start_evaluation(manager, project, run.output, DatasetSnapshot.objects.get(pk=other.pk))


@pytest.mark.django_db
def test_fine_tuning_evaluation_and_comparison_in_the_browser_and_the_api(
        client, login, project, manager, annotator, artifacts, tiny_base, django_capture_on_commit_callbacks):
    from django.urls import reverse

    from training.finetuning.service import SETTINGS
    from training.models import Finetuning

    snapshot = labeled_snapshot(project, manager, django_capture_on_commit_callbacks)
    login(manager)
    form = client.get(reverse("finetune", args=[project.pk])).content.decode()
    assert 'value="baseline"' in form and 'value="folder:tiny"' in form and f'value="{snapshot.pk}"' in form
    fields = {setting.name: str(setting.default) for setting in SETTINGS
              if setting.type is not bool and setting.type is not list}  # checkboxes: none ticked; lists: none given
    fields.update(snapshot=str(snapshot.pk), queue="cpu", model_name="Triage baseline")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("finetune", args=[project.pk]), fields)
    run = Finetuning.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("job-detail", args=[run.job_id])
    execution.execute(run.job_id, "w@host", {})
    first = EvaluationReport.objects.get()
    execution.execute(first.job_id, "w@host", {})
    page = client.get(reverse("evaluation-report", args=[project.pk, first.pk])).content.decode()
    assert "Macro F1" in page and "report-confusion" in page and "Reliability" in page

    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(reverse("api-finetuning-list", args=[project.pk]),
                              {"snapshot": snapshot.pk, "base": tiny_base, "queue": "cpu", "epochs": 1,
                               "max_length": 64, "model_name": "Tiny encoder"}, content_type="application/json")
    assert started.status_code == 201, started.content
    execution.execute(started.json()["job"], "w@host", {})
    second = EvaluationReport.objects.exclude(pk=first.pk).get()
    execution.execute(second.job_id, "w@host", {})
    detail = client.get(reverse("api-evaluation", args=[project.pk, second.pk])).json()
    assert detail["status"] == "done" and "macro_f1" in detail["metrics"]
    compared = client.get(reverse("api-evaluation-compare", args=[project.pk]),
                          {"report": [first.pk, second.pk]}).json()
    macro = next(row for row in compared["metrics"] if row["metric"] == "macro_f1")
    assert macro["deltas"][0] == 0 and compared["tests"][0] is None and "p_value" in compared["tests"][1]
    assert compared["micro_tests"][0] is None and "p_value" in compared["micro_tests"][1]
    assert "micro_f1_interval" in detail["metrics"] and "collapsed" in detail["metrics"]
    html = client.get(reverse("evaluation-compare", args=[project.pk]), {"report": [first.pk, second.pk]})
    assert html.status_code == 200 and "comparison-tests" in html.content.decode()
    assert "comparison-micro-tests" in html.content.decode()
    assert client.get(reverse("evaluation-compare", args=[project.pk]), {"report": [first.pk]}).status_code == 400
    again = client.post(reverse("api-evaluation-list", args=[project.pk]),
                        {"model_version": first.model_version_id, "snapshot": snapshot.pk}, content_type="application/json")
    assert again.status_code == 201
    bad = client.post(reverse("api-finetuning-list", args=[project.pk]), {"snapshot": snapshot.pk, "base": "magic"},
                      content_type="application/json")
    assert bad.status_code == 400 and "base" in bad.json()["detail"]
    assert client.get(reverse("api-finetuning-defaults", args=[project.pk])).json()["bases"][0] == "baseline"
    login(annotator)
    assert client.get(reverse("evaluation-report", args=[project.pk, first.pk])).status_code == 403
    assert client.get(reverse("api-evaluation", args=[project.pk, first.pk])).status_code == 403


@pytest.mark.django_db
def test_augmentation_adds_copies_to_the_training_split_and_is_recorded(
        project, manager, artifacts, django_capture_on_commit_callbacks):
    snapshot = labeled_snapshot(project, manager, django_capture_on_commit_callbacks)
    run, report = finetune(manager, project, snapshot, django_capture_on_commit_callbacks, augment_ratio=0.5,
                           synonyms=["troponin = cardiac enzyme", "wheeze = wheezing"])
    labels, multi = data.snapshot_labels(snapshot)
    trained = len(data.read_split(snapshot, "train", labels, multi).texts)
    assert run.output.metrics["augmented_copies"] == round(0.5 * trained)
    assert run.output.params["augment_ratio"] == 0.5 and report.metrics["macro_f1"] > 0.9
    assert "Augmented the training split" in Job.objects.get(pk=run.job_id).log


@pytest.mark.django_db
def test_a_max_length_beyond_what_the_base_reads_is_refused_at_submission(
        client, project, manager, artifacts, tiny_base, django_capture_on_commit_callbacks):
    from django.urls import reverse

    snapshot = labeled_snapshot(project, manager, django_capture_on_commit_callbacks)
    client.force_login(manager)
    url = reverse("api-finetuning-list", args=[project.pk])
    refused = client.post(url, {"snapshot": snapshot.pk, "base": tiny_base, "max_length": 256, "queue": "cpu"},
                          content_type="application/json")
    assert refused.status_code == 400
    assert refused.json()["detail"] == ("max_length: folder:tiny reads at most 128 tokens (its position embeddings); "
                                        "choose 128 or less.")
    from training.finetuning.service import SETTINGS

    fields = {setting.name: str(setting.default) for setting in SETTINGS
              if setting.type is not bool and setting.type is not list}  # checkboxes: none ticked; lists: none given
    fields.update(snapshot=str(snapshot.pk), base=tiny_base, max_length="512", queue="cpu")
    page = client.post(reverse("finetune", args=[project.pk]), fields)
    assert page.status_code == 400 and "reads at most 128 tokens" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        accepted = client.post(url, {"snapshot": snapshot.pk, "base": tiny_base, "max_length": 128, "queue": "cpu"},
                               content_type="application/json")
    assert accepted.status_code == 201, accepted.content


@pytest.mark.django_db
def test_notes_where_no_label_applies_are_trained_on_and_scored(
        project, manager, artifacts, django_capture_on_commit_callbacks):
    snapshot = labeled_snapshot(project, manager, django_capture_on_commit_callbacks, kind=LabelSchema.Kind.MULTI,
                                none_share=0.25)
    labels, multi = data.snapshot_labels(snapshot)
    test = data.read_split(snapshot, "test", labels, multi)
    quiet = int((test.targets.sum(axis=1) == 0).sum())
    assert snapshot.row_count == 240 and quiet >= 5  # the notes with no label are in the snapshot, in every split
    _run, report = finetune(manager, project, snapshot, django_capture_on_commit_callbacks)
    assert report.metrics["documents"] == len(test.ids)
    predicted = np.array([report.predictions[str(pk)] for pk in test.ids])
    thresholds = classifier_file.read_settings(_run.output.path)["thresholds"]
    silent = (predicted >= np.array(thresholds)).sum(axis=1) == 0
    # It learned to say nothing applies: for most such notes (which notes fall in the test split follows their ids,
    # which on PostgreSQL depend on the tests run before).
    assert (silent & (test.targets.sum(axis=1) == 0)).sum() >= 0.75 * quiet
    assert report.metrics["accuracy"] > 0.7 and report.metrics["collapsed"] is None


def test_layer_wise_learning_rates_and_the_head_s_own():
    from transformers import BertConfig, BertForSequenceClassification

    from training.finetuning.encoder import parameter_groups

    model = BertForSequenceClassification(BertConfig(vocab_size=30, hidden_size=8, num_hidden_layers=3,
                                                     num_attention_heads=2, intermediate_size=16, num_labels=2))
    groups = parameter_groups(model, 1e-4, head_learning_rate=1e-3, layer_decay=0.5, weight_decay=0.01)
    rate = {id(parameter): group["lr"] for group in groups for parameter in group["params"]}
    decay = {id(parameter): group["weight_decay"] for group in groups for parameter in group["params"]}
    named = dict(model.named_parameters())
    assert rate[id(named["classifier.weight"])] == 1e-3
    assert rate[id(named["bert.pooler.dense.weight"])] == 1e-4
    assert rate[id(named["bert.encoder.layer.2.attention.self.query.weight"])] == 1e-4
    assert rate[id(named["bert.encoder.layer.0.attention.self.query.weight"])] == pytest.approx(2.5e-5)
    assert rate[id(named["bert.embeddings.word_embeddings.weight"])] == pytest.approx(1.25e-5)
    assert decay[id(named["bert.encoder.layer.0.output.LayerNorm.weight"])] == 0.0
    assert decay[id(named["bert.encoder.layer.0.output.dense.bias"])] == 0.0
    assert decay[id(named["bert.encoder.layer.0.output.dense.weight"])] == 0.01
    assert len(rate) == len(named)  # every parameter in one group


@pytest.mark.django_db
def test_a_fine_tune_with_layer_decay_and_a_head_rate_trains(
        project, manager, artifacts, tiny_base, django_capture_on_commit_callbacks):
    snapshot = labeled_snapshot(project, manager, django_capture_on_commit_callbacks)
    run, report = finetune(manager, project, snapshot, django_capture_on_commit_callbacks, base=tiny_base,
                           learning_rate=1e-3, head_learning_rate=3e-3, layer_decay=0.8, epochs=16, batch_size=16,
                           max_length=64, early_stopping=0)
    assert run.config["layer_decay"] == 0.8 and report.metrics["macro_f1"] > 0.6, report.metrics


@pytest.mark.django_db
def test_several_seeds_make_one_version_and_evaluation_each_and_keep_the_best(
        project, manager, artifacts, django_capture_on_commit_callbacks):
    from studio.jobs.reporter import Reporter
    from training.finetuning.run import finetune as finetune_run
    from training.finetuning.service import start_finetuning
    from training.models import Finetuning, ModelVersion

    from studio.settings_schema import SettingsError

    snapshot = labeled_snapshot(project, manager, django_capture_on_commit_callbacks)
    with pytest.raises(SettingsError, match="same model for every seed"):
        start_finetuning(manager, project, snapshot, {"queue": "cpu", "seeds": 3})  # the baseline alone: copies
    with django_capture_on_commit_callbacks(execute=True):
        run = start_finetuning(manager, project, snapshot, {"queue": "cpu", "seeds": 3, "seed": 5,
                                                            "augment_ratio": 0.5})  # augmentation draws on the seed
    execution.execute(run.job_id, "w@host", {})
    run.refresh_from_db()
    job = Job.objects.get(pk=run.job_id)
    assert run.status == "done", job.error
    versions = list(ModelVersion.objects.filter(job_id=run.job_id).order_by("id"))
    assert [version.params["seed"] for version in versions] == [5, 6, 7]
    assert EvaluationReport.objects.filter(model_version__in=versions).count() == 3
    scores = [version.metrics["validation_macro_f1"] for version in versions]
    assert run.output == versions[scores.index(max(scores))]
    assert job.metrics["seeds"] == [5, 6, 7] and job.metrics["model_versions"] == [version.pk for version in versions]
    assert job.metrics["validation_macro_f1_mean"] == pytest.approx(np.mean(scores))
    assert "validation_macro_f1_sd" in job.metrics and "Best on validation: seed" in job.log
    from studio.jobs.outputs import job_links

    linked = {link.text for link in job_links(job)}
    assert {str(version) for version in versions} <= linked  # every seed's version is a link on the job's page
    again = finetune_run(run, job, Reporter(job, interval=3600))  # run again: the seeds done are not trained again
    assert ModelVersion.objects.filter(job_id=run.job_id).count() == 3 and again["model_versions"] == [
        version.pk for version in versions]
    assert Finetuning.objects.get(pk=run.pk).output == run.output


@pytest.mark.django_db
def test_a_search_tries_settings_registers_the_best_and_picks_up_where_it_stopped(
        client, project, manager, artifacts, tiny_base, django_capture_on_commit_callbacks):
    import json

    from django.urls import reverse

    from studio.jobs import service as jobs_service
    from studio.jobs.reporter import Reporter
    from studio.settings_schema import SettingsError
    from training.finetuning.run import finetune as finetune_run
    from training.finetuning.service import start_finetuning
    from training.models import ModelVersion

    snapshot = labeled_snapshot(project, manager, django_capture_on_commit_callbacks)
    with pytest.raises(SettingsError, match="a search is for an encoder"):
        start_finetuning(manager, project, snapshot, {"queue": "cpu", "trials": 3})
    with django_capture_on_commit_callbacks(execute=True):
        run = start_finetuning(manager, project, snapshot, {"queue": "cpu", "base": tiny_base, "trials": 3,
                                                            "max_length": 64})
    execution.execute(run.job_id, "w@host", {})
    run.refresh_from_db()
    job = Job.objects.get(pk=run.job_id)
    assert run.status == "done", job.error
    search = run.output.lineage["search"]
    values = [trial["value"] for trial in search["trials"]]
    assert [trial["number"] for trial in search["trials"]] == [1, 2, 3] and job.metrics["trials"] == 3
    assert search["best"] == job.metrics["best_trial"] == values.index(max(values)) + 1
    best = search["trials"][search["best"] - 1]["params"]
    assert {"learning_rate", "epochs", "batch_size", "class_weighting", "layer_decay"} == set(best)
    assert run.output.params["learning_rate"] == best["learning_rate"]  # the version is the best trial's
    assert run.output.params["head_learning_rate"] == pytest.approx(10 * best["learning_rate"], rel=1e-2)
    assert EvaluationReport.objects.filter(model_version=run.output).exists()
    assert {name for name in MetricPoint.objects.filter(job=job).values_list("name", flat=True)} >= {
        "trial_1_eval_macro_f1", "trial_2_eval_macro_f1", "trial_3_eval_macro_f1"}
    folder = jobs_service.workdir(job)
    assert sorted(path.name for path in folder.glob("trial-*")) == [f"trial-{search['best']}"]  # the rest removed
    client.force_login(manager)
    page = client.get(reverse("model-version", args=[project.pk, run.output.pk])).content.decode()
    assert 'id="version-search"' in page and page.count("<tr data-trial") == 3

    # A job delivered again after its second trial: the first two are known, only the third is trained.
    record = json.loads((folder / "trials.json").read_text())
    (folder / "trials.json").write_text(json.dumps(record[:2]))
    ModelVersion.objects.filter(pk=run.output.pk).update(job=None)
    trained = []
    monkey = pytest.MonkeyPatch()
    import training.finetuning.search as search_module
    real = search_module.train_and_score
    monkey.setattr(search_module, "train_and_score", lambda *args: trained.append(args[-2].name) or real(*args))
    try:
        again = finetune_run(run, job, Reporter(job, interval=3600))
    finally:
        monkey.undo()
    assert trained == ["trial-3"] and again["trials"] == 3


@pytest.mark.django_db
def test_a_sentence_embedding_base_is_read_by_the_mean_of_its_tokens(
        project, manager, artifacts, settings, tmp_path, django_capture_on_commit_callbacks):
    import json

    from training.finetuning import pooled

    settings.STUDIO_BASE_MODELS_DIR = tmp_path / "base-models"
    base = settings.STUDIO_BASE_MODELS_DIR / "sentence"
    build_tiny_base(base)
    (base / "1_Pooling").mkdir()
    (base / "1_Pooling" / "config.json").write_text(json.dumps({"pooling_mode_mean_tokens": True}))
    assert pooled.default_pooling(base) == "mean" and pooled.default_pooling(tmp_path) == "cls"
    snapshot = labeled_snapshot(project, manager, django_capture_on_commit_callbacks)
    run, report = finetune(manager, project, snapshot, django_capture_on_commit_callbacks, base="folder:sentence",
                           learning_rate=1e-3, epochs=16, batch_size=16, max_length=64, early_stopping=0)
    assert classifier_file.read_settings(run.output.path)["pooling"] == "mean"
    assert {"model.safetensors", "head.safetensors"} <= {path.name for path in run.output.path.iterdir()}
    assert report.metrics["macro_f1"] > 0.6, report.metrics
    labels, multi = data.snapshot_labels(snapshot)
    test = data.read_split(snapshot, "test", labels, multi)
    scores = classifier.Classifier(run.output.path).scores(test.texts)
    stored = np.array([report.predictions[str(pk)] for pk in test.ids])
    assert np.allclose(scores, stored, atol=1e-4)  # the saved folder reloads to the same scores
    cls_run, _report = finetune(manager, project, snapshot, django_capture_on_commit_callbacks,
                                base="folder:sentence", pooling="cls", epochs=1, max_length=32, model_name="cls")
    assert classifier_file.read_settings(cls_run.output.path)["pooling"] == "cls"
    assert not (cls_run.output.path / "head.safetensors").exists()
