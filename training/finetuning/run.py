"""The `finetune` job: a classifier from a snapshot's train/validation splits and a base. A fine-tune
ends by starting an evaluation on the snapshot's test split."""

import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from studio.disk import folder_size
from studio.jobs import service as jobs_service

from ..evaluation import metrics
from ..evaluation.service import start_evaluation
from ..models import EvaluationReport, Finetuning, ModelVersion, RegisteredModel
from ..pretraining.config import base_path
from ..registry.versions import VersionError, create_version
from . import classifier_file, data, encoder, rates
from .augment import augment, parse_synonyms
from .baseline import Baseline
from .service import FinetuneError


def run_finetuning(job, reporter):
    return finetune(Finetuning.objects.get(pk=job.params["finetuning_id"]), job, reporter)


def finetune(run, job, reporter):
    """Train the run's classifier as part of `job` (its own job, or a retraining): with `seeds` above 1, one
    version per seed (seed, seed + 1, …), each evaluated; the run's output is the best on validation, and the
    job's result the spread."""
    run = Finetuning.objects.select_related("snapshot", "project").get(pk=run.pk)
    config, snapshot = run.config, run.snapshot
    if config["base"] not in ("baseline", "crf") and not config.get("trials"):  # a search sets them per trial
        _rates_by_base(run, reporter)
        config = run.config
    if config.get("task") == "spans":
        from ..tagging.run import train_tagger

        return train_tagger(run, job, reporter)
    if config.get("tasks"):
        from .multitask import train_tasks

        return train_tasks(run, job, reporter)
    reporter.stage(0.0, f"Reading snapshot {snapshot.name}")
    labels, multi = data.snapshot_labels(snapshot)
    train = data.read_split(snapshot, "train", labels, multi)
    validation = data.read_split(snapshot, "validation", labels, multi)
    if not train.texts:
        raise FinetuneError("The snapshot's train split is empty.")
    folder = jobs_service.workdir(job)
    if config.get("trials"):
        from .search import search

        result = search(run, job, labels, multi, train, validation, folder, reporter)
    else:
        result = _seeds(run, job, labels, multi, train, validation, folder, reporter)
    Finetuning.objects.filter(pk=run.pk).update(output_id=result["model_version"])
    return result


def _rates_by_base(run, reporter):
    """Learning rates the settings left to the base (0) chosen once and kept in the run's settings, so its
    versions, trials and page show the rates that ran."""
    config, said = rates.resolve(run.config, base_path(run.project, run.config["base"]))
    if said:
        reporter.log(said)
        run.config = config
        Finetuning.objects.filter(pk=run.pk).update(config=config)


def _seeds(run, job, labels, multi, train, validation, folder, reporter):
    """The run trained once per seed: the result of the best on validation, with the spread over seeds."""
    config = run.config
    seeds = [config["seed"] + number for number in range(config.get("seeds", 1))]
    trained = []
    for number, seed in enumerate(seeds):
        part = reporter.span(number / len(seeds), (number + 1) / len(seeds))
        if len(seeds) > 1:
            part.stage(0.0, f"Seed {seed} ({number + 1} of {len(seeds)})")
        trained.append(_one(run, job, {**config, "seed": seed}, labels, multi, train, validation,
                            folder / f"seed-{seed}" if len(seeds) > 1 else folder, part))
    best = max(trained, key=lambda result: -1 if result["validation_macro_f1"] is None
               else result["validation_macro_f1"])
    if len(seeds) == 1:
        return {key: value for key, value in best.items() if key != "seed"}  # the seed is in its parameters
    scores = [result["validation_macro_f1"] for result in trained if result["validation_macro_f1"] is not None]
    spread = {"validation_macro_f1_mean": float(np.mean(scores)),
              "validation_macro_f1_sd": float(np.std(scores, ddof=1))} if len(scores) > 1 else {}
    reporter.log(f"Best on validation: seed {best['seed']}" + (
        f"; validation macro F1 {spread['validation_macro_f1_mean']:.3f} ± {spread['validation_macro_f1_sd']:.3f} "
        f"over {len(scores)} seeds" if spread else ""))
    return {**best, **spread, "seeds": seeds, "model_versions": [result["model_version"] for result in trained],
            "evaluations": [result["evaluation"] for result in trained]}


def _one(run, job, config, labels, multi, train, validation, folder, reporter):
    """One seed's classifier: trained, registered and its evaluation started (a re-delivered job finds the
    versions it registered before and trains only the rest)."""
    done = ModelVersion.objects.filter(job=job, params__seed=config["seed"]).first()
    if done is not None:
        evaluation = EvaluationReport.objects.filter(model_version=done).order_by("id").first()
        return {"validation_macro_f1": done.metrics.get("validation_macro_f1"), "model_version": done.pk,
                "evaluation": evaluation.pk if evaluation else None, "seed": config["seed"]}
    trained = train_and_score(run, config, labels, multi, train, validation, folder, reporter)
    reporter.stage(0.95, "Registering the model version")
    return {**register(run, job, config, trained, labels, multi, reporter), "seed": config["seed"]}


