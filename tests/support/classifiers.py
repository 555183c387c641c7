"""Helpers for tests that need classifiers: a labeled snapshot with planted signals, a fine-tune
run to the end in this process, and a tiny encoder folder to fine-tune from."""

import random

from transformers import BertConfig, BertForMaskedLM

from labeling.models import Annotation, Corpus, DatasetSnapshot, Document, Label, LabelSchema
from labeling.services import snapshots
from studio.jobs import execution
from studio.models import Job
from tests.support.phi_notes import body
from tests.support.worker import wait_for
from training.finetuning.service import start_finetuning
from training.models import EvaluationReport
from training.pretraining.tokenizer import train_wordpiece

SIGNALS = {"Cardiology": "troponin raised with chest pain", "Respiratory": "wheeze with reduced air entry",
           "Neurology": "left arm weakness with aphasia"}


def labeled_snapshot(project, manager, capture, count=240, kind=LabelSchema.Kind.SINGLE, name="v1", worker_runs=False,
                     none_share=0.0, sentences=2):
    """A ready snapshot of `count` notes, each carrying its labels' planted signals after `sentences` sentences
    of clinical filler. With
    `worker_runs`, a real worker writes it (browser tests); otherwise this process does. Multi-label: about
    `none_share` of the notes carry no signal and the answer "no label applies" (an empty label set)."""
    schema, _ = LabelSchema.objects.get_or_create(project=project, defaults={"kind": kind})
    labels = {label: Label.objects.get_or_create(schema=schema, name=label, defaults={"position": index})[0]
              for index, label in enumerate(SIGNALS)}
    corpus = Corpus.objects.create(project=project, name=f"notes {name}", status=Corpus.Status.READY, document_count=count)
    rng = random.Random(7)
    chosen = []
    for index in range(count):
        if kind == LabelSchema.Kind.MULTI and none_share and rng.random() < none_share:
            picks = []
        elif kind == LabelSchema.Kind.MULTI:
            picks = [label for label in SIGNALS if rng.random() < 0.4] or [rng.choice(list(SIGNALS))]
        else:
            picks = [rng.choice(list(SIGNALS))]
        chosen.append(picks)
    Document.objects.bulk_create(Document(corpus=corpus, external_id=f"d{i}", content_hash=str(i), length=1,
                                          text=f"{body(rng, sentences)} {' and '.join(SIGNALS[p] for p in picks)}.")
                                 for i, picks in enumerate(chosen))
    for document, picks in zip(corpus.documents.order_by("id"), chosen):
        annotation = Annotation.objects.create(document=document, source=Annotation.Source.IMPORTED)
        annotation.labels.set([labels[pick] for pick in picks])
    with capture(execute=True):
        snapshot = snapshots.start_snapshot(manager, project, name=name, train_ratio=0.6, validation_ratio=0.2,
                                            test_ratio=0.2)
    if worker_runs:
        assert wait_for(lambda: DatasetSnapshot.objects.get(pk=snapshot.pk).status == "ready", timeout=60)
    else:
        execution.execute(snapshot.job_id, "w@host", {})
    snapshot.refresh_from_db()
    assert snapshot.status == "ready"
    return snapshot


def demo_with_snapshot(count=150, name="Triage v1"):
    """The demo project without its label schema, a snapshot of `count` labeled notes written by a real worker
    (browser journeys: committed at once, nothing to capture): (project, its manager, snapshot, passwords)."""
    from contextlib import nullcontext

    from labeling.models import Project
    from labeling.services import demo

    _project, passwords = demo.load_demo(note_count=5)
    project = Project.objects.get(name=demo.DEMO_PROJECT_NAME)
    LabelSchema.objects.filter(project=project).delete()
    manager = project.memberships.get(user__username="demo-manager").user
    snapshot = labeled_snapshot(project, manager, lambda execute: nullcontext(), count=count, name=name,
                                worker_runs=True)
    return project, manager, snapshot, passwords


def finetune(manager, project, snapshot, capture, **config):
    with capture(execute=True):
        run = start_finetuning(manager, project, snapshot, {"queue": "cpu", **config})
    execution.execute(run.job_id, "w@host", {})
    run.refresh_from_db()
    assert run.status == "done", Job.objects.get(pk=run.job_id).error
    report = EvaluationReport.objects.get(model_version=run.output)
    execution.execute(report.job_id, "w@host", {})
    report.refresh_from_db()
    assert report.status == "done", Job.objects.get(pk=report.job_id).error
    return run, report


def build_tiny_base(folder):
    rng = random.Random(1)
    tokenizer = train_wordpiece([body(rng, 3) for _ in range(200)] + list(SIGNALS.values()) * 20, 500)
    tokenizer.save_pretrained(folder)
    BertForMaskedLM(BertConfig(vocab_size=len(tokenizer), hidden_size=64, num_hidden_layers=2, num_attention_heads=2,
                               intermediate_size=128, max_position_embeddings=128)).save_pretrained(folder)
