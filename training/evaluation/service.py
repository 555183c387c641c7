"""Evaluation, web side: an `evaluate` job for a classifier on a snapshot's split."""

from django.db import transaction

from labeling.models import DatasetSnapshot
from studio.jobs import service as jobs_service

from ..finetuning import classifier_file
from ..finetuning.data import snapshot_labels
from ..finetuning.onnx_scorer import MODEL_FILE as ONNX_FILE
from ..finetuning.service import FinetuneError
from ..models import EvaluationReport, RegisteredModel
from ..tagging import tagger_file
from ..tagging.spans_data import span_labels


def classifier_queue(version):
    """The queue for a classifier or span tagger version's evaluation and prediction jobs: the baseline, the CRF
    and ONNX exports (which run on the CPU) need no GPU."""
    if version.file_names() & {"baseline.json", "crf.crfsuite", ONNX_FILE}:
        return "cpu"
    return version.params.get("queue", "gpu")


def start_evaluation(user, project, version, snapshot, split="test"):
    """An `evaluate` job for the classifier on the snapshot's split; refused when their labels differ."""
    if version.registered_model.kind not in (RegisteredModel.Kind.CLASSIFIER, RegisteredModel.Kind.TAGGER):
        raise FinetuneError("Only classifiers and span taggers can be evaluated.")
    if snapshot.project_id != project.pk or snapshot.status != DatasetSnapshot.Status.READY:
        raise FinetuneError("The snapshot is not a ready snapshot of this project.")
    if version.registered_model.kind == RegisteredModel.Kind.TAGGER:
        known, held = (version.read_json(tagger_file.SETTINGS_FILE) or {}).get("labels", []), span_labels(snapshot)
        if known != held:
            raise FinetuneError(f"The span tagger knows the span labels {', '.join(known)}; the snapshot has "
                                f"{', '.join(held) or 'none'}. Evaluate it on a snapshot with the same span labels.")
        labels, multi, trained = known, False, {"labels": known, "multi": False}
    else:
        labels, multi = snapshot_labels(snapshot)
        trained = version.read_json(classifier_file.SETTINGS_FILE)
        if trained is None:
            raise FinetuneError(f"{version} has no classifier settings file: its files are missing.")
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
    return report
