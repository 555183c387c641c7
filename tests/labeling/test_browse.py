"""The document browser's filters: split, repeats, labeled, label and annotator, in the page and the API."""

import html

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from labeling.models import (
    Annotation,
    Assignment,
    Corpus,
    Document,
    Label,
    LabelSchema,
    Review,
)
from labeling.services import browse, corpora, search

pytestmark = pytest.mark.django_db


@pytest.fixture
def corpus(project, annotator, reviewer):
    corpus = Corpus.objects.create(project=project, name="Notes", status=Corpus.Status.READY, document_count=5)
    schema = LabelSchema.objects.create(project=project, kind=LabelSchema.Kind.MULTI)
    cardio, resp = (Label.objects.create(schema=schema, name=name) for name in ("Cardiology", "Respiratory"))
    docs = {name: Document.objects.create(corpus=corpus, external_id=name, text=f"{name} note", content_hash=name,
                                          length=7, split=split)
            for name, split in (("a", "train"), ("b", "train"), ("c", "test"), ("d", ""), ("e", ""))}
    Document.objects.filter(pk=docs["e"].pk).update(duplicate_of=docs["d"])
    Annotation.objects.create(document=docs["a"], annotator=annotator).labels.set([cardio])
    Annotation.objects.create(document=docs["b"], annotator=reviewer).labels.set([resp])
    Annotation.objects.create(document=docs["c"], source=Annotation.Source.IMPORTED).labels.set([cardio, resp])
    corpus.labels = {"cardio": cardio.pk, "resp": resp.pk}
    return corpus


def found(client, corpus, **params):
    url = reverse("api-documents", kwargs={"project_pk": corpus.project_id, "corpus_pk": corpus.pk})
    response = client.get(url, params)
    assert response.status_code == 200, response.json()
    return [document["external_id"] for document in response.json()["results"]]


def test_each_filter_narrows_the_documents(client, manager, annotator, corpus):
    client.force_login(manager)
    assert found(client, corpus) == ["a", "b", "c", "d", "e"]
    assert found(client, corpus, split="train") == ["a", "b"]
    assert found(client, corpus, split="") == ["d", "e"]
    assert found(client, corpus, duplicates="yes") == ["e"]
    assert found(client, corpus, duplicates="no") == ["a", "b", "c", "d"]
    assert found(client, corpus, labeled="yes") == ["a", "b", "c"]
    assert found(client, corpus, labeled="no") == ["d", "e"]
    assert found(client, corpus, label=corpus.labels["cardio"]) == ["a", "c"]
    assert found(client, corpus, annotator="imported") == ["c"]
    assert found(client, corpus, annotator=annotator.pk) == ["a"]
    assert found(client, corpus, label=corpus.labels["resp"], split="train") == ["b"]
    assert found(client, corpus, q="note", labeled="yes", limit=2) == ["a", "b"]


@pytest.mark.parametrize("params,message", [
    ({"split": "holdout"}, "split must be one of"),
    ({"labeled": "maybe"}, "labeled must be yes or no"),
    ({"label": "cardio"}, "label must be a whole number"),
    ({"annotator": "bob"}, "annotator must be a user id or 'imported'"),
    ({"after": "-3"}, "after must be 0 or more"),
])
def test_bad_filter_values_get_a_clear_error(client, manager, corpus, params, message):
    client.force_login(manager)
    url = reverse("api-documents", kwargs={"project_pk": corpus.project_id, "corpus_pk": corpus.pk})
    response = client.get(url, params)
    assert response.status_code == 400 and message in response.json()["detail"]
    page = client.get(reverse("corpus-detail", kwargs={"pk": corpus.project_id, "corpus_pk": corpus.pk}), params)
    assert page.status_code == 400 and message in html.unescape(page.content.decode())


def test_the_corpus_page_filters_and_keeps_its_filters_across_pages(client, manager, corpus, monkeypatch):
    monkeypatch.setattr("labeling.views.corpora.DOCUMENTS_PER_PAGE", 1)
    client.force_login(manager)
    url = reverse("corpus-detail", kwargs={"pk": corpus.project_id, "corpus_pk": corpus.pk})
    first = client.get(url, {"label": corpus.labels["cardio"]})
    assert [document.external_id for document in first.context["documents"]] == ["a"]
    html = first.content.decode()
    assert f'label={corpus.labels["cardio"]}&amp;after=' in html and 'id="filter-annotator"' in html
    second = client.get(url, {"label": corpus.labels["cardio"], "after": first.context["next_after"]})
    assert [document.external_id for document in second.context["documents"]] == ["c"]
    assert "No document matches these filters." in client.get(url, {"split": "validation"}).content.decode()


def test_annotators_see_neither_label_filters_nor_others_annotations(client, annotator, manager, corpus):
    client.force_login(annotator)
    page = client.get(reverse("corpus-detail", kwargs={"pk": corpus.project_id, "corpus_pk": corpus.pk}))
    assert page.status_code == 200 and 'id="filter-label"' not in page.content.decode()
    document = corpus.documents.get(external_id="b")
    detail = client.get(reverse("document-detail", kwargs={"pk": corpus.project_id, "document_pk": document.pk}))
    assert "Respiratory" not in detail.content.decode() and 'id="annotations"' not in detail.content.decode()
    client.force_login(manager)
    detail = client.get(reverse("document-detail", kwargs={"pk": corpus.project_id, "document_pk": document.pk}))
    assert 'id="annotations"' in detail.content.decode() and "Respiratory" in detail.content.decode()
    title = detail.content.decode().split("<title>")[1].split("</title>")[0]
    assert "<" not in title and document.external_id in title


