"""Admins import files that already lie on the server, in place, from the configured folders only."""

import os

import pytest
from django.urls import reverse

from labeling.models import Document, Upload
from labeling.services import document_writer
from studio import dispatch
from studio.jobs import execution
from studio.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def folders(settings, tmp_path, monkeypatch):
    monkeypatch.setattr(dispatch, "send", lambda *args: None)
    settings.STUDIO_ARTIFACTS_DIR = tmp_path / "artifacts"
    inside, outside = tmp_path / "imports", tmp_path / "elsewhere"
    inside.mkdir()
    outside.mkdir()
    settings.STUDIO_SERVER_IMPORT_DIRS = [inside]
    (inside / "notes.csv").write_bytes(b"id,text\nn1,Chest pain.\nn2,Wheeze.\n")
    (outside / "secret.csv").write_bytes(b"id,text\nx,PHI\n")
    return inside, outside


@pytest.fixture
def superuser(project, django_user_model):
    user = django_user_model.objects.create_superuser("root", "root@example.org", "pw-root-1234")
    return user


def test_an_admin_imports_a_server_file_in_place_through_the_api(client, superuser, project, folders,
                                                                   django_capture_on_commit_callbacks):
    inside, _ = folders
    client.force_login(superuser)
    response = client.post(reverse("api-upload-server-file", kwargs={"project_pk": project.pk}),
                           {"path": "notes.csv"}, content_type="application/json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["server_path"] == str(inside / "notes.csv") and body["sha256"] == ""
    assert body["preview"]["columns"] == ["id", "text"]
    assert AuditEvent.objects.filter(verb="upload.server_file").exists()
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(reverse("api-corpus-list", kwargs={"project_pk": project.pk}), {
            "upload": body["id"], "name": "Server notes", "format": "csv", "text_field": "text", "id_field": "id",
        }, content_type="application/json")
    execution.execute(started.json()["job"]["id"], "w@host", {})
    upload = Upload.objects.get()
    assert len(upload.sha256) == 64 and upload.corpora.get().source_sha256 == upload.sha256
    assert upload.corpora.get().document_count == 2
    assert (inside / "notes.csv").exists() and not (folders[0].parent / "artifacts" / "uploads").exists()


NOT_HERE = "is not a file in the server import folders"  # one message: missing, outside and not a file alike


@pytest.mark.parametrize("path,message", [
    ("../elsewhere/secret.csv", NOT_HERE),
    ("{outside}/secret.csv", NOT_HERE),
    ("link.csv", NOT_HERE),
    ("missing.csv", NOT_HERE),
    (".", NOT_HERE),
    ("", "Give the path of a file"),
])
def test_paths_outside_the_folders_or_not_files_are_refused(client, superuser, project, folders, path, message):
    inside, outside = folders
    os.symlink(outside / "secret.csv", inside / "link.csv")
    client.force_login(superuser)
    response = client.post(reverse("corpus-server-file", kwargs={"pk": project.pk}),
                           {"path": path.format(outside=outside)})
    assert response.status_code == 400 and message in response.content.decode()
    assert not Upload.objects.exists()


def test_a_server_file_swapped_for_a_link_after_registration_is_not_read(client, superuser, project, folders,
                                                                          django_capture_on_commit_callbacks):
    inside, outside = folders
    client.force_login(superuser)
    registered = client.post(reverse("api-upload-server-file", kwargs={"project_pk": project.pk}),
                             {"path": "notes.csv"}, content_type="application/json").json()
    (inside / "notes.csv").unlink()
    os.symlink(outside / "secret.csv", inside / "notes.csv")
    preview = client.get(reverse("api-upload-preview", kwargs={"project_pk": project.pk, "pk": registered["id"]}))
    assert preview.status_code == 400 and "no longer a file in the server import folders" in preview.json()["detail"]
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(reverse("api-corpus-list", kwargs={"project_pk": project.pk}), {
            "upload": registered["id"], "name": "Server notes", "format": "csv", "text_field": "text", "id_field": "id",
        }, content_type="application/json")
    assert started.status_code == 400 or execution.execute(started.json()["job"]["id"], "w@host", {}) == "failed"
    assert not Document.objects.filter(text="PHI").exists()


def test_the_upload_page_offers_the_server_files_to_admins_only(client, superuser, manager, project, folders):
    url = reverse("corpus-upload", kwargs={"pk": project.pk})
    client.force_login(superuser)
    page = client.get(url).content.decode()
    assert 'id="server-file-form"' in page and "notes.csv" in page and "secret.csv" not in page
    client.force_login(manager)
    assert 'id="server-file-form"' not in client.get(url).content.decode()
    response = client.post(reverse("corpus-server-file", kwargs={"pk": project.pk}), {"path": "notes.csv"})
    assert response.status_code == 403


def test_a_writer_thread_failure_reaches_the_reader_and_stops_every_thread(monkeypatch):
    written = []

    def write_batch(corpus_id, rows, labels, guard=None):
        if rows == ["bad"]:
            raise RuntimeError("disk full")
        written.append(rows)

    monkeypatch.setattr(document_writer, "write_batch", write_batch)
    monkeypatch.setattr(document_writer.BatchWriter, "_may_use_threads", staticmethod(lambda: True))
    writer = document_writer.BatchWriter(threads=2)
    with pytest.raises(RuntimeError, match="disk full"):
        with writer:
            for batch in (["a"], ["bad"], *([["c"]] * 20)):
                writer.write(1, batch, {})
    assert all(not thread.is_alive() for thread in writer.threads)
    assert ["a"] in written and ["bad"] not in written
