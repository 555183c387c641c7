"""Distillation: a fine-tune that names a teacher (a `distill` job, through the API and the fine-tune form) trains a
student encoder with fewer layers on the teacher's probabilities over the training split and unlabeled notes (the
snapshot's held-out notes left out), records its teacher, and its evaluation shows it beside the teacher."""

import json
import random

import pytest
import torch
from django.urls import reverse

from labeling.models import Corpus, Document
from studio.jobs import execution
from studio.models import Job
from studio.settings_schema import SettingsError
from tests.support.classifiers import SIGNALS, build_tiny_base, finetune, labeled_snapshot
from tests.support.phi_notes import body
from training.finetuning import data
from training.finetuning.distill import distillation_loss, unlabeled_texts
from training.finetuning.service import FinetuneError, start_finetuning
from training.models import EvaluationReport, Finetuning
from training.registry.model_card import model_card

pytestmark = pytest.mark.django_db


def unlabeled_corpus(project, count=100):
    rng = random.Random(3)
    corpus = Corpus.objects.create(project=project, name="unlabeled notes", status=Corpus.Status.READY,
                                   document_count=count)
    Document.objects.bulk_create(Document(corpus=corpus, external_id=f"u{i}", content_hash=f"u{i}", length=1,
                                          text=f"{body(rng, 2)} {rng.choice(list(SIGNALS.values()))}.")
                                 for i in range(count))
    return corpus


@pytest.fixture
def teacher(project, manager, artifacts, settings, tmp_path, django_capture_on_commit_callbacks):
    settings.STUDIO_BASE_MODELS_DIR = tmp_path / "base-models"
    build_tiny_base(settings.STUDIO_BASE_MODELS_DIR / "tiny")
    snapshot = labeled_snapshot(project, manager, django_capture_on_commit_callbacks)
    run, report = finetune(manager, project, snapshot, django_capture_on_commit_callbacks, model_name="teacher")
    return snapshot, run.output, report


def test_a_student_with_fewer_layers_learns_from_its_teacher_and_is_shown_beside_it(
        client, project, manager, teacher, django_capture_on_commit_callbacks):
    snapshot, teacher_version, teacher_report = teacher
    extra = unlabeled_corpus(project)
    own_corpus = Corpus.objects.get(project=project, name="notes v1")  # its held-out notes must stay out
    client.force_login(manager)
    form = client.get(reverse("finetune", args=[project.pk]) + f"?teacher={teacher_version.pk}").content.decode()
    assert f'<option value="{teacher_version.pk}" selected>' in form and "unlabeled notes (100 notes)" in form
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(reverse("api-finetuning-list", args=[project.pk]), {
            "snapshot": snapshot.pk, "base": "folder:tiny", "teacher": teacher_version.pk, "student_layers": 1,
            "unlabeled_corpora": [extra.pk, own_corpus.pk], "temperature": 2.0, "alpha": 0.5, "learning_rate": 1e-3,
            "epochs": 8, "batch_size": 16, "max_length": 64, "early_stopping": 0, "queue": "cpu",
            "model_name": "student"}, content_type="application/json")
    assert answer.status_code == 201, answer.content
    run = Finetuning.objects.get(pk=answer.json()["id"])
    job = Job.objects.get(pk=run.job_id)
    assert job.kind == "distill"
    execution.execute(job.pk, "w@host", {})
    job.refresh_from_db()
    assert job.status == "succeeded", job.error
    assert "Distilling" in job.log and "keeps 1 layers" in job.log
    run.refresh_from_db()
    student = run.output
    labels, multi = data.snapshot_labels(snapshot)
    train = data.read_split(snapshot, "train", labels, multi)
    assert student.lineage["teacher"] == {"id": teacher_version.pk, "name": str(teacher_version),
                                          "sha256": teacher_version.sha256}
    assert student.lineage["distillation"] == {"temperature": 2.0, "alpha": 0.5, "labeled": len(train.texts),
                                               "unlabeled": 100, "student_layers": 1}
    assert json.loads((student.path / "config.json").read_text())["num_hidden_layers"] == 1
    report = EvaluationReport.objects.get(model_version=student)
    execution.execute(report.job_id, "w@host", {})
    report.refresh_from_db()
    assert report.status == "done" and report.metrics["macro_f1"] > 0.5, report.metrics
    assert report.metrics["ms_per_note"] > 0
    shown = client.get(reverse("evaluation-report", args=[project.pk, report.pk])).content.decode()
    kept = report.metrics["macro_f1"] / teacher_report.metrics["macro_f1"]
    assert 'id="report-vs-teacher"' in shown and f"{kept:.1%}" in shown
    page = client.get(reverse("model-version", args=[project.pk, student.pk])).content.decode()
    assert 'id="version-teacher"' in page and "100 unlabeled notes" in page
    assert f"Distilled from {teacher_version}" in model_card(student)


