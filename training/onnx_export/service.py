"""ONNX exports, web side: a fine-tuned encoder classifier exported for CPU serving as ONNX (fp32) and as
dynamically int8-quantised ONNX, each a new version of the same model (its own files and sha256, served without
torch), made by an `onnx_export` job and then evaluated like any version."""

from django.db import transaction

from studio import audit
from studio.errors import Refusal
from studio.jobs import service as jobs_service

from ..ensembles.service import ENSEMBLE_FILE
from ..finetuning.classifier_file import WEIGHT_FILES
from ..models import RegisteredModel

PRECISIONS = ("fp32", "int8")


class ExportError(Refusal):
    """The export cannot start as asked; the message says why."""


def exportable(version):
    """Whether the version is an encoder classifier in PyTorch (what an export reads)."""
    names = version.file_names()
    return (version.registered_model.kind == RegisteredModel.Kind.CLASSIFIER and bool(names & set(WEIGHT_FILES))
            and ENSEMBLE_FILE not in names)


def start_export(user, project, version, precisions=PRECISIONS):
    precisions = [precision for precision in PRECISIONS if precision in set(precisions)]
    if not precisions:
        raise ExportError(f"Choose a precision: {' or '.join(PRECISIONS)}.")
    if not exportable(version):
        raise ExportError(f"{version} is not a fine-tuned encoder classifier: only those are exported to ONNX "
                          "(the baseline is small and fast already; an ensemble's members are exported one by one).")
    with transaction.atomic():
        job = jobs_service.start_job(user, "onnx_export", {"version_id": version.pk, "precisions": precisions},
                                     project=project,
                                     inputs=[{"type": "model_version", "id": version.pk, "label": str(version)}])
        audit.record(user, "model.export_onnx", version, project_id=project.pk, precisions=precisions)
    return job
