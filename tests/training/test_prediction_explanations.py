"""Explained predictions: a prediction job asked to explain keeps each note's words that pushed the model towards
its label; the annotate page highlights them in the note beside the pre-selection (w hides them), review shows
each model's labels and words; the predictions API takes explanations, checked against their notes, and returns
them; what cannot be explained is refused before a job starts."""

import pytest
from django.urls import reverse

from labeling.models import Membership, Prediction, Role
from labeling.services import predictions as prediction_service
from studio.jobs import execution
from tests.support.classifiers import SIGNALS, finetune, labeled_snapshot
from training.models import ModelVersion

pytestmark = pytest.mark.django_db


@pytest.fixture
def explained(client, project, manager, artifacts, django_capture_on_commit_callbacks):
    """A baseline's predictions for the snapshot's corpus, explained by a prediction job started through the API."""
    snapshot = labeled_snapshot(project, manager, django_capture_on_commit_callbacks, count=60)
    run, _report = finetune(manager, project, snapshot, django_capture_on_commit_callbacks)
    corpus = project.corpora.get()
    client.force_login(manager)
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(reverse("api-model-version-predict-corpus", args=[project.pk, run.output.pk]),
                              {"corpus": corpus.pk, "explain": True}, content_type="application/json")
    assert started.status_code == 201, started.content
    execution.execute(started.json()["id"], "w@host", {})
    return run.output, corpus


def test_a_prediction_job_keeps_each_notes_explanation(client, project, explained):
    version, corpus = explained
    stored = Prediction.objects.filter(version=version).select_related("document")
    assert stored.count() == corpus.documents.count()
    for prediction in stored[:10]:
        text, why = prediction.document.text, prediction.explanation
        assert why["label"] == prediction.labels.get().name and 0 < len(why["words"]) <= 12
        top = max(why["words"], key=lambda word: word["weight"])
        assert text[top["start"]:top["end"]] in SIGNALS[why["label"]].split()
    listed = client.get(reverse("api-document-predictions", args=[project.pk, stored[0].document_id])).json()
    assert listed[0]["explanation"]["label"] == stored[0].explanation["label"]


def test_the_annotate_page_highlights_the_explained_words_and_review_shows_them(
        client, project, manager, annotator, explained):
    version, _corpus = explained
    Membership.objects.filter(project=project, user=annotator).update(role=Role.ANNOTATOR)
    client.force_login(annotator)
    page = client.get(reverse("annotate", args=[project.pk])).content.decode()
    assert 'class="note-text annotate-note explained"' in page and 'id="prediction-why"' in page
    document = Prediction.objects.get(version=version, document_id=int(page.split('data-document="')[1].split('"')[0]))
    label = document.explanation["label"]
    top = max(document.explanation["words"], key=lambda word: word["weight"])
    word = document.document.text[top["start"]:top["end"]]
    assert f'<mark class="towards" title="towards {label}: {top["weight"]:+.3f}">{word}</mark>' in page
    assert "<kbd>w</kbd> hides or shows them" in page and "hide or show the words" in page
    client.force_login(manager)
    review = client.get(reverse("review-document", args=[project.pk, document.document_id])).content.decode()
    assert 'id="review-why"' in review and f'data-prediction="{document.pk}"' in review
    assert f'<span class="towards" title="{top["weight"]:.3f}">{word}</span>' in review


def test_a_note_marked_up_by_its_explanation_stays_escaped():
    from labeling.templatetags.labeling_text import explained as marked

    text = "<b>chest</b> pain\nand & more"
    html = marked(text, {"label": "A<", "words": [{"start": 13, "end": 17, "weight": 0.5},
                                                  {"start": 3, "end": 8, "weight": -0.25}]})
    assert html == ('&lt;b&gt;<mark class="away" title="away A&lt;: -0.250">chest</mark>&lt;/b&gt; '
                    '<mark class="towards" title="towards A&lt;: +0.500">pain</mark><br>and &amp; more')


def test_explanations_sent_through_the_api_are_checked_against_their_notes(client, project, manager, explained):
    _version, corpus = explained
    document = corpus.documents.first()
    url = reverse("api-prediction-list", args=[project.pk])
    client.force_login(manager)

    def send(explanation):
        return client.post(url, {"model_version": "outside model", "predictions": [
            {"document": document.pk, "labels": ["Cardiology"], "explanation": explanation}]},
            content_type="application/json")

    assert send({"label": "Cardiology", "words": [{"start": 0, "end": 4, "weight": 0.3}]}).status_code == 201
    stored = Prediction.objects.get(model_version="outside model")
    assert stored.explanation == {"label": "Cardiology", "words": [{"start": 0, "end": 4, "weight": 0.3}]}
    for bad, message in [({"label": "Nope", "words": []}, "explanation is"),
                         ({"label": "Cardiology", "words": [{"start": 5, "end": 10 ** 6, "weight": 1}]}, "inside"),
                         ({"label": "Cardiology", "words": [{"start": 0, "end": 2, "weight": "high"}]}, "a number"),
                         ({"label": "Cardiology", "words": [{"start": 0, "end": 1, "weight": 1}] * 51}, "at most")]:
        answer = send(bad)
        assert answer.status_code == 400 and message in answer.content.decode(), (bad, answer.content)
    with pytest.raises(prediction_service.PredictionError):
        prediction_service.record(project, "m", [{"document": document.pk, "explanation": "why not"}])


def test_what_cannot_be_explained_is_refused_before_a_job_starts(client, project, manager, explained):
    version, corpus = explained
    ModelVersion.objects.filter(pk=version.pk).update(lineage={**version.lineage, "runtime": "onnx"})
    client.force_login(manager)
    answer = client.post(reverse("api-model-version-predict-corpus", args=[project.pk, version.pk]),
                         {"corpus": corpus.pk, "explain": True}, content_type="application/json")
    assert answer.status_code == 400 and "cannot be explained" in answer.json()["detail"]
    page = client.get(reverse("model-version", args=[project.pk, version.pk])).content.decode()
    assert 'id="predict-explain"' not in page
