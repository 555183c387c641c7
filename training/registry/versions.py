"""New model versions: numbered 1, 2, 3… per registered model, their files written once into the
artifacts and fingerprinted (sha256) so that a changed byte is noticed before promotion or
serving."""

import hashlib

from django.db import transaction
from django.db.models import Max

from studio import artifacts, audit
from studio.disk import ensure_space, folder_size
from studio.errors import Refusal
from studio.jobs.service import check_held

from ..models import ModelVersion, RegisteredModel


class VersionError(Refusal):
    """The version cannot be registered as asked; the message says why."""


def artifact_sha256(folder):
    """One digest over every file's relative path and bytes, in path order."""
    digest = hashlib.sha256()
    for path in sorted(item for item in folder.rglob("*") if item.is_file()):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
        with open(path, "rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
        digest.update(b"\0")
    return digest.hexdigest()


def create_version(project, name, kind, write, *, job, params, metrics, lineage, base, created_by, needed=0):
    """A new version of the project's model `name` (created as `kind` when new): `write(path)`
    fills its folder (about `needed` bytes: refused before writing when the disk lacks them); `base` is
    "version:<id>", a folder or hub name, or "" for none."""
    with transaction.atomic():
        if job is not None:
            check_held(job)  # a superseded run registers nothing
        registered, _ = RegisteredModel.objects.get_or_create(project=project, name=name, defaults={"kind": kind})
        if registered.kind != kind:
            raise VersionError(f"{registered.name!r} names a model of another kind ({registered.kind}); "
                               f"name the {kind} differently.")
        registered = RegisteredModel.objects.select_for_update().get(pk=registered.pk)  # numbers one at a time
        number = (registered.versions.aggregate(last=Max("version"))["last"] or 0) + 1
        version = ModelVersion(registered_model=registered, version=number, folder=f"models/{registered.pk}/{number}",
                               job=job, params=params, metrics=metrics, lineage=lineage, created_by=created_by)
        if base.startswith("version:"):
            version.base_id = int(base[8:])
        elif base:
            version.base_name = base
        with artifacts.staged(version.folder) as staged:
            ensure_space(staged, needed, f"{registered.name} v{number}")
            write(staged)
            version.size = folder_size(staged)
            version.sha256 = artifact_sha256(staged)
            artifacts.store().publish(staged, version.folder, version.sha256)  # every file, then the row naming them
        version.save()
        audit.record(created_by, "model.version", version, project_id=project.pk, model=registered.name,
                     version=number, job=job.pk if job else None)
    return version
