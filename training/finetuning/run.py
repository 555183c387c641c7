"""The `finetune` job (a classifier from a snapshot's train/validation splits and a base) and the
`evaluate` job (a classifier's figures on a snapshot's split). A fine-tune ends by starting an
evaluation on the snapshot's test split."""

import shutil

import numpy as np
from django.db import transaction
from sklearn.metrics import f1_score

from labeling.models import DatasetSnapshot
from studio import audit
from studio.jobs import service as jobs_service

from .. import settings_schema
from ..evaluation import metrics
from ..models import EvaluationReport, Finetuning, ModelVersion, RegisteredModel
from ..registry.versions import VersionError, create_version
from ..pretraining.config import base_folders
from ..pretraining.run import base_path
from . import classifier, data, encoder
from .augment import augment, parse_synonyms
from .baseline import Baseline

SETTINGS = {
    "model_name": (str, "", None, None, "The registered classifier the new version joins (default: from the snapshot)."),
    "base": (str, "baseline", None, None, "baseline (TF-IDF + logistic regression), version:<encoder id> or folder:<name>."),
    "learning_rate": (float, 5e-5, 1e-7, 1.0, "Peak learning rate."),
    "epochs": (float, 3.0, 0.1, 100.0, "Passes over the training split."),
    "batch_size": (int, 16, 1, 1024, "Documents per batch."),
    "max_length": (int, 256, 16, 4096, "Tokens per document (longer ones are cut)."),
    "warmup_ratio": (float, 0.06, 0.0, 0.5, "Share of the steps spent warming up."),
    "weight_decay": (float, 0.01, 0.0, 1.0, "AdamW weight decay."),
    "class_weighting": (bool, False, None, None, "Weigh rare labels up in the loss (imbalanced data)."),
    "early_stopping": (int, 2, 0, 100, "Stop after this many epochs without a better validation macro F1 (0: never)."),
    "augment_ratio": (float, 0.0, 0.0, 5.0, "Add this share of the training split again as copies with words masked "
                                           "and domain synonyms swapped in (0: none)."),
    "synonyms": (list, [], None, None, "Domain synonyms for augmentation, one group a line: MI = myocardial infarction."),
    "seed": (int, 13, 0, 2**31 - 1, "Fixes the initial weights and the batches."),
    "queue": (str, "gpu", None, None, "gpu (CPU-only machines run it on the CPU too) or cpu."),
}
THRESHOLDS = np.round(np.arange(0.05, 0.96, 0.05), 2)


class FinetuneError(ValueError):
    """The fine-tune or evaluation cannot start as asked; the message says why."""


def clean_config(raw):
    config = settings_schema.clean(SETTINGS, raw, "fine-tuning setting")
    kind, _, name = config["base"].partition(":")
    if config["base"] != "baseline" and (kind not in ("version", "folder") or not name):
        raise settings_schema.SettingsError("base: baseline, version:<encoder id> or folder:<name>.")
    if kind == "folder" and name not in base_folders():
        raise settings_schema.SettingsError(f"base: no model folder {name!r} under the base models folder.")
    if config["queue"] not in ("gpu", "cpu"):
        raise settings_schema.SettingsError("queue: gpu or cpu.")
    return config


def start_finetuning(user, project, snapshot, raw):
    config = clean_config(raw)
    if snapshot.project_id != project.pk or snapshot.status != DatasetSnapshot.Status.READY:
        raise FinetuneError("The snapshot is not a ready snapshot of this project.")
    if config["base"].startswith("version:") and not ModelVersion.objects.filter(
            pk=int(config["base"][8:]) if config["base"][8:].isdigit() else 0, registered_model__project=project,
            registered_model__kind=RegisteredModel.Kind.ENCODER).exists():
        raise FinetuneError("base: no encoder version with that id in this project.")
    config["model_name"] = config["model_name"] or f"{snapshot.name} classifier"[:120]
    queue = "cpu" if config["base"] == "baseline" else config["queue"]
    with transaction.atomic():
        run = Finetuning.objects.create(project=project, snapshot=snapshot, config=config, created_by=user)
        run.job = jobs_service.start_job(user, "finetune", {"finetuning_id": run.pk, "queue": queue}, project=project,
                                         inputs=[{"type": "snapshot", "id": snapshot.pk, "label": snapshot.name}])
        run.save(update_fields=["job"])
        audit.record(user, "model.finetune", run, project_id=project.pk, snapshot=snapshot.pk, base=config["base"])
    return run


