"""Classifiers side by side on one snapshot split: each metric with its delta against the first,
and a paired bootstrap test of the headline metric on the same documents."""

import numpy as np

from studio.errors import Refusal
from studio.figures import higher_is_better, metric_name

from ..finetuning import classifier_file, data
from . import metrics

ROWS = ("macro_f1", "micro_f1", "weighted_f1", "accuracy", "roc_auc", "pr_auc", "ece")


class ComparisonError(Refusal):
    """The reports cannot be compared; the message says why."""


def compare(reports):
    if len(reports) < 2:
        raise ComparisonError("Choose two or more evaluation reports.")
    first = reports[0]
    if any(report.snapshot_id != first.snapshot_id or report.split != first.split for report in reports):
        raise ComparisonError("Reports compare only on the same snapshot and split.")
    if any(report.status != report.Status.DONE for report in reports):
        raise ComparisonError("Some of these evaluations have not finished.")
    labels, multi = data.snapshot_labels(first.snapshot)
    split = data.read_split(first.snapshot, first.split, labels, multi)
    predicted = []
    for report in reports:
        scores = np.array([report.predictions[str(pk)] for pk in split.ids])
        thresholds = classifier_file.read_settings(report.model_version.path)["thresholds"] \
            if report.model_version.path.is_dir() else None
        predicted.append(metrics.predictions(scores, multi, thresholds))
    table = []
    for name in ROWS:
        values = [report.metrics.get(name) for report in reports]
        base = values[0]
        deltas = [None if value is None or base is None else value - base for value in values]
        verdicts = [None] + [verdict(name, delta) for delta in deltas[1:]]
        table.append({"metric": name, "name": metric_name(name), "higher_is_better": higher_is_better(name),
                      "values": values, "deltas": deltas, "verdicts": verdicts,
                      "cells": list(zip(values, deltas, verdicts))})
    tests = [None] + [metrics.paired_bootstrap(split.targets, predicted[0], other, multi) for other in predicted[1:]]
    micro_tests = [None] + [metrics.paired_bootstrap(split.targets, predicted[0], other, multi, metric=metrics.micro_f1)
                            for other in predicted[1:]]
    return {"reports": reports, "table": table, "tests": tests, "micro_tests": micro_tests}


def verdict(name, delta):
    """"better", "worse" or "same" for a change of metric `name` (a rise in calibration error is worse)."""
    if delta is None:
        return None
    if abs(delta) < 5e-4:  # below what the page shows (three decimals)
        return "same"
    return "better" if (delta > 0) == higher_is_better(name) else "worse"


def comparable(project):
    """The project's finished evaluations in groups that compare: [(snapshot, split, [reports])], the newest
    group first; in a group the oldest report first, since the first is the one the others are measured against."""
    groups = {}
    reports = project.evaluations.filter(status="done").select_related(
        "snapshot", "model_version__registered_model").defer("predictions", "errors").order_by("id")
    for report in reports:
        groups.setdefault((report.snapshot, report.split), []).append(report)
    newest_first = sorted(groups.items(), key=lambda item: -item[1][-1].pk)
    return [(snapshot, split, found) for (snapshot, split), found in newest_first]
