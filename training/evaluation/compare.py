"""Classifiers side by side on one snapshot split: each metric with its delta against the first,
and a paired bootstrap test of macro and micro F1 on the same documents (span taggers: span_compare.py).

Pooled by seeds, the reports of one fine-tune's seeds are one column (one configuration): each metric is
their mean with its standard deviation, and the tests compare the columns' seed means on each resample of the
documents, so a configuration is judged by all its seeds, not by one lucky seed."""

import statistics

import numpy as np

from studio.errors import Refusal
from studio.figures import higher_is_better, metric_name

from ..finetuning import classifier_file, data
from ..models import RegisteredModel
from . import metrics

ROWS = ("macro_f1", "micro_f1", "weighted_f1", "accuracy", "roc_auc", "pr_auc", "ece")
TESTS = ("Macro F1 difference real?", "Micro F1 difference real?")


class ComparisonError(Refusal):
    """The reports cannot be compared; the message says why."""


def compare(reports, pool_seeds=False):
    if len(reports) < 2:
        raise ComparisonError("Choose two or more evaluation reports.")
    first = reports[0]
    if any(report.snapshot_id != first.snapshot_id or report.split != first.split for report in reports):
        raise ComparisonError("Reports compare only on the same snapshot and split.")
    if any(report.status != report.Status.DONE for report in reports):
        raise ComparisonError("Some of these evaluations have not finished.")
    kinds = {report.model_version.registered_model.kind for report in reports}
    if len(kinds) > 1:
        raise ComparisonError("Side by side compares models of one kind: classifiers with classifiers, span taggers "
                              "with span taggers.")
    columns = configurations(reports) if pool_seeds else [[report] for report in reports]
    if len(columns) < 2:
        raise ComparisonError("Pooled by seeds these are all one fine-tune: choose reports of two or more.")
    if kinds == {RegisteredModel.Kind.TAGGER}:
        from .span_compare import compare as compare_taggers

        return {"reports": reports, "columns": [_column(column) for column in columns], "pooled": pool_seeds,
                **compare_taggers(reports, columns)}
    labels, multi = data.snapshot_labels(first.snapshot)
    split = data.read_split(first.snapshot, first.split, labels, multi)
    predicted = [[_predicted(report, split, multi) for report in column] for column in columns]
    table = [table_row(name, *zip(*(_mean(column, name) for column in columns))) for name in ROWS]
    tests, micro_tests = ([None] + [metrics.paired_bootstrap_seeds(split.targets, predicted[0], other, multi,
                                                                   metric=metric) for other in predicted[1:]]
                          for metric in (metrics.headline, metrics.micro_f1))
    return {"reports": reports, "columns": [_column(column) for column in columns], "pooled": pool_seeds,
            "table": table, "tests": tests, "micro_tests": micro_tests, "test_names": TESTS}


def table_row(name, values, spreads, title=None):
    """One metric's row of a comparison: each column's value (and spread over seeds, or None), its delta against
    the first column and whether that is better; `title` names it where the metric's own name would not do."""
    values, spreads = list(values), list(spreads)
    deltas = [None if value is None or values[0] is None else value - values[0] for value in values]
    verdicts = [None] + [verdict(name, delta) for delta in deltas[1:]]
    return {"metric": name, "name": title or metric_name(name), "higher_is_better": higher_is_better(name),
            "values": values, "spreads": spreads, "deltas": deltas, "verdicts": verdicts,
            "cells": list(zip(values, spreads, deltas, verdicts))}


def configurations(reports):
    """The reports grouped by the fine-tune job that registered their versions (its seeds), in the order
    first chosen; a version no job registered stands alone."""
    groups = {}
    for report in reports:
        groups.setdefault(report.model_version.job_id or f"version {report.model_version_id}", []).append(report)
    return [sorted(group, key=lambda report: report.model_version_id) for group in groups.values()]


def _predicted(report, split, multi):
    scores = np.array([report.predictions[str(pk)] for pk in split.ids])
    thresholds = (report.model_version.read_json(classifier_file.SETTINGS_FILE) or {}).get("thresholds")
    return metrics.predictions(scores, multi, thresholds)


def _mean(column, name):
    """(the column's mean of metric `name`, its standard deviation over seeds or None for one report)."""
    values = [report.metrics.get(name) for report in column]
    if any(value is None for value in values):
        return None, None
    return statistics.fmean(values), statistics.stdev(values) if len(values) > 1 else None


def _column(column):
    first = column[0]
    return {"reports": column, "first": first, "job_id": first.model_version.job_id,
            "collapsed": next((report.metrics["collapsed"] for report in column if report.metrics.get("collapsed")),
                              None)}


def verdict(name, delta):
    """"better", "worse" or "same" for a change of metric `name` (a rise in calibration error is worse)."""
    if delta is None:
        return None
    if abs(delta) < 5e-4:  # below what the page shows (three decimals)
        return "same"
    return "better" if (delta > 0) == higher_is_better(name) else "worse"


def comparable(project):
    """The project's finished evaluations in groups that compare (one snapshot split, one kind of model: classifiers
    or span taggers): [(snapshot, split, [reports], whether some are seeds of one fine-tune)], the newest group
    first; in a group the oldest report first, since the first is the
    one the others are measured against."""
    groups = {}
    reports = project.evaluations.filter(
        status="done", model_version__registered_model__kind__in=(RegisteredModel.Kind.CLASSIFIER,
                                                                  RegisteredModel.Kind.TAGGER)).select_related(
        "snapshot", "model_version__registered_model").defer("predictions", "errors").order_by("id")
    for report in reports:
        groups.setdefault((report.snapshot, report.split, report.model_version.registered_model.kind), []).append(
            report)
    newest_first = sorted(groups.items(), key=lambda item: -item[1][-1].pk)
    return [(snapshot, split, found, len(configurations(found)) < len(found))
            for (snapshot, split, _kind), found in newest_first]
