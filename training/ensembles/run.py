"""The `ensemble` job, worker side: each member scores the snapshot's validation and test splits; the weights
(a grid over the simplex, steps of a tenth) that give the best validation macro F1 are kept (multi-label: then the
per-label thresholds tuned on validation); the ensemble is registered as a classifier version, compared with its
best member on the test split (paired bootstrap on the same notes), and evaluated there like any version."""

import itertools
import json
import shutil

import numpy as np

from labeling.models import DatasetSnapshot
from studio.disk import folder_size
from studio.jobs import service as jobs_service

from ..evaluation import metrics
from ..evaluation.service import start_evaluation
from ..finetuning import classifier_file, data
from ..finetuning.classifier import Classifier
from ..finetuning.service import FinetuneError
from ..models import ModelVersion, RegisteredModel
from ..registry.versions import VersionError, artifact_sha256, create_version
from .service import ENSEMBLE_FILE

STEPS = 10  # the weights' grid: multiples of 1/STEPS


def weight_grid(count):
    """Every way to give `count` members weights that are multiples of 1/STEPS and sum to 1, each member > 0."""
    for parts in itertools.product(range(1, STEPS), repeat=count):
        if sum(parts) == STEPS:
            yield np.array(parts, dtype=float) / STEPS


def combine(scores, weights):
    return np.tensordot(weights, np.asarray(scores), axes=1)


def run_ensemble(job, reporter):
    params = job.params
    snapshot = DatasetSnapshot.objects.get(pk=params["snapshot_id"], project_id=job.project_id)
    members = [ModelVersion.objects.select_related("registered_model").get(
        pk=pk, registered_model__project_id=job.project_id) for pk in params["version_ids"]]
    labels, multi = data.snapshot_labels(snapshot)
    validation, test = (data.read_split(snapshot, split, labels, multi) for split in ("validation", "test"))
    if not validation.texts or not test.texts:
        raise FinetuneError("The snapshot needs notes in its validation split (to choose the weights) and its test "
                            "split (to compare with the members).")
    scored, settings = {"validation": [], "test": []}, []
    for number, member in enumerate(members):
        reporter.stage(0.05 + 0.6 * number / len(members), f"Scoring with {member}")
        classifier = Classifier(member.path)
        if classifier.labels != labels or classifier.multi != multi:
            raise FinetuneError(f"{member} knows other labels than the snapshot's.")
        settings.append(classifier.settings)
        scored["validation"].append(classifier.scores(validation.texts))
        scored["test"].append(classifier.scores(test.texts))
        reporter.check_cancel()
    reporter.stage(0.7, "Choosing the weights on the validation split")
    best, best_f1 = None, -1.0
    for weights in weight_grid(len(members)):
        f1 = metrics.held_out_f1(validation.targets, combine(scored["validation"], weights), multi)
        if f1 > best_f1 + 1e-12:
            best, best_f1 = weights, f1
    thresholds = (metrics.tune_thresholds(validation.targets, combine(scored["validation"], best)) if multi
                  else None)
    reporter.log("Weights " + ", ".join(f"{member}: {weight:.1f}" for member, weight in zip(members, best))
                 + f"; validation macro F1 {best_f1:.3f}")
    ensemble = metrics.predictions(combine(scored["test"], best), multi, thresholds)
    alone = [metrics.predictions(scores, multi, found["thresholds"]) for found, scores in zip(settings, scored["test"])]
    member_f1 = [metrics.headline(test.targets, predicted, multi) for predicted in alone]
    strongest = int(np.argmax(member_f1))
    test_vs_best = metrics.paired_bootstrap(test.targets, alone[strongest], ensemble, multi)
    reporter.log(f"On the test split: the ensemble {metrics.headline(test.targets, ensemble, multi):.3f}, its best "
                 f"member {members[strongest]} {member_f1[strongest]:.3f} (difference "
                 f"{test_vs_best['delta']:+.3f}, p ≈ {test_vs_best['p_value']:.2f})")
    folder = jobs_service.workdir(job) / "ensemble"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    classifier_file.write_settings(folder, labels, multi, thresholds,
                                   max(found.get("max_length") or 0 for found in settings))
    listed = [{"version": member.pk, "name": str(member), "sha256": member.sha256 or artifact_sha256(member.path),
               "weight": round(float(weight), 4)} for member, weight in zip(members, best)]
    (folder / ENSEMBLE_FILE).write_text(json.dumps({"members": listed}, indent=1))
    measured = {"validation_macro_f1": best_f1, "best_member": members[strongest].pk,
                "best_member_test_macro_f1": member_f1[strongest], "test_vs_best_member": test_vs_best,
                "weights": [member["weight"] for member in listed]}
    reporter.stage(0.9, "Registering the ensemble")
    try:
        version = create_version(
            snapshot.project, params["name"], RegisteredModel.Kind.CLASSIFIER,
            lambda path: shutil.copytree(folder, path), job=job,
            params={"members": params["version_ids"], "queue": params["queue"]},
            metrics=measured, base="ensemble", created_by=job.created_by, needed=folder_size(folder),
            lineage={"snapshot": {"id": snapshot.pk, "name": snapshot.name, "sha256": snapshot.sha256},
                     "labels": labels, "multi_label": multi, "base": "ensemble", "members": listed, "job": job.pk})
    except VersionError as error:
        raise FinetuneError(str(error)) from None
    evaluation = start_evaluation(job.created_by, snapshot.project, version, snapshot)
    reporter.log(f"Evaluation of {version} on the test split started: report #{evaluation.pk}")
    return {"model_version": version.pk, "evaluation": evaluation.pk, "validation_macro_f1": best_f1,
            "test_delta_vs_best_member": test_vs_best["delta"], "p_value": test_vs_best["p_value"]}
