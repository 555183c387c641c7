"""Uploading, previewing, importing and browsing through the API."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from labeling.models import Corpus, Document, Upload
from studio import dispatch
from studio.jobs import execution
from studio.models import AuditEvent

CSV = b'id,note,ward\nn1,"Chest pain, on exertion.",cardio\nn2,"<script>alert(1)</script>\nsecond line",resp\n'


@pytest.fixture(autouse=True)
def artifacts(settings, tmp_path, monkeypatch):
    settings.STUDIO_ARTIFACTS_DIR = tmp_path
    monkeypatch.setattr(dispatch, "send", lambda *args: None)
    return tmp_path


def post_file(client, project, name, data):
    return client.post(reverse("api-uploads", kwargs={"project_pk": project.pk}), {"file": SimpleUploadedFile(name, data)})


def test_upload_preview_import_and_browse(client, manager, project, django_capture_on_commit_callbacks):
    client.force_login(manager)
    uploaded = post_file(client, project, "ward notes.csv", CSV)
    assert uploaded.status_code == 201
    body = uploaded.json()
    assert body["original_name"] == "ward notes.csv" and body["size"] == len(CSV)
    assert body["preview"]["columns"] == ["id", "note", "ward"] and body["preview"]["suggested"] == {"text_field": "note", "id_field": "id", "label_fields": [], "span_field": ""}
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(reverse("api-corpus-list", kwargs={"project_pk": project.pk}), {
            "upload": body["id"], "name": "Ward notes", "format": "csv", "text_field": "note", "id_field": "id", "meta_fields": ["ward"],
        }, content_type="application/json")
    assert started.status_code == 201, started.json()
    corpus_id, job_id = started.json()["corpus"]["id"], started.json()["job"]["id"]
    assert started.json()["job"]["kind"] == "import" and started.json()["corpus"]["status"] == "importing"
    execution.execute(job_id, "w@host", {})
    corpus = client.get(reverse("api-corpus-detail", kwargs={"project_pk": project.pk, "pk": corpus_id})).json()
    assert corpus["status"] == "ready" and corpus["document_count"] == 2
    first = client.get(reverse("api-documents", kwargs={"project_pk": project.pk, "corpus_pk": corpus_id}), {"limit": 1}).json()
    assert [doc["external_id"] for doc in first["results"]] == ["n1"] and first["next_after"]
    second = client.get(reverse("api-documents", kwargs={"project_pk": project.pk, "corpus_pk": corpus_id}), {"limit": 1, "after": first["next_after"]}).json()
    assert second["results"][0]["text"] == "<script>alert(1)</script>\nsecond line" and second["next_after"] is None
    detail = client.get(reverse("api-document-detail", kwargs={"project_pk": project.pk, "pk": second["results"][0]["id"]})).json()
    assert detail["meta"] == {"ward": "resp"}


def test_an_oversized_upload_is_refused_before_it_is_stored(client, manager, project, settings, artifacts):
    settings.STUDIO_MAX_UPLOAD_BYTES = 50_000
    client.force_login(manager)
    response = post_file(client, project, "big.csv", b"id,text\n" + b"a,b\n" * 40_000)
    assert response.status_code == 413 and "larger than the upload limit" in response.json()["detail"]
    assert not Upload.objects.exists()
    assert not (artifacts / "uploads").exists() or list((artifacts / "uploads").iterdir()) == []


def test_an_unreadable_upload_gets_a_clear_error(client, manager, project):
    client.force_login(manager)
    response = post_file(client, project, "notes.csv", b"\x00\x01binary\x00" * 100)
    assert response.status_code == 400 and "looks like a binary file" in response.json()["detail"]
    assert post_file(client, project, "empty.csv", b"").status_code == 400
    missing = client.post(reverse("api-uploads", kwargs={"project_pk": project.pk}), {})
    assert missing.status_code == 400 and "multipart field 'file'" in missing.json()["errors"]["file"][0]


def test_an_import_of_another_projects_upload_is_a_404(client, manager, project, other_project):
    stranger_upload = Upload.objects.create(project=other_project, original_name="x.csv", stored_name="x.upload", size=1, sha256="0" * 64)
    client.force_login(manager)
    response = client.post(reverse("api-corpus-list", kwargs={"project_pk": project.pk}), {
        "upload": stranger_upload.pk, "name": "Stolen", "format": "csv",
    }, content_type="application/json")
    assert response.status_code == 404
    assert not Corpus.objects.exists()


def test_deleting_a_corpus_is_audited(client, manager, project):
    corpus = Corpus.objects.create(project=project, name="Old notes", status=Corpus.Status.READY)
    Document.objects.create(corpus=corpus, external_id="a", text="x", content_hash="0", length=1)
    client.force_login(manager)
    assert client.delete(reverse("api-corpus-detail", kwargs={"project_pk": project.pk, "pk": corpus.pk})).status_code == 204
    assert not Document.objects.exists()
    assert AuditEvent.objects.get(verb="corpus.delete").details == {"name": "Old notes", "documents": 0}


def test_import_jobs_cannot_be_started_through_the_generic_job_endpoint(client, manager, project, other_project):
    corpus = Corpus.objects.create(project=other_project, name="Theirs")
    client.force_login(manager)
    response = client.post(reverse("api-project-jobs", kwargs={"pk": project.pk}), {"kind": "import", "params": {"corpus_id": corpus.pk}}, content_type="application/json")
    assert response.status_code == 400 and "started by their own endpoint" in response.json()["errors"]["params"][0]


@pytest.mark.django_db
def test_an_unknown_query_parameter_answers_400_naming_it(client, manager, project):
    client.force_login(manager)
    corpus = Corpus.objects.create(project=project, name="Notes", status=Corpus.Status.READY)
    documents = reverse("api-documents", kwargs={"project_pk": project.pk, "corpus_pk": corpus.pk})
    assert client.get(documents, {"q": "pain", "limit": 5}).status_code == 200
    refused = client.get(documents, {"ordering": "-id"})
    assert refused.status_code == 400 and refused.json()["detail"].startswith("ordering: not a query parameter")
    jobs = client.get(reverse("api-job-list"), {"state": "failed"})
    assert jobs.status_code == 400 and "state: not a query parameter" in jobs.json()["detail"]
    assert client.get(reverse("api-job-list"), {"status": "failed", "page": 1}).status_code == 200