def train_and_score(run, config, labels, multi, train, validation, folder, reporter):
    """A classifier trained into `folder`/model with its settings file, scored on validation: a Trained."""
    added = 0
    if config["augment_ratio"]:
        texts, targets, added = augment(train.texts, list(train.targets), config["augment_ratio"],
                                        parse_synonyms(config["synonyms"]), "[MASK]", config["seed"])
        train = data.Split(train.ids, train.external_ids, texts, np.array(targets))
        reporter.log(f"Augmented the training split with {added} copies (ratio {config['augment_ratio']})")
    output, lineage, reading = folder / "model", {}, None
    reporter.stage(0.05, f"Training on {len(train.texts):,} documents")
    training = reporter.span(0.05, 0.85)
    if config["base"] == "baseline":
        weighting = "balanced" if config["class_weighting"] else None
        model = Baseline.fit(train.texts, train.targets, labels, multi, seed=config["seed"], class_weight=weighting,
                             stage=training.stage)
        reporter.stage(0.85, f"Saving the model; scoring {len(validation.texts):,} validation documents")
        shutil.rmtree(output, ignore_errors=True)
        model.save(output)
        validation_scores = model.scores(validation.texts) if validation.texts else None
        device, extra = "cpu", {}
    else:
        base = base_path(run.project, config["base"])  # its config admits no hub ids
        teaching = None
        if config.get("teacher"):
            from . import distill

            held_out = data.read_split(run.snapshot, "test", labels, multi).ids + validation.ids
            teacher, teaching = distill.teach(run.project, config, train, held_out, labels, multi,
                                              reporter.span(0.0, 0.05))
        validation_scores, device, extra = encoder.train(base, config, labels, multi, train, validation, folder,
                                                         output, training, teaching)
        reading = extra.pop("reading", None)
        lineage = {"attention": extra["attention"], "long_notes": reading or {"truncated_at": config["max_length"]}}
        if teaching is not None:
            lineage.update(distill.lineage(teacher, config, teaching, extra.pop("layers")))
    thresholds = metrics.tune_thresholds(validation.targets, validation_scores) \
        if multi and validation_scores is not None else ([0.5] * len(labels) if multi else None)
    classifier_file.write_settings(output, labels, multi, thresholds, config["max_length"], extra.pop("pooling", None),
                                   reading)
    validation_f1 = collapsed = None
    if validation_scores is not None and len(validation.texts):
        # Multi-label: the saved thresholds are tuned on the whole validation split; this figure is not.
        validation_f1 = metrics.held_out_f1(validation.targets, validation_scores, multi, config["seed"])
        collapsed = metrics.collapsed(validation.targets, metrics.predictions(validation_scores, multi, thresholds),
                                      multi, labels)
        if collapsed:
            reporter.log(f"Warning: {collapsed}")
    return Trained(output, device, {"validation_macro_f1": validation_f1, "augmented_copies": added,
                                    "collapsed": collapsed, **extra}, lineage)


@dataclass
class Trained:
    output: Path  # the classifier's folder
    device: str
    measured: dict  # validation_macro_f1, collapsed (or None) and the training's figures
    lineage: dict = None  # what the version's lineage adds (a student: its teacher and how it learnt)

    @property
    def validation_f1(self):
        return self.measured["validation_macro_f1"]


def register(run, job, config, trained, labels, multi, reporter):
    """The trained classifier as a version of the run's model, its test evaluation started: the job's result."""
    version = save_version(run, job, config, trained.output, labels, multi, trained.device, trained.measured,
                            trained.lineage or {})
    evaluation = start_evaluation(run.created_by, run.project, version, run.snapshot)
    reporter.log(f"Evaluation of {version} on the test split started: report #{evaluation.pk}")
    measured = {key: value for key, value in trained.measured.items() if value is not None}
    return {"validation_macro_f1": trained.validation_f1, "model_version": version.pk, "evaluation": evaluation.pk,
            **{key: value for key, value in measured.items() if key not in ("validation_macro_f1",
                                                                             "augmented_copies")}}


def save_version(run, job, config, output, labels, multi, device, measured, extra_lineage, snapshot=None,
                 write=None):
    """The classifier in `output` registered as a version of `config`'s model_name, trained on `snapshot` (the
    run's by default); `write(path)` fills its folder (a copy of `output` by default)."""
    snapshot = snapshot or run.snapshot
    lineage = {"snapshot": {"id": snapshot.pk, "name": snapshot.name, "sha256": snapshot.sha256},
               "labels": labels, "multi_label": multi, "base": config["base"], "device": device, "job": job.pk,
               **extra_lineage}
    try:
        return create_version(run.project, config["model_name"], RegisteredModel.Kind.CLASSIFIER,
                              write or (lambda path: shutil.copytree(output, path)), job=job, params=config,
                              metrics={key: value for key, value in measured.items()
                                       if value is not None and key != "attention"},  # the lineage says it
                              lineage=lineage, base=config["base"], created_by=run.created_by,
                              needed=folder_size(output))
    except VersionError as error:
        raise FinetuneError(str(error)) from None
