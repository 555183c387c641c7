"""The whole chain with its artifacts in a real S3-compatible store: the web process and two workers each keep a
folder of their own (their cache), and share nothing but the database, the broker and the store."""

import csv
import io
import random

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from labeling.models import Corpus, DatasetSnapshot, Membership, Role
from labeling.services import snapshots
from studio.celery import app
from tests.support.classifiers import SIGNALS, build_tiny_base
from tests.support.factories import UserFactory, make_admin
from tests.support.phi_notes import body
from tests.support.worker import WorkerProcess, wait_for
from training.finetuning.service import start_finetuning
from training.models import EvaluationReport, Finetuning, ModelAlias

pytestmark = pytest.mark.worker


def _notes_csv(count=240):
    rng = random.Random(5)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "note", "specialty"])
    for index in range(count):
        label = rng.choice(list(SIGNALS))
        writer.writerow([f"n{index}", f"{body(rng, 2)} {SIGNALS[label]}.", label])
    return out.getvalue().encode()


def _files_under(folder):
    return {path.relative_to(folder).as_posix() for path in folder.rglob("*") if path.is_file()}


def test_import_snapshot_fine_tune_promotion_and_predict_through_the_store(
        transactional_db, object_store, tmp_path, settings, client, manager, project):
    settings.STUDIO_BASE_MODELS_DIR = tmp_path / "base-models"
    build_tiny_base(settings.STUDIO_BASE_MODELS_DIR / "tiny")
    app.control.purge()
    folders = {"cpu": tmp_path / "cpu-worker", "gpu": tmp_path / "gpu-worker"}
    workers = {}
    for queue, folder in folders.items():
        workers[queue] = WorkerProcess(queue, artifacts_dir=folder, base_models_dir=settings.STUDIO_BASE_MODELS_DIR)
        workers[queue].env.update(object_store.env)
    try:
        for worker in workers.values():
            worker.start()
        logs = lambda: "\n".join(worker.log(60) for worker in workers.values())  # noqa: E731

        # An upload goes into the store; the import runs on the cpu worker, which reads it from there.
        client.force_login(manager)
        uploaded = client.post(reverse("api-uploads", kwargs={"project_pk": project.pk}),
                               {"file": SimpleUploadedFile("notes.csv", _notes_csv())})
        assert uploaded.status_code == 201, uploaded.content
        assert [key.split("/")[0] for key in object_store.keys()] == ["uploads"]
        started = client.post(reverse("api-corpus-list", kwargs={"project_pk": project.pk}), {
            "upload": uploaded.json()["id"], "name": "Ward notes", "format": "csv", "text_field": "note",
            "id_field": "id", "label_fields": ["specialty"]}, content_type="application/json")
        assert started.status_code == 201, started.json()
        corpus = Corpus.objects.get(pk=started.json()["corpus"]["id"])
        assert wait_for(lambda: Corpus.objects.get(pk=corpus.pk).status == "ready", timeout=120), logs()
        assert Corpus.objects.get(pk=corpus.pk).document_count == 240

        # The snapshot is written on the cpu worker and published; the fine-tune reads it on the gpu worker.
        snapshot = snapshots.start_snapshot(manager, project, name="v1", train_ratio=0.6, validation_ratio=0.2,
                                            test_ratio=0.2)
        assert wait_for(lambda: DatasetSnapshot.objects.get(pk=snapshot.pk).status == "ready", timeout=120), logs()
        snapshot.refresh_from_db()
        assert snapshot.key in object_store.keys("snapshots/")
        run = start_finetuning(manager, project, snapshot, {
            "base": "folder:tiny", "queue": "gpu", "epochs": 3, "batch_size": 8, "max_length": 32,
            "early_stopping": 0, "model_name": "triage"})
        assert wait_for(lambda: Finetuning.objects.get(pk=run.pk).status == "done", timeout=420), logs()
        run.refresh_from_db()
        version = run.output
        assert wait_for(lambda: EvaluationReport.objects.filter(model_version=version, status="done").exists(),
                        timeout=120), logs()
        stored = object_store.keys(f"{version.folder}/")
        assert f"{version.folder}/.manifest.json" in stored and f"{version.folder}/model.safetensors" in stored

        # Each machine holds only what it read or wrote, in its cache under the sha256.
        cpu_files, gpu_files = _files_under(folders["cpu"]), _files_under(folders["gpu"])
        assert f"sha256/{snapshot.sha256}/{snapshot.file_name}" in cpu_files  # the worker that wrote it
        assert any(path.startswith(f"sha256/{snapshot.sha256}/") for path in gpu_files)
        assert any(path.startswith(f"sha256/{version.sha256}/") for path in gpu_files)
        assert not any(path.startswith(f"sha256/{version.sha256}/") for path in cpu_files)
        assert not any(path.startswith(("models/", "snapshots/", "uploads/")) for path in cpu_files | gpu_files)

        # The admin promotes it and the predict API answers with it: the web process fetches it into its own cache.
        project.gold_snapshot = snapshot
        project.save()
        admin = make_admin(UserFactory(username="ward-admin"))
        Membership.objects.create(project=project, user=admin, role=Role.MANAGER)
        client.force_login(admin)
        promoted = client.post(reverse("api-model-version-aliases", args=[project.pk, version.pk]),
                               {"alias": "production", "reason": "tiny test model"}, content_type="application/json")
        assert promoted.status_code == 201, promoted.content
        assert ModelAlias.objects.get(name="production").version == version
        texts = [f"{body(random.Random(9), 1)} {signal}." for signal in SIGNALS.values()]
        answer = client.post(reverse("api-predict", args=[project.pk]), {"texts": texts},
                             content_type="application/json")
        assert answer.status_code == 200, answer.content
        assert len(answer.json()["predictions"]) == 3 and answer.json()["version_id"] == version.pk
        assert any(path.startswith(f"sha256/{version.sha256}/") for path in _files_under(object_store.cache))
        download = client.get(reverse("api-snapshot-download", args=[project.pk, snapshot.pk]))
        assert download.status_code == 200
        assert b"".join(download.streaming_content) == object_store.server.client().get_object(
            Bucket=object_store.bucket, Key=f"studio/{snapshot.key}")["Body"].read()
    finally:
        for worker in workers.values():
            worker.stop()

