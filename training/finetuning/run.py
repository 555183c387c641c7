"""The `finetune` job: a classifier from a snapshot's train/validation splits and a base. A fine-tune
ends by starting an evaluation on the snapshot's test split."""

import shutil

import numpy as np
from django.db import transaction

from studio.disk import folder_size
from studio.jobs import service as jobs_service

from ..evaluation import metrics
from ..evaluation.service import start_evaluation
from ..models import Finetuning, RegisteredModel
from ..pretraining.config import base_path
from ..registry.versions import VersionError, create_version
from . import classifier_file, data, encoder
from .augment import augment, parse_synonyms
from .baseline import Baseline
from .service import FinetuneError


def run_finetuning(job, reporter):
    return finetune(Finetuning.objects.get(pk=job.params["finetuning_id"]), job, reporter)


def finetune(run, job, reporter):
    """Train the run's classifier as part of `job` (its own job, or a retraining)."""
    run = Finetuning.objects.select_related("snapshot", "project").get(pk=run.pk)
    config, snapshot = run.config, run.snapshot
    reporter.stage(0.0, f"Reading snapshot {snapshot.name}")
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
    reporter.stage(0.05, f"Training on {len(train.texts):,} documents")
    training = reporter.span(0.05, 0.85)
    if config["base"] == "baseline":
        weighting = "balanced" if config["class_weighting"] else None
        model = Baseline.fit(train.texts, train.targets, labels, multi, seed=config["seed"], class_weight=weighting,
                             stage=training.stage)
        reporter.stage(0.85, f"Saving the model; scoring {len(validation.texts):,} validation documents")
        shutil.rmtree(output, ignore_errors=True)
        model.save(output)
        validation_scores = model.predict_proba(validation.texts) if validation.texts else None
        device, extra = "cpu", {}
    else:
        base = base_path(run.project, config["base"])  # its config admits no hub ids
        validation_scores, device, extra = encoder.train(base, config, labels, multi, train, validation, folder,
                                                         output, training)
    thresholds = metrics.tune_thresholds(validation.targets, validation_scores) \
        if multi and validation_scores is not None else ([0.5] * len(labels) if multi else None)
    classifier_file.write_settings(output, labels, multi, thresholds, config["max_length"])
    validation_f1 = collapsed = None
    if validation_scores is not None and len(validation.texts):
        # Multi-label: the saved thresholds are tuned on the whole validation split; this figure is not.
        validation_f1 = metrics.held_out_f1(validation.targets, validation_scores, multi, config["seed"])
        collapsed = metrics.collapsed(validation.targets, metrics.predictions(validation_scores, multi, thresholds),
                                      multi, labels)
        if collapsed:
            reporter.log(f"Warning: {collapsed}")
    reporter.stage(0.95, "Registering the model version")
    version = _save_version(run, job, output, labels, multi, device,
                            {"validation_macro_f1": validation_f1, "augmented_copies": added, "collapsed": collapsed,
                             **extra})
    evaluation = start_evaluation(run.created_by, run.project, version, snapshot)
    reporter.log(f"Evaluation on the test split started: report #{evaluation.pk}")
    return {"validation_macro_f1": validation_f1, "model_version": version.pk, "evaluation": evaluation.pk,
            **({"collapsed": collapsed} if collapsed else {}), **extra}


def _save_version(run, job, output, labels, multi, device, measured):
    config, snapshot = run.config, run.snapshot
    lineage = {"snapshot": {"id": snapshot.pk, "name": snapshot.name, "sha256": snapshot.sha256},
               "labels": labels, "multi_label": multi, "base": config["base"], "device": device, "job": job.pk}
    with transaction.atomic():
        try:
            version = create_version(run.project, config["model_name"], RegisteredModel.Kind.CLASSIFIER,
                                     lambda path: shutil.copytree(output, path), job=job, params=config,
                                     metrics={key: value for key, value in measured.items() if value is not None},
                                     lineage=lineage, base=config["base"], created_by=run.created_by,
                                     needed=folder_size(output))
        except VersionError as error:
            raise FinetuneError(str(error)) from None
        Finetuning.objects.filter(pk=run.pk).update(output=version)
    return version
