"""“No label applies” is an answer in multi-label projects: an annotation with an empty label set, given on the
annotate page (the n key's box), through the API, by a reviewer or in an imported file; counted in agreement and
kept in snapshots. In single-label projects an empty set is still refused; a form sent with nothing chosen is no
answer."""

import pyarrow.parquet as pq
import pytest
from django.urls import reverse

from labeling.models import Annotation, LabelSchema, Review
from labeling.services import agreement, dashboard, resolution, schema as schema_service, snapshots, tasks
from studio.jobs import execution
from tests.labeling.test_tasks import annotators, label_id, make_corpus

pytestmark = pytest.mark.django_db


def submit_api(client, project, document, labels):
    return client.post(reverse("api-document-annotation", args=[project.pk, document]), {"labels": labels},
                       content_type="application/json")


def test_an_empty_set_through_the_api_is_an_answer_only_in_multi_label_projects(client, project, annotator,
                                                                                 other_project):
    make_corpus(project, 3, kind=LabelSchema.Kind.MULTI)
    client.force_login(annotator)
    document = client.get(reverse("api-task-next", args=[project.pk])).json()["document"]["id"]
    answer = submit_api(client, project, document, [])
    assert answer.status_code == 201 and answer.json()["labels"] == []
    assert Annotation.objects.get(document_id=document).labels.count() == 0
    following = client.get(reverse("api-task-next", args=[project.pk])).json()
    assert following["progress"]["labeled_by_you"] == 1  # counted as labeled
    single = make_corpus(other_project, 1)
    other_project.memberships.create(user=annotator, role="annotator")
    refused = submit_api(client, other_project, single.documents.get().pk, [])
    assert refused.status_code == 400 and refused.json()["detail"] == "Choose a label first."


def test_the_annotate_page_needs_the_box_ticked_and_not_beside_labels(client, project, annotator):
    make_corpus(project, 3, kind=LabelSchema.Kind.MULTI)
    client.force_login(annotator)
    page = client.get(reverse("annotate", args=[project.pk])).content.decode()
    assert 'id="label-none"' in page and 'data-hotkey="n"' in page and "no label applies (multi-label" in page
    document = tasks.current(annotator, project).document
    url = reverse("annotate-submit", args=[project.pk, document.pk])
    nothing = client.post(url, {}, HTTP_HX_REQUEST="true")
    assert nothing.status_code == 400 and "Choose a label first, or “No label applies”." in nothing.content.decode()
    both = client.post(url, {"labels": [label_id(project)], "none": "1"}, HTTP_HX_REQUEST="true")
    assert both.status_code == 400 and "not both" in both.content.decode()
    assert not Annotation.objects.exists()
    saved = client.post(url, {"none": "1"}, HTTP_HX_REQUEST="true")
    assert saved.status_code == 200 and Annotation.objects.get(document=document).labels.count() == 0
    client.post(reverse("annotate-undo", args=[project.pk]), HTTP_HX_REQUEST="true")
    redo = client.get(reverse("annotate", args=[project.pk])).content.decode()
    assert "checked" in redo.split('id="label-none"')[1].split(">")[0]  # the answer as submitted, to keep or change


def test_a_label_keeps_its_n_key_and_single_label_pages_have_no_box(client, project, annotator, other_project):
    corpus = make_corpus(project, 1, kind=LabelSchema.Kind.MULTI)
    corpus.project.label_schema.labels.filter(name="Neurology").update(hotkey="n")
    client.force_login(annotator)
    page = client.get(reverse("annotate", args=[project.pk])).content.decode()
    assert 'id="label-none"' in page and page.count('data-hotkey="n"') == 1  # the label's, not the box's
    make_corpus(other_project, 1)
    other_project.memberships.create(user=annotator, role="annotator")
    assert 'id="label-none"' not in client.get(reverse("annotate", args=[other_project.pk])).content.decode()


def test_agreement_review_and_snapshots_count_the_answer(client, project, manager, reviewer,
                                                         django_capture_on_commit_callbacks):
    project.overlap = 2
    project.save()
    corpus = make_corpus(project, 2, kind=LabelSchema.Kind.MULTI)
    first, second = annotators(project, 2)
    quiet, noisy = corpus.documents.order_by("id")
    cardiology = project.label_schema.labels.get(name="Cardiology")
    for user in (first, second):
        tasks.submit(user, project, quiet, [])  # both: nothing applies
    tasks.submit(first, project, noisy, [cardiology.pk])
    tasks.submit(second, project, noisy, [])
    found = agreement.annotator_labels(document_id__in=[quiet.pk, noisy.pk])
    assert found[quiet.pk] == {first.pk: frozenset(), second.pk: frozenset()}
    assert found[noisy.pk] == {first.pk: frozenset({cardiology.pk}), second.pk: frozenset()}
    figures = agreement.project_agreement(project)
    assert figures["documents_compared"] == 2 and figures["disagreeing"] == [noisy.pk]
    counted = dashboard.figures(project)["labels"]
    assert counted[0] == {"name": "Cardiology", "count": 1} and counted[-1] == {
        "name": "No label applies", "none": True, "count": 3}
    client.force_login(reviewer)
    page = client.get(reverse("review-document", args=[project.pk, noisy.pk])).content.decode()
    assert "No label applies" in page
    settled = client.post(reverse("api-document-review", args=[project.pk, noisy.pk]), {"labels": []},
                          content_type="application/json")
    assert settled.status_code in (200, 201), settled.content
    assert Review.objects.get(document=noisy).labels.count() == 0
    rows = {row.id: (row.labels, row.rule) for row in resolution.resolve(project, [quiet.pk, noisy.pk])}
    assert rows == {quiet.pk: ((), resolution.MAJORITY), noisy.pk: ((), resolution.ADJUDICATED)}
    with django_capture_on_commit_callbacks(execute=True):
        snapshot = snapshots.start_snapshot(manager, project, name="with none", train_ratio=1, validation_ratio=0,
                                            test_ratio=0)
    execution.execute(snapshot.job_id, "w@host", {})
    snapshot.refresh_from_db()
    table = pq.read_table(snapshot.path).to_pylist()
    assert snapshot.status == "ready" and [row["labels"] for row in table] == [[], []]
    with pytest.raises(schema_service.SchemaError, match="say “no label applies”"):
        schema_service.update_schema(manager, project, kind=LabelSchema.Kind.SINGLE, guidelines="")
