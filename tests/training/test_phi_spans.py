"""PHI proposed as spans: the de-identification patterns run over a corpus as a job, their finds become predicted
spans of span labels named after the categories (added where missing), pre-selected on the annotate page; the
patterns find most of the planted identifiers of each category. Started from the corpus page or the API."""

import pytest
from django.urls import reverse

from labeling.models import Corpus, Document, Prediction, SpanLabel
from studio.jobs import execution
from studio.models import Job
from tests.support import phi_notes

pytestmark = pytest.mark.django_db


def phi_corpus(project, count=60):
    notes = phi_notes.generate(count)
    corpus = Corpus.objects.create(project=project, name="Letters", status=Corpus.Status.READY, document_count=count)
    documents = Document.objects.bulk_create(Document(corpus=corpus, external_id=f"n{i}", text=text,
                                                      content_hash=str(i), length=len(text))
                                             for i, (text, _planted) in enumerate(notes))
    return corpus, {document.pk: planted for document, (_text, planted) in zip(documents, notes)}


def test_the_patterns_propose_phi_spans_annotators_see_pre_selected(client, project, manager, annotator,
                                                                    django_capture_on_commit_callbacks):
    corpus, planted = phi_corpus(project)
    client.force_login(manager)
    page = client.get(reverse("corpus-detail", args=[project.pk, corpus.pk])).content.decode()
    assert 'id="corpus-phi-spans"' in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("corpus-phi-spans", args=[project.pk, corpus.pk]))
    job = Job.objects.get(kind="phi_spans")
    assert response.status_code == 302 and response.url == reverse("job-detail", args=[job.pk])
    execution.execute(job.pk, "w@host", {})
    job.refresh_from_db()
    assert job.status == "succeeded", job.error
    assert set(SpanLabel.objects.filter(schema__project=project).values_list("name", flat=True)) >= {"NAME", "DATE"}
    found = {prediction.document_id: {(span["start"], span["end"], span["label"]) for span in prediction.spans}
             for prediction in Prediction.objects.filter(model_version="de-identification patterns")}
    recall = {}
    for pk, spans in planted.items():
        for category, start, end, _value in spans:
            hit = any(label == category and begin < end and start < stop for begin, stop, label in found.get(pk, ()))
            recall.setdefault(category, []).append(hit)
    shares = {category: sum(hits) / len(hits) for category, hits in recall.items()}
    assert shares["DATE"] > 0.9 and shares["PHONE"] > 0.9 and shares["NAME"] > 0.8, shares
    assert job.metrics["spans"] == sum(len(spans) for spans in found.values())
    client.force_login(annotator)
    task = client.get(reverse("annotate", args=[project.pk])).content.decode()
    assert "Pre-selected by <strong>de-identification patterns</strong>" in task and '"score": 1.0' in task


def test_the_api_starts_it_for_a_corpus_of_the_project_only(client, project, manager, other_project,
                                                            django_capture_on_commit_callbacks):
    corpus, _planted = phi_corpus(project, 3)
    client.force_login(manager)
    url = reverse("api-corpus-phi-spans", args=[project.pk, corpus.pk])
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(url, {"categories": ["DATE"]}, content_type="application/json")
    assert started.status_code == 201 and started.json()["kind"] == "phi_spans"
    refused = client.post(url, {"categories": ["PASSPORT"]}, content_type="application/json")
    assert refused.status_code == 400
    foreign, _ = phi_corpus(other_project, 1)
    assert client.post(reverse("api-corpus-phi-spans", args=[project.pk, foreign.pk]), {},
                       content_type="application/json").status_code == 404
