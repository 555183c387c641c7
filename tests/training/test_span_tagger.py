"""A span tagger through the studio: notes with spans imported, frozen into a snapshot, a CRF fine-tune that
registers a span tagger version and evaluates it on the test split — entity-level figures, every error named, the
report page — and the refusals that keep classifiers and taggers on their own snapshots."""

import random

import pytest
from django.urls import reverse

from studio.jobs import execution
from tests.support import importing
from tests.support.classifiers import finetune
from training.finetuning.service import FinetuneError, start_finetuning
from training.models import RegisteredModel

pytestmark = pytest.mark.django_db

DISEASES = ["renal failure", "breast cancer", "sickle cell anemia", "asthma", "type 2 diabetes", "gout"]
DRUGS = ["tamoxifen", "metformin", "insulin", "allopurinol"]
FILLER = ["the patient", "was seen", "for follow up", "with", "after surgery", "and", "today", "history of",
          "started on", "continues"]


def note(rng):
    text, spans = "", []
    for _ in range(rng.randint(4, 10)):
        roll = rng.random()
        if roll < 0.25:
            piece, label = rng.choice(DISEASES), "Disease"
        elif roll < 0.4:
            piece, label = rng.choice(DRUGS), "Drug"
        else:
            piece, label = rng.choice(FILLER), None
        if label:
            spans.append({"start": len(text), "end": len(text) + len(piece), "label": label})
        text += piece + " "
    return {"text": text.strip(), "spans": spans}


@pytest.fixture
def span_snapshot(project, manager, artifacts, django_capture_on_commit_callbacks):
    rng = random.Random(11)
    rows = [{"id": f"n{number}", **note(rng)} for number in range(200)]
    return importing.span_snapshot(manager, project, rows, django_capture_on_commit_callbacks, "spans",
                                   (0.6, 0.2, 0.2))


def test_a_crf_span_tagger_trains_registers_and_is_evaluated_entity_by_entity(
        client, project, manager, span_snapshot, django_capture_on_commit_callbacks):
    run, report = finetune(manager, project, span_snapshot, django_capture_on_commit_callbacks, base="crf")
    version = run.output
    assert version.registered_model.kind == RegisteredModel.Kind.TAGGER and version.lineage["span_labels"] == [
        "Disease", "Drug"]
    assert sorted(path.name for path in version.path.iterdir()) == ["crf.crfsuite", "tagger.json"]
    figures = report.metrics
    assert figures["entity_f1"] > 0.9 and figures["overlap"]["f1"] >= figures["entity_f1"], figures
    low, high = figures["entity_f1_interval"]
    assert low <= figures["entity_f1"] <= high and figures["documents"] == 40
    assert set(figures["error_counts"]) == {"missed", "spurious", "wrong_type", "wrong_boundary"}
    first = next(iter(report.predictions.values()))
    assert all(set(span) == {"start", "end", "label", "score"} for span in first)
    client.force_login(manager)
    page = client.get(reverse("evaluation-report", args=[project.pk, report.pk])).content.decode()
    assert "Entity F1 <strong>" in page and 'id="report-labels"' in page and "Disease" in page
    api = client.get(reverse("api-evaluation", args=[project.pk, report.pk])).json()
    assert api["metrics"]["entity_f1"] == figures["entity_f1"]
    models = client.get(reverse("model-list", args=[project.pk])).content.decode()
    assert "macro F1" in models and str(version.registered_model) in models


def test_classifiers_and_taggers_keep_to_their_own_snapshots(project, manager, span_snapshot):
    with pytest.raises(FinetuneError, match="from the CRF or an encoder"):
        start_finetuning(manager, project, span_snapshot, {"queue": "cpu"})  # the baseline classifies notes
    with pytest.raises(FinetuneError, match="holds spans only"):
        start_finetuning(manager, project, span_snapshot, {"queue": "cpu", "task": "labels"})
    with pytest.raises(Exception, match="trains once per run"):
        start_finetuning(manager, project, span_snapshot, {"queue": "cpu", "base": "crf", "seeds": 2})


def test_an_encoder_span_tagger_reads_long_notes_in_windows_and_learns(
        project, manager, span_snapshot, settings, tmp_path, django_capture_on_commit_callbacks):
    from tests.support.classifiers import build_tiny_base
    from training.tagging import tagger_file
    from training.tagging.loader import load_tagger

    settings.STUDIO_BASE_MODELS_DIR = tmp_path / "base-models"
    build_tiny_base(settings.STUDIO_BASE_MODELS_DIR / "tiny")
    run, report = finetune(manager, project, span_snapshot, django_capture_on_commit_callbacks, base="folder:tiny",
                           task="spans", max_length=32, epochs=12, learning_rate=3e-3, head_learning_rate=3e-3,
                           batch_size=16, class_weighting=True, early_stopping=3)
    assert run.output.registered_model.kind == RegisteredModel.Kind.TAGGER
    run.job.refresh_from_db()
    kept = [line for line in run.job.log.splitlines() if "Kept " in line]
    assert kept and "the best on validation: entity F1" in kept[-1] or "validation entity F1" in kept[-1], run.job.log
    assert 1 <= run.output.metrics["kept_epoch"] <= 12
    assert tagger_file.read_settings(run.output.path) == {"kind": "encoder", "labels": ["Disease", "Drug"]}
    assert run.output.metrics["windows"] > 120  # notes longer than 32 tokens come in several windows
    assert report.metrics["overlap"]["f1"] > 0.5, report.metrics  # a tiny random encoder learns the mentions
    tagger = load_tagger(run.output.path)
    long_note = " ".join(["the patient was seen for follow up"] * 30 + ["with renal failure"])
    found = tagger.predict(long_note)
    assert all(0 <= start < end <= len(long_note) for start, end, _label, _score in found)


