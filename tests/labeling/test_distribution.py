"""Who gets which document: annotator pools, random and uncertainty order, and model predictions
shown as a pre-selection."""

import pytest
from django.db.models import Max, Min
from django.urls import reverse

from labeling.models import AnnotatorPool, Document, Prediction, Project
from labeling.services import browse, pools, predictions, tasks
from studio.models import AuditEvent
from tests.labeling.test_tasks import annotators, label_id, make_corpus


def bounded(corpus):
    ids = corpus.documents.aggregate(floor=Min("id"), ceiling=Max("id"))
    corpus.id_floor, corpus.id_ceiling = ids["floor"], ids["ceiling"]
    corpus.save()
    return corpus


@pytest.mark.django_db
def test_a_pool_goes_only_to_its_annotators_and_to_them_first(project, manager):
    corpus = make_corpus(project, 6)
    named, other = annotators(project, 2)
    Document.objects.filter(external_id__in=["d3", "d4"]).update(text="Chest pain radiating to the left arm.")
    pool = pools.create_pool(manager, project, name="Cardiology nurses", annotators=[named.pk], corpus=corpus,
                             document_filter=browse.DocumentFilter(query="chest pain"))
    assert pool.document_count == 2
    assert set(Document.objects.filter(pool=pool).values_list("external_id", flat=True)) == {"d3", "d4"}
    got = []
    for _ in range(6):
        assignment = tasks.next_assignment(other, project)
        if assignment is None:
            break
        got.append(assignment.document.external_id)
        tasks.submit(other, project, assignment.document, [label_id(project)])
    assert got == ["d0", "d1", "d2", "d5"]  # never the pool's documents
    assert tasks.next_assignment(named, project).document.external_id == "d3"  # the pool's come first
    event = AuditEvent.objects.get(verb="pool.create")
    assert event.details["documents"] == 2 and event.details["annotators"] == [named.username]


@pytest.mark.django_db
def test_removing_a_pool_gives_its_documents_to_everyone(project, manager):
    corpus = make_corpus(project, 2)
    named, other = annotators(project, 2)
    pool = pools.create_pool(manager, project, name="All", annotators=[named.pk], corpus=corpus)
    assert tasks.next_assignment(other, project) is None
    assert pools.delete_pool(manager, pool) == 2
    assert tasks.next_assignment(other, project).document.external_id == "d0"
    assert AuditEvent.objects.filter(verb="pool.delete").exists()


@pytest.mark.django_db
def test_a_pool_needs_a_name_members_and_a_fresh_name(project, manager, outsider):
    corpus = make_corpus(project, 1)
    (named,) = annotators(project, 1)
    for kwargs, message in [
        ({"name": " ", "annotators": [named.pk]}, "name"),
        ({"name": "P", "annotators": []}, "at least one"),
        ({"name": "P", "annotators": [outsider.pk]}, "not members"),
    ]:
        with pytest.raises(pools.PoolError, match=message):
            pools.create_pool(manager, project, corpus=corpus, **kwargs)
    pools.create_pool(manager, project, name="P", annotators=[named.pk], corpus=corpus)
    with pytest.raises(pools.PoolError, match="already"):
        pools.create_pool(manager, project, name="P", annotators=[named.pk], corpus=corpus)