def test_a_distillation_is_refused_a_foreign_teacher_or_corpus_and_a_baseline_student(
        project, other_project, manager, teacher, django_capture_on_commit_callbacks):
    snapshot, teacher_version, _report = teacher
    foreign = unlabeled_corpus(other_project)
    encoder = {"base": "folder:tiny", "queue": "cpu", "max_length": 64}
    with pytest.raises(SettingsError, match="the student is an encoder"):
        start_finetuning(manager, project, snapshot, {"teacher": teacher_version.pk})
    with pytest.raises(FinetuneError, match="no classifier version"):
        start_finetuning(manager, project, snapshot, {**encoder, "teacher": teacher_version.pk + 1000})
    with pytest.raises(FinetuneError, match="unlabeled_corpora"):
        start_finetuning(manager, project, snapshot, {**encoder, "teacher": teacher_version.pk,
                                                      "unlabeled_corpora": [foreign.pk]})
    with pytest.raises(SettingsError, match="trials"):
        start_finetuning(manager, project, snapshot, {**encoder, "teacher": teacher_version.pk, "trials": 3})
    assert not Job.objects.filter(kind="distill").exists()


def test_unlabeled_notes_leave_out_held_out_documents_and_repeats(project):
    corpus = unlabeled_corpus(project, 10)
    documents = list(corpus.documents.order_by("id"))
    Document.objects.create(corpus=corpus, external_id="again", content_hash="again", length=1, text=documents[0].text)
    texts = unlabeled_texts(project, [corpus.pk], {documents[1].pk, documents[2].pk}, limit=100)
    assert len(texts) == 8 and documents[1].text not in texts and texts.count(documents[0].text) == 1
    assert len(unlabeled_texts(project, [corpus.pk], set(), limit=3)) == 3
    assert documents[3].text not in unlabeled_texts(project, [corpus.pk], set(), 100, known=[documents[3].text])


def test_the_distillation_loss_mixes_the_gold_labels_and_the_softened_teacher():
    logits = torch.tensor([[2.0, 0.0, -1.0], [0.5, 0.5, 0.0]])
    labels, labeled = torch.tensor([0, -100]), torch.tensor([1.0, 0.0])
    same = torch.softmax(logits, dim=-1)  # a teacher that agrees exactly: no distance at any temperature
    assert distillation_loss(logits, same, labels, labeled, False, 3.0, 0.0).item() == pytest.approx(0, abs=1e-5)
    gold = torch.nn.functional.cross_entropy(logits[:1], labels[:1])  # only the labeled row counts
    assert distillation_loss(logits, same, labels, labeled, False, 3.0, 1.0).item() == pytest.approx(gold.item())
    other = torch.tensor([[0.1, 0.8, 0.1], [0.3, 0.3, 0.4]])
    tau = 2.0
    expected = torch.nn.functional.kl_div(torch.log_softmax(logits / tau, -1),
                                          torch.softmax(torch.log(other) / tau, -1), reduction="batchmean") * tau ** 2
    mixed = distillation_loss(logits, other, labels, labeled, False, tau, 0.25).item()
    assert mixed == pytest.approx(0.25 * gold.item() + 0.75 * expected.item(), rel=1e-5)
    multi = distillation_loss(logits, torch.sigmoid(logits), torch.zeros(2, 3), labeled, True, 1.0, 0.0).item()
    entropy = torch.nn.functional.binary_cross_entropy(torch.sigmoid(logits), torch.sigmoid(logits)).item()
    assert multi == pytest.approx(entropy, rel=1e-4)  # at its minimum: the teacher's own entropy
