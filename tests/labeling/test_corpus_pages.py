"""Uploading, mapping and browsing in the browser's pages (server side)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from labeling.models import Corpus, Document, Upload
from studio import dispatch
from studio.jobs import execution
from studio.models import Job


@pytest.fixture(autouse=True)
def artifacts(settings, tmp_path, monkeypatch):
    settings.STUDIO_ARTIFACTS_DIR = tmp_path
    monkeypatch.setattr(dispatch, "send", lambda *args: None)


def test_upload_map_import_and_read_a_document(client, manager, project, django_capture_on_commit_callbacks):
    client.force_login(manager)
    data = b'note_id;body;ward\nn1;"<b>Bold</b> claim\nsecond line";cardio\nn2;plain;resp\n'
    response = client.post(reverse("corpus-upload", kwargs={"pk": project.pk}), {"file": SimpleUploadedFile("ward.csv", data)})
    upload = Upload.objects.get()
    assert response["Location"] == reverse("upload-map", kwargs={"pk": project.pk, "upload_pk": upload.pk})
    page = client.get(response["Location"]).content.decode()
    assert "&lt;b&gt;Bold&lt;/b&gt;" in page and "<b>Bold</b>" not in page
    assert '<option value="body" data-warning="" selected>' in page and '<option value="note_id" selected>' in page
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(response["Location"], {
            "format": "csv", "name": "Ward", "text_field": "body", "id_field": "note_id", "meta_fields": ["ward"], "max_errors": "0",
        })
    corpus = Corpus.objects.get(name="Ward")
    assert started["Location"] == reverse("corpus-detail", kwargs={"pk": project.pk, "corpus_pk": corpus.pk})
    importing = client.get(started["Location"]).content.decode()
    assert "Importing" in importing and "fragment=status" in importing
    execution.execute(Job.objects.get(kind="import").pk, "w@host", {})
    status = client.get(started["Location"], {"fragment": "status"}, headers={"HX-Request": "true"})
    assert status.status_code == 286 and status["HX-Refresh"] == "true"
    listing = client.get(started["Location"]).content.decode()
    assert "n1" in listing and "n2" in listing
    document = Document.objects.get(external_id="n1")
    shown = client.get(reverse("document-detail", kwargs={"pk": project.pk, "document_pk": document.pk})).content.decode()
    assert "&lt;b&gt;Bold&lt;/b&gt; claim<br>second line" in shown
    assert document.meta == {"ward": "cardio"}


def test_the_mapping_form_says_what_is_missing(client, manager, project):
    client.force_login(manager)
    client.post(reverse("corpus-upload", kwargs={"pk": project.pk}), {"file": SimpleUploadedFile("n.csv", b"id,text\na,b\n")})
    url = reverse("upload-map", kwargs={"pk": project.pk, "upload_pk": Upload.objects.get().pk})
    response = client.post(url, {"format": "csv", "name": "N", "text_field": "nope"})
    assert response.status_code == 400 and "Choose the column that holds the note text." in response.content.decode()
    assert not Corpus.objects.exists()


def test_an_unreadable_upload_is_explained_on_the_mapping_page(client, manager, project):
    client.force_login(manager)
    client.post(reverse("corpus-upload", kwargs={"pk": project.pk}), {"file": SimpleUploadedFile("n.csv", b"\x00\x01\x02\x00" * 100)})
    page = client.get(reverse("upload-map", kwargs={"pk": project.pk, "upload_pk": Upload.objects.get().pk})).content.decode()
    assert "looks like a binary file" in page


def test_an_oversized_upload_is_refused_on_the_page(client, manager, project, settings):
    settings.STUDIO_MAX_UPLOAD_BYTES = 10_000
    client.force_login(manager)
    response = client.post(reverse("corpus-upload", kwargs={"pk": project.pk}), {"file": SimpleUploadedFile("big.csv", b"x" * 50_000)})
    assert response.status_code == 413 and "larger than the upload limit" in response.content.decode()
    assert not Upload.objects.exists()


def test_documents_page_by_keyset(client, manager, project):
    corpus = Corpus.objects.create(project=project, name="Many", status=Corpus.Status.READY, document_count=120)
    Document.objects.bulk_create(Document(corpus=corpus, external_id=f"d{i:03d}", text=f"note {i}", content_hash="0", length=6) for i in range(120))
    client.force_login(manager)
    url = reverse("corpus-detail", kwargs={"pk": project.pk, "corpus_pk": corpus.pk})
    first = client.get(url)
    assert first.context["documents"][0].external_id == "d000" and len(first.context["documents"]) == 50
    second = client.get(url, {"after": first.context["next_after"]})
    assert second.context["documents"][0].external_id == "d050"
    last = client.get(url, {"after": client.get(url, {"after": second.context["next_after"]}).context["documents"][-1].pk - 20})
    assert last.context["next_after"] is None


def test_full_text_search_finds_documents_with_all_the_words(client, manager, project):
    corpus = Corpus.objects.create(project=project, name="Notes", status=Corpus.Status.READY, document_count=3)
    for external_id, text in [("a", "Atrial fibrillation, started apixaban."), ("b", "Fibrillation resolved; no apixaban."),
                              ("c", "Knee effusion after a fall.")]:
        Document.objects.create(corpus=corpus, external_id=external_id, text=text, content_hash="0", length=len(text))
    client.force_login(manager)
    url = reverse("corpus-detail", kwargs={"pk": project.pk, "corpus_pk": corpus.pk})
    found = [document.external_id for document in client.get(url, {"q": "apixaban fibrillation"}).context["documents"]]
    assert found == ["a", "b"]
    assert [d.external_id for d in client.get(url, {"q": "knee"}).context["documents"]] == ["c"]
    assert "No document has all of these words." in client.get(url, {"q": "pneumonia"}).content.decode()
    assert client.get(url, {"q": '"unbalanced AND ('}).status_code == 200  # no query syntax reaches the engine
    api = client.get(reverse("api-documents", kwargs={"project_pk": project.pk, "corpus_pk": corpus.pk}), {"q": "effusion"}).json()
    assert [d["external_id"] for d in api["results"]] == ["c"]
    Document.objects.filter(external_id="c").update(text="Shoulder pain.")
    Document.objects.filter(external_id="a").delete()
    assert [d.external_id for d in client.get(url, {"q": "knee"}).context["documents"]] == []
    assert [d.external_id for d in client.get(url, {"q": "apixaban"}).context["documents"]] == ["b"]