@pytest.mark.django_db
def test_pools_through_the_api_and_the_browser(client, login, project, manager, annotator):
    corpus = make_corpus(project, 4)
    login(manager)
    url = reverse("api-pool-list", args=[project.pk])
    response = client.post(url, {"name": "Split test", "annotators": [annotator.pk], "corpus": corpus.pk,
                                 "filter": {"q": "Note 2"}}, content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["document_count"] == 1 and response.json()["annotators"] == [annotator.username]
    bad = client.post(url, {"name": "X", "annotators": [annotator.pk], "corpus": corpus.pk, "filter": {"split": "nope"}},
                      content_type="application/json")
    assert bad.status_code == 400 and "split" in bad.json()["detail"]
    assert client.get(url).json()[0]["name"] == "Split test"
    page = client.get(reverse("member-list", args=[project.pk]))
    assert b"Split test" in page.content
    pool = AnnotatorPool.objects.get()
    assert client.delete(reverse("api-pool-detail", args=[project.pk, pool.pk])).status_code == 204
    response = client.post(reverse("pool-create", args=[project.pk, corpus.pk]),
                           {"name": "Browser pool", "annotators": [annotator.pk], "split": ""})
    assert response.status_code == 302
    assert AnnotatorPool.objects.get().document_count == 4
    missing = client.post(reverse("pool-create", args=[project.pk, corpus.pk]), {"name": "No one"}, follow=True)
    assert b"Name at least one annotator" in missing.content


@pytest.mark.django_db
def test_random_order_hands_out_every_document_once(project):
    project.task_order = Project.TaskOrder.RANDOM
    project.save()
    bounded(make_corpus(project, 30))
    (user,) = annotators(project, 1)
    seen = []
    while (assignment := tasks.next_assignment(user, project)) is not None:
        seen.append(assignment.document.external_id)
        tasks.submit(user, project, assignment.document, [label_id(project)])
    assert sorted(seen) == sorted(f"d{i}" for i in range(30))
    assert seen != [f"d{i}" for i in range(30)]  # 1 chance in 30! to fail


@pytest.mark.django_db
def test_uncertainty_order_hands_out_the_least_certain_predictions_first(project, manager):
    project.task_order = Project.TaskOrder.UNCERTAINTY
    project.save()
    make_corpus(project, 5)
    ids = {document.external_id: document.pk for document in Document.objects.all()}
    predictions.record(project, "triage v1", [
        {"document": ids["d1"], "labels": ["Cardiology"], "scores": {"Cardiology": 0.9, "Neurology": 0.1}},
        {"document": ids["d3"], "labels": ["Neurology"], "scores": {"Cardiology": 0.45, "Neurology": 0.55}},
        {"document": ids["d4"], "labels": ["Cardiology"], "scores": {"Cardiology": 0.7}},
    ])
    (user,) = annotators(project, 1)
    order = []
    while (assignment := tasks.next_assignment(user, project)) is not None:
        order.append(assignment.document.external_id)
        tasks.submit(user, project, assignment.document, [label_id(project)])
    assert order == ["d3", "d4", "d1", "d0", "d2"]  # then the rest in order


@pytest.mark.django_db
def test_predictions_are_checked_and_replace_their_model_versions_earlier_ones(project):
    make_corpus(project, 2)
    first = Document.objects.get(external_id="d0")
    for items, message in [
        ([{"document": first.pk, "labels": ["Oncology"]}], "not one of the project's labels"),
        ([{"document": first.pk, "scores": {"Cardiology": 1.5}}], "from 0 to 1"),
        ([{"document": first.pk, "scores": {"Cardiology": True}}], "from 0 to 1"),
        ([{"document": 10 ** 9}], "not in this project"),
        ([{"document": first.pk}, {"document": first.pk}], "at most once"),
        ([], "at least one"),
    ]:
        with pytest.raises(predictions.PredictionError, match=message):
            predictions.record(project, "m", items)
    predictions.record(project, "m", [{"document": first.pk, "labels": ["Cardiology"], "scores": {"Cardiology": 0.8}}])
    predictions.record(project, "m", [{"document": first.pk, "labels": ["Neurology"], "scores": {"Neurology": 0.6}}])
    prediction = Prediction.objects.get()
    assert [label.name for label in prediction.labels.all()] == ["Neurology"]
    assert prediction.uncertainty == pytest.approx(0.4)


@pytest.mark.django_db
def test_the_annotate_page_and_the_api_show_the_prediction_pre_selected(client, login, project, manager, annotator):
    make_corpus(project, 1)
    document = Document.objects.get()
    login(manager)
    response = client.post(reverse("api-prediction-list", args=[project.pk]), {
        "model_version": "triage <b>v2</b>",
        "predictions": [{"document": document.pk, "labels": ["Respiratory"], "scores": {"Respiratory": 0.75}}],
    }, content_type="application/json")
    assert response.status_code == 201 and response.json() == {"stored": 1}
    login(annotator)
    task = client.get(reverse("api-task-next", args=[project.pk])).json()
    assert task["prediction"]["labels"] == ["Respiratory"] and task["prediction"]["model_version"] == "triage <b>v2</b>"
    page = client.get(reverse("annotate", args=[project.pk])).content.decode()
    assert "triage &lt;b&gt;v2&lt;/b&gt;" in page and "uncertainty 0.25" in page
    respiratory = label_id(project, "Respiratory")
    assert f'value="{respiratory}" data-hotkey="2" checked' in page
    listed = client.get(reverse("api-document-predictions", args=[project.pk, document.pk]))
    assert listed.status_code == 200 and listed.json()[0]["scores"] == {"Respiratory": 0.75}
    assert client.post(reverse("api-prediction-list", args=[project.pk]), {"model_version": "x", "predictions": []},
                       content_type="application/json").status_code == 403


@pytest.mark.django_db
def test_the_task_order_is_a_project_setting(client, login, project, manager):
    login(manager)
    response = client.patch(reverse("api-project-detail", args=[project.pk]), {"task_order": "random"},
                            content_type="application/json")
    assert response.status_code == 200 and response.json()["task_order"] == "random"
    assert client.patch(reverse("api-project-detail", args=[project.pk]), {"task_order": "loudest"},
                        content_type="application/json").status_code == 400
