"""The `evaluate` job: a classifier's figures on a snapshot's split."""

import time

import numpy as np

from ..explanations.service import EXPLAINED_ERRORS, ExplainError, explain
from ..finetuning import classifier, data
from ..finetuning.service import FinetuneError
from ..models import EvaluationReport, RegisteredModel
from .report import evaluate


EXPLAINED_WORDS = 8


def explain_errors(loaded, texts, scores):
    """Each text's explanation with the words it reads (what the report shows); none where the classifier cannot
    be explained (an ONNX export, an ensemble)."""
    try:
        found = explain(loaded, texts, scores, top=EXPLAINED_WORDS)
    except ExplainError:
        return []
    return [{**explanation, "words": [{**word, "text": text[word["start"]:word["end"]][:60]}
                                      for word in explanation["words"]]}
            for text, explanation in zip(texts, found)]


def run_evaluation(job, reporter):
    report = EvaluationReport.objects.select_related("model_version__registered_model", "snapshot").get(
        pk=job.params["report_id"])
    reporter.stage(0.0, f"Reading the {report.split} split of {report.snapshot.name}")
    if report.model_version.registered_model.kind == RegisteredModel.Kind.TAGGER:
        from ..tagging.run import evaluate_tagger

        return evaluate_tagger(report, reporter)
    labels, multi = data.snapshot_labels(report.snapshot)
    split = data.read_split(report.snapshot, report.split, labels, multi)
    if not split.texts:
        raise FinetuneError(f"The snapshot's {report.split} split is empty.")
    reporter.stage(0.05, f"Loading {report.model_version}")
    loaded = classifier.Classifier(report.model_version.path)
    reporter.stage(0.1, f"Scoring {len(split.texts):,} documents of the {report.split} split")
    started = time.perf_counter()
    scores = loaded.scores(split.texts)
    seconds = time.perf_counter() - started
    reporter.stage(0.7, "Computing F1, calibration and the confusion matrix")
    figures = evaluate(split.targets, scores, labels, multi, loaded.settings["thresholds"])
    figures["ms_per_note"] = round(1000 * seconds / len(split.texts), 3)  # scored in batches, as a predict job does
    reporter.stage(0.95, "Saving the report")
    predicted = loaded.predicted(scores)
    wrong = np.nonzero((predicted != split.targets).any(axis=1) if multi else predicted != split.targets)[0]
    name = lambda row: [labels[i] for i in np.nonzero(row)[0]] if multi else labels[int(row)]  # noqa: E731
    errors = [{"document_id": split.ids[i], "external_id": split.external_ids[i], "truth": name(split.targets[i]),
               "predicted": name(predicted[i]), "scores": dict(zip(labels, np.round(scores[i], 4).tolist()))}
              for i in wrong[:500]]
    explained = wrong[:EXPLAINED_ERRORS]
    reporter.stage(0.8, f"Explaining the first {len(explained)} misclassified documents")
    for error, explanation in zip(errors, explain_errors(loaded, [split.texts[i] for i in explained],
                                                         scores[explained])):
        error["explanation"] = explanation
    EvaluationReport.objects.filter(pk=report.pk).update(
        metrics=figures, errors=errors,
        predictions={str(pk): np.round(row, 5).tolist() for pk, row in zip(split.ids, scores)})
    return {"macro_f1": figures["macro_f1"], "accuracy": figures["accuracy"], "errors": len(wrong)}