def test_a_repeated_note_links_to_the_first(client, manager, corpus):
    client.force_login(manager)
    repeat = corpus.documents.get(external_id="e")
    html = client.get(reverse("document-detail", kwargs={"pk": corpus.project_id, "document_pk": repeat.pk})).content.decode()
    first = corpus.documents.get(external_id="d")
    assert f'/documents/{first.pk}/' in html and 'id="repeat-of"' in html


def test_filter_parameters_round_trip():
    document_filter = browse.DocumentFilter.from_params(
        {"q": " chest pain ", "split": "train", "labeled": "no", "duplicates": "yes", "annotator": "imported"}, True)
    assert browse.DocumentFilter.from_params(document_filter.as_params(), True) == document_filter
    assert document_filter.as_params() == {"q": "chest pain", "split": "train", "labeled": "no",
                                           "duplicates": "yes", "annotator": "imported"}


def test_deleting_a_corpus_takes_its_annotations_and_repeats_with_it(client, manager, corpus, project):
    other = Corpus.objects.create(project=project, name="Kept", status=Corpus.Status.READY)
    kept = Document.objects.create(corpus=other, external_id="k", text="kept", content_hash="k", length=4)
    Annotation.objects.create(document=kept, source=Annotation.Source.IMPORTED)
    Assignment.objects.create(document=corpus.documents.first(), annotator=manager, project=project,
                              reserved_until=timezone.now())
    client.force_login(manager)
    response = client.delete(reverse("api-corpus-detail", kwargs={"project_pk": project.pk, "pk": corpus.pk}))
    assert response.status_code == 204
    assert not Corpus.objects.filter(pk=corpus.pk).exists()
    assert list(Document.objects.values_list("external_id", flat=True)) == ["k"]
    assert Annotation.objects.count() == 1 and Annotation.labels.through.objects.count() == 0
    assert Label.objects.count() == 2  # the schema's labels stay
    assert not Assignment.objects.exists()


@pytest.mark.parametrize("indexed", [False, True], ids=["before-indexing", "indexed"])
@pytest.mark.parametrize("probe_rows", [2, 400])
def test_search_finds_rare_and_common_words_past_the_probe_window(client, manager, project, monkeypatch, probe_rows,
                                                                  indexed):
    monkeypatch.setattr("labeling.services.search.PROBE_ROWS", probe_rows)
    monkeypatch.setattr("labeling.services.search.PHRASE_PROBE_ROWS", probe_rows)
    corpus = Corpus.objects.create(project=project, name="Many", status=Corpus.Status.READY)
    for index in range(8):
        text = "stable patient" + (" pneumothorax" if index in (5, 7) else "") + (" ward" if index % 2 == 0 else "")
        Document.objects.create(corpus=corpus, external_id=f"d{index}", text=text, content_hash=str(index), length=9)
    if indexed:
        search.index_corpus(Corpus.objects.create(project=project, name="Other"))  # nothing to do there
        search.index_corpus(corpus)
    assert search.pending(corpus) == (8 if connection.vendor == "postgresql" and not indexed else 0)
    client.force_login(manager)
    assert found(client, corpus, q="pneumothorax") == ["d5", "d7"]
    assert found(client, corpus, q="stable", limit=3) == ["d0", "d1", "d2"]
    assert found(client, corpus, q="pneumothorax", split="train") == []
    assert found(client, corpus, q="ward", limit=3) == ["d0", "d2", "d4"]
    assert found(client, corpus, q='"patient pneumothorax"') == ["d5", "d7"]  # a phrase: these words, in this order
    assert found(client, corpus, q='"pneumothorax patient"') == []


def test_a_whole_project_goes_in_a_few_statements(project, corpus, manager):
    review = Review.objects.create(document=corpus.documents.first(), reviewer=manager)
    review.labels.set([corpus.labels["cardio"]])
    corpora.delete_project_data(project)
    assert not Document.objects.exists() and not Annotation.objects.exists() and not Corpus.objects.exists()
    assert not Review.objects.exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite's search index is kept by triggers as notes are written")
def test_the_corpus_page_and_api_say_how_many_notes_wait_for_the_search_index(client, manager, project):
    corpus = Corpus.objects.create(project=project, name="Fresh", status=Corpus.Status.READY, document_count=3)
    for index in range(3):
        Document.objects.create(corpus=corpus, external_id=f"d{index}", text=f"chest pain {index}",
                                content_hash=str(index), length=12)
    client.force_login(manager)
    page = client.get(reverse("corpus-detail", args=[project.pk, corpus.pk]), {"q": "chest"}).content.decode()
    assert "Preparing search: 3 notes left" in page and page.count("chest pain") == 3  # found meanwhile
    api = reverse("api-corpus-detail", kwargs={"project_pk": project.pk, "pk": corpus.pk})
    assert client.get(api).json()["search_pending"] == 3
    search.index_corpus(corpus)
    assert "Preparing search" not in client.get(reverse("corpus-detail", args=[project.pk, corpus.pk])).content.decode()
    assert client.get(api).json()["search_pending"] == 0