def test_a_span_tagger_serves_spans_and_pre_annotates_a_corpus(
        client, project, manager, span_snapshot, django_capture_on_commit_callbacks):
    from labeling.models import Corpus, Prediction
    from training.serving.service import start_prediction

    run, _report = finetune(manager, project, span_snapshot, django_capture_on_commit_callbacks, base="crf")
    client.force_login(manager)
    text = "the patient was seen with renal failure and started on metformin"
    answer = client.post(reverse("api-predict", args=[project.pk]), {"text": text, "version": run.output.pk},
                         content_type="application/json")
    assert answer.status_code == 200, answer.content
    spans = answer.json()["predictions"][0]["spans"]
    assert [(text[span["start"]:span["end"]], span["label"]) for span in spans] == [
        ("renal failure", "Disease"), ("metformin", "Drug")]
    assert all(0 < span["score"] <= 1 for span in spans)
    corpus = Corpus.objects.get(project=project)
    with django_capture_on_commit_callbacks(execute=True):
        job = start_prediction(manager, project, run.output, corpus)
    execution.execute(job.pk, "w@host", {})
    job.refresh_from_db()
    assert job.status == "succeeded", job.error
    stored = Prediction.objects.filter(document__corpus=corpus, version=run.output)
    assert stored.count() == 200 and any(prediction.spans for prediction in stored)
    assert all(prediction.uncertainty is None or 0 <= prediction.uncertainty <= 1 for prediction in stored)


def test_span_taggers_compare_side_by_side_and_go_to_production_by_entity_f1(
        client, project, manager, span_snapshot, django_capture_on_commit_callbacks):
    from labeling.models import Membership, Role
    from tests.support.factories import UserFactory, make_admin
    from training.models import ModelAlias
    from training.registry import aliases

    project.gold_snapshot = span_snapshot
    project.save()
    good, good_report = finetune(manager, project, span_snapshot, django_capture_on_commit_callbacks, base="crf",
                                 model_name="entities")
    weak, weak_report = finetune(manager, project, span_snapshot, django_capture_on_commit_callbacks, base="crf",
                                 model_name="entities", iterations=1, c1=5.0, c2=5.0)
    assert weak_report.metrics["entity_f1"] < good_report.metrics["entity_f1"]
    client.force_login(manager)
    url = reverse("evaluation-compare", args=[project.pk]) + f"?report={good_report.pk}&report={weak_report.pk}"
    page = client.get(url).content.decode()
    assert "Entity F1 (exact) difference real?" in page and 'data-metric="overlap_f1"' in page, page[-3000:]
    api = client.get(reverse("api-evaluation-compare", args=[project.pk]),
                     {"report": [good_report.pk, weak_report.pk]}).json()
    test = api["tests"][1]
    assert api["test_names"][0].startswith("Entity F1 (exact)") and test["delta"] < 0 and test["low"] <= test["high"]
    assert api["metrics"][0]["metric"] == "entity_f1"
    picker = client.get(reverse("evaluation-compare", args=[project.pk])).content.decode()
    assert f'value="{good_report.pk}"' in picker
    admin = make_admin(UserFactory(username="ward-admin"))
    Membership.objects.create(project=project, user=admin, role=Role.MANAGER)
    aliases.promote(admin, good.output)
    case = aliases.promotion_case(weak.output)
    assert case["metric"] == "entity_f1" and case["worse"] and case["comparison"]["test_names"][0].startswith("Entity")
    with pytest.raises(aliases.PromotionError, match="worse than production .* on entity F1"):
        aliases.promote(admin, weak.output)
    client.force_login(admin)
    promote_page = client.get(reverse("model-version-promote", args=[project.pk, weak.output.pk])).content.decode()
    assert "worse</strong> on entity F1" in promote_page
    assert ModelAlias.objects.get(name="production").version == good.output
    served = client.post(reverse("api-predict", args=[project.pk]), {"text": "started on metformin"},
                         content_type="application/json")
    assert served.status_code == 200 and served.json()["predictions"][0]["spans"][0]["label"] == "Drug", served.content
