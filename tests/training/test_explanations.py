"""Explanations: the words that pushed a classifier towards its top label — coefficient × feature for the TF-IDF
baseline (adding up to the label's logit less its bias), integrated gradients for an encoder (the planted signal's
words weigh most) — through the predict API's `"explain": true`, refused for ONNX exports and span taggers."""

import numpy as np
import pytest
from django.urls import reverse

from studio.jobs import execution
from studio.models import Job
from tests.support.classifiers import SIGNALS, build_tiny_base, finetune, labeled_snapshot
from training.explanations import linear
from training.explanations.gradients import explain as gradients
from training.explanations.words import strongest, word_spans
from training.finetuning import data
from training.finetuning.baseline import Baseline
from training.finetuning.classifier import Classifier

pytestmark = pytest.mark.django_db
NOTE = "Seen today, 3 weeks after the fall: troponin raised with chest pain; no fever."


def test_words_are_whitespace_separated_and_trimmed_of_punctuation():
    assert [NOTE[start:end] for start, end in word_spans(NOTE)][-6:] == ["raised", "with", "chest", "pain", "no",
                                                                         "fever"]
    other = "a (b) -- c"
    assert [other[start:end] for start, end in word_spans(other)] == ["a", "b", "--", "c"]
    words = [{"start": 0, "weight": 0.1}, {"start": 5, "weight": -2.0}, {"start": 9, "weight": 1.0}]
    assert [word["start"] for word in strongest(words, 2)] == [5, 9]  # either way, in reading order


def test_the_baselines_word_weights_add_up_to_the_labels_logit_and_find_the_signal():
    rng = np.random.default_rng(1)
    filler = ["patient", "reviewed", "on", "the", "ward", "today", "with", "family", "notes", "stable"]
    texts, targets = [], []
    for number in range(150):
        label = number % 3
        words = list(rng.choice(filler, 8)) + [list(SIGNALS.values())[label]]
        texts.append(" ".join(words))
        targets.append(label)
    model = Baseline.fit(texts, np.array(targets), list(SIGNALS), multi=False, seed=1)
    words = linear.explain(model, NOTE, 0)
    row = model.features([NOTE])
    logit = float((row @ model.weights[0].T)[0])
    assert sum(word["weight"] for word in words) == pytest.approx(logit, rel=1e-6)  # no bias: coefficient × feature
    top = max(words, key=lambda word: word["weight"])
    assert NOTE[top["start"]:top["end"]] in SIGNALS["Cardiology"].split()


def test_an_encoders_integrated_gradients_weigh_the_planted_signal_most(
        project, manager, artifacts, settings, tmp_path, django_capture_on_commit_callbacks):
    settings.STUDIO_BASE_MODELS_DIR = tmp_path / "base-models"
    build_tiny_base(settings.STUDIO_BASE_MODELS_DIR / "tiny")
    snapshot = labeled_snapshot(project, manager, django_capture_on_commit_callbacks)
    run, report = finetune(manager, project, snapshot, django_capture_on_commit_callbacks, base="folder:tiny",
                           learning_rate=1e-3, epochs=8, batch_size=16, max_length=64, early_stopping=0)
    assert report.metrics["macro_f1"] > 0.8, report.metrics
    classifier = Classifier(run.output.path)
    labels, multi = data.snapshot_labels(snapshot)
    test = data.read_split(snapshot, "test", labels, multi)
    found = 0
    for text, target in zip(test.texts[:20], test.targets[:20]):
        words = gradients(classifier.scorer.model, classifier.scorer.tokenizer, text, int(target), 64)
        top = max(words, key=lambda word: word["weight"])
        found += text[top["start"]:top["end"]] in SIGNALS[labels[int(target)]].split()
    assert found >= 14, found  # the label's own signal words, for most notes (chance: 5 of about 15 words)


def test_the_predict_api_explains_on_request_and_refuses_what_it_cannot_explain(
        client, project, manager, artifacts, django_capture_on_commit_callbacks):
    snapshot = labeled_snapshot(project, manager, django_capture_on_commit_callbacks)
    run, _report = finetune(manager, project, snapshot, django_capture_on_commit_callbacks)
    client.force_login(manager)
    answer = client.post(reverse("api-predict", args=[project.pk]),
                         {"texts": [NOTE, "wheeze with reduced air entry"], "version": run.output.pk,
                          "explain": True}, content_type="application/json")
    assert answer.status_code == 200, answer.content
    first = answer.json()["predictions"][0]
    assert first["explanation"]["label"] == "Cardiology" == first["labels"][0]
    words = first["explanation"]["words"]
    assert 0 < len(words) <= 12 and [word["start"] for word in words] == sorted(word["start"] for word in words)
    assert all(NOTE[word["start"]:word["end"]].strip(".,;:") == NOTE[word["start"]:word["end"]] for word in words)
    assert max(words, key=lambda word: word["weight"])["start"] == NOTE.index("troponin") or any(
        NOTE[word["start"]:word["end"]] in ("chest", "pain", "troponin", "raised") and word["weight"] > 0
        for word in words)
    plain = client.post(reverse("api-predict", args=[project.pk]), {"text": NOTE, "version": run.output.pk},
                        content_type="application/json").json()
    assert "explanation" not in plain["predictions"][0]
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(reverse("api-ensembles", args=[project.pk]), {
            "versions": [run.output.pk, finetune(manager, project, snapshot, django_capture_on_commit_callbacks,
                                                 class_weighting=True)[0].output.pk], "snapshot": snapshot.pk},
            content_type="application/json")
    execution.execute(started.json()["job"], "w@host", {})
    ensemble = Job.objects.get(pk=started.json()["job"]).metrics["model_version"]
    refused = client.post(reverse("api-predict", args=[project.pk]), {"text": NOTE, "version": ensemble,
                                                                       "explain": True},
                          content_type="application/json")
    assert refused.status_code == 409 and "each member" in refused.json()["detail"]


def test_an_evaluation_report_explains_its_misclassified_documents(
        client, project, manager, artifacts, django_capture_on_commit_callbacks):
    from training.evaluation.run import explain_errors
    from training.models import EvaluationReport

    snapshot = labeled_snapshot(project, manager, django_capture_on_commit_callbacks)
    run, report = finetune(manager, project, snapshot, django_capture_on_commit_callbacks)
    classifier = Classifier(run.output.path)
    explained = explain_errors(classifier, [NOTE], classifier.scores([NOTE]))
    assert explained[0]["label"] == "Cardiology"
    assert {word["text"] for word in explained[0]["words"]} >= {"troponin"}
    assert all(NOTE[word["start"]:word["end"]] == word["text"] for word in explained[0]["words"])
    # What the evaluation job stores for a misclassified document, as its report page shows it
    EvaluationReport.objects.filter(pk=report.pk).update(errors=[{
        "document_id": snapshot.project.corpora.first().documents.first().pk, "external_id": "d0",
        "truth": "Neurology", "predicted": "Cardiology", "scores": {"Cardiology": 0.9}, "explanation": explained[0]}])
    client.force_login(manager)
    page = client.get(reverse("evaluation-report", args=[project.pk, report.pk])).content.decode()
    assert 'id="report-why"' in page and 'class="towards"' in page and ">troponin</span>" in page
