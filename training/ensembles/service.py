"""Ensembles, web side: two or more classifier versions of a project with the same labels combined into one
version (their probabilities averaged with weights chosen on a snapshot's validation split), made by an `ensemble`
job. An ensemble's folder is a classifier.json and an ensemble.json naming its members by version and sha256."""

import json

from django.db import transaction

from labeling.models import DatasetSnapshot
from studio import audit
from studio.errors import Refusal
from studio.jobs import service as jobs_service

from ..evaluation.service import classifier_queue
from ..finetuning import classifier_file
from ..models import ModelVersion, RegisteredModel
from ..registry.versions import artifact_sha256

ENSEMBLE_FILE = "ensemble.json"
MAX_MEMBERS = 4


class EnsembleError(Refusal):
    """The ensemble cannot be made as asked; the message says why."""


def members_of(folder):
    """An ensemble folder's members [{version, name, sha256, weight}], or None for a classifier that is not one."""
    path = folder / ENSEMBLE_FILE
    return json.loads(path.read_text())["members"] if path.is_file() else None


def member_folder(entry):
    """An ensemble member's folder, once its files are what the ensemble was made with."""
    version = ModelVersion.objects.filter(pk=entry["version"]).first()
    if version is None or not version.path.is_dir():
        raise classifier_file.ClassifierLoadError(f"The ensemble's member {entry['name']} is gone.")
    if artifact_sha256(version.path) != entry["sha256"]:
        raise classifier_file.ClassifierLoadError(f"The ensemble's member {entry['name']} has changed since the "
                                                  "ensemble was made (sha256 mismatch).")
    return version.path


def start_ensemble(user, project, version_ids, snapshot, name=""):
    """The `ensemble` job combining the project's classifier versions `version_ids`, weighed on `snapshot`."""
    version_ids = list(dict.fromkeys(version_ids))
    if not 2 <= len(version_ids) <= MAX_MEMBERS:
        raise EnsembleError(f"An ensemble combines 2 to {MAX_MEMBERS} classifier versions.")
    versions = {version.pk: version for version in ModelVersion.objects.filter(
        pk__in=version_ids, registered_model__project=project).select_related("registered_model")}
    missing = [pk for pk in version_ids if pk not in versions]
    if missing:
        raise EnsembleError(f"No classifier version {missing[0]} in this project.")
    settings = []
    for pk in version_ids:
        version = versions[pk]
        names = version.file_names()
        if version.registered_model.kind != RegisteredModel.Kind.CLASSIFIER or classifier_file.SETTINGS_FILE not in names:
            raise EnsembleError(f"{version} is not a classifier with its files.")
        if ENSEMBLE_FILE in names:
            raise EnsembleError(f"{version} is an ensemble already: combine its members instead.")
        settings.append(version.read_json(classifier_file.SETTINGS_FILE))
    if any((found["labels"], found["multi"]) != (settings[0]["labels"], settings[0]["multi"]) for found in settings):
        raise EnsembleError("The members must know the same labels, in the same order, single- or multi-label alike.")
    if snapshot.project_id != project.pk or snapshot.status != DatasetSnapshot.Status.READY:
        raise EnsembleError("The snapshot is not a ready snapshot of this project.")
    name = (name or f"{versions[version_ids[0]].registered_model.name} ensemble")[:120]
    queue = "cpu" if all(classifier_queue(versions[pk]) == "cpu" for pk in version_ids) else "gpu"
    with transaction.atomic():
        job = jobs_service.start_job(
            user, "ensemble", {"version_ids": version_ids, "snapshot_id": snapshot.pk, "name": name,
                               "queue": queue}, project=project,
            inputs=[*({"type": "model_version", "id": pk, "label": str(versions[pk])} for pk in version_ids),
                    {"type": "snapshot", "id": snapshot.pk, "label": snapshot.name}])
        audit.record(user, "model.ensemble", job, project_id=project.pk, members=version_ids, snapshot=snapshot.pk)
    return job
