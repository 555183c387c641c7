"""Spans come in with imported files in the shapes tools export (NCBI-style {start, end, label} with extra keys,
doccano's triples, Label Studio's values, a CSV cell of JSON), checked against their notes' text: a bad span
skips its row with a reason, its span labels are added, and a failed import takes them away again."""

import json

import pytest

from labeling.models import Annotation, LabelSchema, Span, SpanLabel
from labeling.services import schema as schema_service
from tests.support import importing

pytestmark = pytest.mark.django_db

TITLE = "Hereditary breast cancer in a family with ataxia-telangiectasia."


def jsonl(rows):
    return "\n".join(json.dumps(row) for row in rows).encode()


def stored(project):
    return {(annotation.document.external_id, annotation.source): [
        (span.start, span.end, span.label.name) for span in annotation.spans.all()]
        for annotation in Annotation.objects.filter(document__corpus__project=project)}


def test_spans_in_every_exported_shape_come_in_checked_against_their_text(
        project, manager, django_capture_on_commit_callbacks):
    rows = [
        {"pmid": "1", "text": TITLE, "spans": [  # NCBI: extra keys ignored
            {"start": 11, "end": 24, "label": "Disease", "text": "breast cancer", "concept": "D001943"},
            {"start": 42, "end": 63, "label": "Disease", "text": "ataxia-telangiectasia", "concept": "D001260"}]},
        {"pmid": "2", "text": TITLE, "spans": [[11, 24, "Disease"]]},  # doccano
        {"pmid": "3", "text": TITLE, "spans": [{"value": {"start": 0, "end": 10, "labels": ["Modifier"]}}]},  # LS
        {"pmid": "4", "text": TITLE, "spans": []},  # an answer: nothing to mark
        {"pmid": "5", "text": TITLE},  # no field: unlabeled
        {"pmid": "6", "text": TITLE, "spans": [{"start": 60, "end": 90, "label": "Disease"}]},
        {"pmid": "7", "text": TITLE, "spans": "not spans"},
    ]
    corpus, job, _status = importing.run(manager, project, "ncbi.jsonl", jsonl(rows),
                                         django_capture_on_commit_callbacks, text_field="text", id_field="pmid",
                                         span_field="spans")
    assert job.status == "succeeded", job.error
    assert corpus.document_count == 5 and corpus.error_count == 2
    assert corpus.errors == [[6, "Span 1 (60–90, “Disease”): ends outside the note, whose text has 64 characters."],
                             [7, "the span field 'spans' holds no JSON list of spans"]]
    assert stored(project) == {("1", "imported"): [(11, 24, "Disease"), (42, 63, "Disease")],
                               ("2", "imported"): [(11, 24, "Disease")], ("3", "imported"): [(0, 10, "Modifier")],
                               ("4", "imported"): []}
    assert TITLE[11:24] == "breast cancer" and TITLE[42:63] == "ataxia-telangiectasia"
    assert [label.name for label in SpanLabel.objects.filter(schema__project=project)] == ["Disease", "Modifier"]
    assert job.metrics["span_labels_added"] == 2


def test_a_csv_cell_of_json_spans_and_a_project_that_labels_documents_too(
        project, manager, django_capture_on_commit_callbacks):
    schema_service.add_label(manager, project, name="Oncology")
    spans = json.dumps([{"start": 11, "end": 24, "label": "Disease"}]).replace('"', '""')
    data = (f'id,text,topic,spans\na,{TITLE},Oncology,"{spans}"\nb,{TITLE},,"{spans}"\n').encode()
    corpus, job, _status = importing.run(manager, project, "notes.csv", data, django_capture_on_commit_callbacks,
                                         text_field="text", id_field="id", label_fields=["topic"], span_field="spans")
    assert job.status == "succeeded", job.error
    assert corpus.errors == [[3, "spans without the note's document labels, which this project also asks for"]]
    annotation = Annotation.objects.get(document__external_id="a")
    assert [label.name for label in annotation.labels.all()] == ["Oncology"]
    assert [(span.start, span.end) for span in annotation.spans.all()] == [(11, 24)]


def test_a_failed_import_takes_its_span_labels_away_again(project, manager, django_capture_on_commit_callbacks):
    rows = [{"id": str(number), "text": TITLE, "spans": [[0, 10, f"Label {number}"]]} for number in range(3)]
    rows.append({"id": "x", "text": TITLE, "spans": [[0, 99, "Label 0"]]})
    corpus, job, _status = importing.run(manager, project, "bad.jsonl", jsonl(rows), django_capture_on_commit_callbacks,
                                         text_field="text", id_field="id", span_field="spans", max_errors=0)
    assert job.status == "failed" and "More than 0 rows" in job.error
    assert not SpanLabel.objects.exists() and not Span.objects.exists()
    assert LabelSchema.objects.filter(project=project).exists()


def test_the_span_field_cannot_be_the_text(project, manager, django_capture_on_commit_callbacks):
    from labeling.importing.sources import ImportFileError

    with pytest.raises(ImportFileError, match="mapped as the text"):
        importing.run(manager, project, "x.jsonl", jsonl([{"text": TITLE}]), django_capture_on_commit_callbacks,
                      text_field="text", span_field="text")


def test_the_map_page_guesses_the_spans_column_and_the_labels_page_shows_span_labels(
        client, manager, project, artifacts, django_capture_on_commit_callbacks):
    from django.urls import reverse

    from labeling.models import Corpus
    from studio.jobs import execution
    from studio.models import Job
    from tests.support.importing import upload

    client.force_login(manager)
    stored = upload(manager, project, "ncbi.jsonl",
                    jsonl([{"pmid": "1", "text": TITLE, "spans": [[11, 24, "Disease"]]}]))
    url = reverse("upload-map", kwargs={"pk": project.pk, "upload_pk": stored.pk})
    page = client.get(url).content.decode()
    assert '<option value="spans" selected>' in page and 'name="label_fields" value="spans" checked' not in page
    refused = client.post(url, {"format": "jsonl", "name": "A", "text_field": "text", "span_field": "text"})
    assert refused.status_code == 400 and "spans column cannot also be the text" in refused.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"format": "jsonl", "name": "A", "text_field": "text", "id_field": "pmid",
                                     "span_field": "spans"})
    assert response.status_code == 302
    execution.execute(Job.objects.get(kind="import").pk, "w@host", {})
    assert Corpus.objects.get().status == "ready"
    assert [(span.start, span.end, span.label.name) for span in Span.objects.all()] == [(11, 24, "Disease")]
    labels_page = reverse("label-list", kwargs={"pk": project.pk})
    added = client.post(reverse("label-add", kwargs={"pk": project.pk}),
                        {"new-name": "Drug", "new-color": "#00aa00", "new-span": "on"})
    assert added.status_code == 302
    saved = client.post(reverse("schema-update", kwargs={"pk": project.pk}),
                        {"kind": "single", "guidelines": "", "spans_overlap": "on", "span_unit": "character"})
    assert saved.status_code == 302
    html = client.get(labels_page).content.decode()
    table = html[html.index('id="span-labels"'):html.index("</table>", html.index('id="span-labels"'))]
    assert "Disease" in table and "Drug" in table and "<td>1</td>" in table  # one Disease span marked
    assert "spans may overlap (nested entities)" in html and "snaps to characters" in html
    assert [label.name for label in SpanLabel.objects.order_by("position")] == ["Disease", "Drug"]