def run_finetuning(job, reporter):
    return finetune(Finetuning.objects.get(pk=job.params["finetuning_id"]), job, reporter)


def finetune(run, job, reporter):
    """Train the run's classifier as part of `job` (its own job, or a retraining)."""
    run = Finetuning.objects.select_related("snapshot", "project").get(pk=run.pk)
    Finetuning.objects.filter(pk=run.pk).update(status=Finetuning.Status.RUNNING, job=job)
    try:
        return _finetune(run, job, reporter)
    except BaseException:
        Finetuning.objects.filter(pk=run.pk).update(status=Finetuning.Status.FAILED)
        raise


def _finetune(run, job, reporter):
    config, snapshot = run.config, run.snapshot
    labels, multi = data.snapshot_labels(snapshot)
    train = data.read_split(snapshot, "train", labels, multi)
    validation = data.read_split(snapshot, "validation", labels, multi)
    if not train.texts:
        raise FinetuneError("The snapshot's train split is empty.")
    added = 0
    if config["augment_ratio"]:
        texts, targets, added = augment(train.texts, list(train.targets), config["augment_ratio"],
                                        parse_synonyms(config["synonyms"]), "[MASK]", config["seed"])
        train = data.Split(train.ids, train.external_ids, texts, np.array(targets))
        reporter.log(f"Augmented the training split with {added} copies (ratio {config['augment_ratio']})")
    folder = jobs_service.workdir(job)
    output = folder / "model"
    reporter.progress(0, f"Training on {len(train.texts)} documents")
    if config["base"] == "baseline":
        weighting = "balanced" if config["class_weighting"] else None
        model = Baseline.fit(train.texts, train.targets, labels, multi, seed=config["seed"], class_weight=weighting)
        shutil.rmtree(output, ignore_errors=True)
        model.save(output)
        validation_scores = model.predict_proba(validation.texts) if validation.texts else None
        device, extra = "cpu", {}
    else:
        base = base_path(run.project, config["base"])  # its config admits no hub ids
        validation_scores, device, extra = encoder.train(base, config, labels, multi, train, validation, folder,
                                                         output, reporter)
    thresholds = _tune_thresholds(validation.targets, validation_scores) if multi and validation_scores is not None \
        else ([0.5] * len(labels) if multi else None)
    classifier.write_settings(output, labels, multi, thresholds, config["max_length"])
    validation_f1 = None
    if validation_scores is not None and len(validation.texts):
        predicted = metrics.predictions(validation_scores, multi, thresholds)
        validation_f1 = metrics.headline(validation.targets, predicted, multi)
    version = _save_version(run, job, output, labels, multi, device,
                            {"validation_macro_f1": validation_f1, "augmented_copies": added, **extra})
    evaluation = start_evaluation(run.created_by, run.project, version, snapshot)
    reporter.log(f"Evaluation on the test split started: report #{evaluation.pk}")
    return {"validation_macro_f1": validation_f1, "model_version": version.pk, "evaluation": evaluation.pk, **extra}


def _tune_thresholds(truth, scores):
    """Per label, the threshold with the best validation F1 (0.5 when the label never occurs there)."""
    chosen = []
    for column in range(truth.shape[1]):
        if truth[:, column].max() == 0:
            chosen.append(0.5)
            continue
        values = [f1_score(truth[:, column], scores[:, column] >= threshold, zero_division=0) for threshold in THRESHOLDS]
        chosen.append(float(THRESHOLDS[int(np.argmax(values))]))
    return chosen


