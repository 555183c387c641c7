"""Span models, worker side: a fine-tune whose task is spans trains the CRF or an encoder (token classification)
on a snapshot's spans and registers a span tagger version, then evaluates it on the test split; the evaluation
of a span tagger reports entity-level figures (exact and by overlap, per label, intervals) and lists every
error."""

import shutil
import time

from studio.disk import folder_size
from studio.jobs import service as jobs_service

from ..evaluation import span_metrics
from ..evaluation.service import start_evaluation
from ..finetuning.service import FinetuneError
from ..models import EvaluationReport, Finetuning, RegisteredModel
from ..registry.versions import VersionError, create_version
from ..serving.service import spans_of
from ..pretraining.config import base_path
from . import crf, tagger_file
from .loader import load_tagger
from .spans_data import read_spans, span_labels


def train_tagger(run, job, reporter):
    """The run's tagger (the CRF, or an encoder from its base): trained on the train split's spans, scored on
    validation, registered, evaluated on test."""
    config, snapshot = run.config, run.snapshot
    labels = span_labels(snapshot)
    if not labels:
        raise FinetuneError("The snapshot holds no spans: freeze one of a project with span labels.")
    train, validation = read_spans(snapshot, "train"), read_spans(snapshot, "validation")
    if not train.texts:
        raise FinetuneError("The snapshot's train split is empty.")
    folder = jobs_service.workdir(job) / "model"
    shutil.rmtree(folder, ignore_errors=True)
    kind = "crf" if config["base"] == "crf" else "encoder"
    reporter.stage(0.05, f"Training {'a CRF' if kind == 'crf' else config['base']} on {len(train.texts):,} notes "
                         f"and {sum(len(spans) for spans in train.spans):,} spans")
    started = time.monotonic()
    device, measured = "cpu", {}
    if kind == "crf":
        crf.train(train.texts, train.spans, labels, folder, c1=config["c1"], c2=config["c2"],
                  iterations=config["iterations"])
    else:
        from . import encoder_tagger

        measured = encoder_tagger.train(base_path(run.project, config["base"]), config, labels, train, validation,
                                        folder, jobs_service.workdir(job), reporter.span(0.05, 0.8))
        device = measured.pop("device")
    tagger_file.write_settings(folder, kind, labels)
    measured.update(train_seconds=round(time.monotonic() - started, 1),
                    train_spans=sum(len(spans) for spans in train.spans))
    if validation.texts:
        reporter.stage(0.8, f"Scoring {len(validation.texts):,} validation notes")
        tagger = load_tagger(folder)
        found = span_metrics.figures(validation.spans, [[span[:3] for span in spans]
                                                        for spans in tagger.predict_many(validation.texts)], labels)
        measured["validation_entity_f1"] = found["exact"]["f1"]
        reporter.log(f"Validation entity F1 {found['exact']['f1']:.3f} (exact), {found['overlap']['f1']:.3f} "
                     "(by overlap)")
    reporter.stage(0.95, "Registering the span tagger")
    try:
        version = create_version(
            run.project, config["model_name"], RegisteredModel.Kind.TAGGER, lambda path: shutil.copytree(folder, path),
            job=job, params=config, metrics=measured, base=config["base"], created_by=run.created_by,
            needed=folder_size(folder),
            lineage={"snapshot": {"id": snapshot.pk, "name": snapshot.name, "sha256": snapshot.sha256},
                     "span_labels": labels, "base": config["base"], "device": device, "job": job.pk})
    except VersionError as error:
        raise FinetuneError(str(error)) from None
    Finetuning.objects.filter(pk=run.pk).update(output_id=version.pk)
    evaluation = start_evaluation(run.created_by, run.project, version, snapshot)
    reporter.log(f"Evaluation of {version} on the test split started: report #{evaluation.pk}")
    return {"model_version": version.pk, "evaluation": evaluation.pk, **measured}


def evaluate_tagger(report, reporter):
    """A span tagger's entity-level figures on the report's split, its predictions and errors saved."""
    labels = tagger_file.read_settings(report.model_version.path)["labels"]
    split = read_spans(report.snapshot, report.split)
    if not split.texts:
        raise FinetuneError(f"The snapshot's {report.split} split is empty.")
    tagger = load_tagger(report.model_version.path)
    reporter.stage(0.1, f"Finding spans in {len(split.texts):,} notes of the {report.split} split")
    predicted = tagger.predict_many(split.texts)
    reporter.stage(0.7, "Computing entity-level figures")
    found = span_metrics.figures(split.spans, [[span[:3] for span in spans] for spans in predicted], labels)
    exact = found["exact"]
    figures = {"documents": len(split.texts), "spans": sum(len(spans) for spans in split.spans),
               "entity_f1": exact["f1"], "entity_f1_interval": exact["f1_interval"],
               "macro_f1": exact["macro_f1"], "macro_f1_interval": exact["macro_f1_interval"],
               "exact": {key: value for key, value in exact.items() if key not in ("macro_f1",)},
               "overlap": found["overlap"],
               "error_counts": {kind: sum(1 for error in found["errors"] if error["kind"] == kind)
                                for kind in ("missed", "spurious", "wrong_type", "wrong_boundary")}}
    errors = [{"document_id": split.ids[error["note"]], "external_id": split.external_ids[error["note"]],
               "kind": error["kind"], "true": _span(error["true"], split.texts[error["note"]]),
               "predicted": _span(error["predicted"], split.texts[error["note"]])} for error in found["errors"][:500]]
    EvaluationReport.objects.filter(pk=report.pk).update(
        metrics=figures, errors=errors,
        predictions={str(pk): spans_of(spans) for pk, spans in zip(split.ids, predicted)})
    return {"entity_f1": exact["f1"], "macro_f1": exact["macro_f1"], "errors": len(found["errors"])}


def _span(span, text):
    return None if span is None else {"start": span[0], "end": span[1], "label": span[2],
                                      "text": text[span[0]:span[1]]}