def _save_version(run, job, output, labels, multi, device, measured):
    config, snapshot = run.config, run.snapshot
    lineage = {"snapshot": {"id": snapshot.pk, "name": snapshot.name, "sha256": snapshot.sha256},
               "labels": labels, "multi_label": multi, "base": config["base"], "device": device, "job": job.pk}
    with transaction.atomic():
        try:
            version = create_version(run.project, config["model_name"], RegisteredModel.Kind.CLASSIFIER,
                                     lambda path: shutil.copytree(output, path), job=job, params=config,
                                     metrics={key: value for key, value in measured.items() if value is not None},
                                     lineage=lineage, base=config["base"], created_by=run.created_by)
        except VersionError as error:
            raise FinetuneError(str(error)) from None
        Finetuning.objects.filter(pk=run.pk).update(status=Finetuning.Status.DONE, output=version)
    return version


def classifier_queue(version):
    """The queue for a classifier version's evaluation and prediction jobs: the baseline needs no GPU."""
    return "cpu" if (version.path / "baseline.json").exists() else version.params.get("queue", "gpu")


def start_evaluation(user, project, version, snapshot, split="test"):
    """An `evaluate` job for the classifier on the snapshot's split; refused when their labels differ."""
    if version.registered_model.kind != RegisteredModel.Kind.CLASSIFIER:
        raise FinetuneError("Only classifiers can be evaluated.")
    if snapshot.project_id != project.pk or snapshot.status != DatasetSnapshot.Status.READY:
        raise FinetuneError("The snapshot is not a ready snapshot of this project.")
    labels, multi = data.snapshot_labels(snapshot)
    trained = classifier.read_settings(version.path)
    if trained["labels"] != labels or trained["multi"] != multi:
        raise FinetuneError(f"The classifier knows the labels {', '.join(trained['labels'])}; the snapshot has "
                            f"{', '.join(labels)}{' (multi-label)' if multi else ''}. Evaluate it on a snapshot "
                            "with the same labels.")
    with transaction.atomic():
        report = EvaluationReport.objects.create(project=project, model_version=version, snapshot=snapshot, split=split,
                                                 created_by=user)
        report.job = jobs_service.start_job(user, "evaluate", {"report_id": report.pk, "queue": classifier_queue(version)},
                                            project=project,
                                            inputs=[{"type": "model_version", "id": version.pk, "label": str(version)},
                                                    {"type": "snapshot", "id": snapshot.pk, "label": snapshot.name}])
        report.save(update_fields=["job"])
    return report


def run_evaluation(job, reporter):
    report = EvaluationReport.objects.select_related("model_version", "snapshot").get(pk=job.params["report_id"])
    EvaluationReport.objects.filter(pk=report.pk).update(status=EvaluationReport.Status.RUNNING, job=job)
    try:
        labels, multi = data.snapshot_labels(report.snapshot)
        split = data.read_split(report.snapshot, report.split, labels, multi)
        if not split.texts:
            raise FinetuneError(f"The snapshot's {report.split} split is empty.")
        reporter.progress(0.1, f"Scoring {len(split.texts)} documents")
        loaded = classifier.Classifier(report.model_version.path)
        scores = loaded.scores(split.texts)
        figures = metrics.evaluate(split.targets, scores, labels, multi, loaded.settings["thresholds"])
        predicted = loaded.predicted(scores)
        wrong = np.nonzero((predicted != split.targets).any(axis=1) if multi else predicted != split.targets)[0]
        name = lambda row: [labels[i] for i in np.nonzero(row)[0]] if multi else labels[int(row)]  # noqa: E731
        errors = [{"document_id": split.ids[i], "external_id": split.external_ids[i], "truth": name(split.targets[i]),
                   "predicted": name(predicted[i]), "scores": dict(zip(labels, np.round(scores[i], 4).tolist()))}
                  for i in wrong[:500]]
        EvaluationReport.objects.filter(pk=report.pk).update(
            status=EvaluationReport.Status.DONE, metrics=figures, errors=errors,
            predictions={str(pk): np.round(row, 5).tolist() for pk, row in zip(split.ids, scores)})
        return {"macro_f1": figures["macro_f1"], "accuracy": figures["accuracy"], "errors": len(wrong)}
    except BaseException:
        EvaluationReport.objects.filter(pk=report.pk).update(status=EvaluationReport.Status.FAILED)
        raise
