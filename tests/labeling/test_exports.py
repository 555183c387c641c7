"""Exports: every annotation or the resolved labels, as JSON Lines or CSV, streamed, escaped, audited."""

import csv
import io
import json

import pytest
from django.urls import reverse

from labeling.models import Document
from labeling.services import exports, tasks
from studio.models import AuditEvent
from tests.labeling.test_tasks import annotators, label_id, make_corpus


@pytest.fixture
def labeled(project):
    project.overlap = 2
    project.save()
    make_corpus(project, 3)
    first, second = annotators(project, 2)
    Document.objects.filter(external_id="d0").update(text='=HYPERLINK("http://evil.example","click")')
    for document in Document.objects.order_by("id"):
        tasks.submit(first, project, document, [label_id(project)], comment="@SUM(A1:A9)")
        tasks.submit(second, project, document, [label_id(project, "Respiratory" if document.external_id == "d2"
                                                          else "Cardiology")])
    return first, second


def _body(response):
    assert response.streaming
    return b"".join(response.streaming_content).decode()


@pytest.mark.parametrize("value,expected", [
    ("=1+2", "'=1+2"), ("+1", "'+1"), ("-2", "'-2"), ("@A1", "'@A1"), ("\tx", "'\tx"), ("\rx", "'\rx"),
    ("plain", "plain"), ("", ""), (7, 7), (None, None),
])
def test_spreadsheet_formulas_are_neutralised(value, expected):
    assert exports.spreadsheet_safe(value) == expected


@pytest.mark.django_db
def test_every_annotation_as_jsonl_and_csv(client, login, project, manager, labeled):
    login(manager)
    response = client.get(reverse("api-label-export", args=[project.pk]), {"format": "jsonl", "content": "annotations"})
    assert response.status_code == 200 and response["Content-Type"] == "application/x-ndjson"
    assert 'filename="project-' in response["Content-Disposition"]
    lines = [json.loads(line) for line in _body(response).splitlines()]
    assert len(lines) == 6
    assert {line["annotator"] for line in lines} == {"clinician-0", "clinician-1"}
    assert lines[0]["text"].startswith("=HYPERLINK") and lines[0]["labels"] == ["Cardiology"]
    response = client.get(reverse("label-export", args=[project.pk]), {"format": "csv", "content": "annotations"})
    rows = list(csv.DictReader(io.StringIO(_body(response))))
    assert len(rows) == 6 and rows[0]["text"].startswith("'=HYPERLINK") and rows[0]["comment"] == "'@SUM(A1:A9)"
    assert AuditEvent.objects.filter(verb="labels.export").count() == 2


@pytest.mark.django_db
def test_resolved_labels_leave_ties_out(client, login, project, manager, labeled):
    login(manager)
    response = client.get(reverse("api-label-export", args=[project.pk]), {"format": "csv", "content": "resolved"})
    rows = list(csv.DictReader(io.StringIO(_body(response))))
    assert [row["external_id"] for row in rows] == ["d0", "d1"]  # d2's two annotators disagree
    assert rows[1]["labels"] == "Cardiology" and rows[1]["rule"] == "majority" and rows[1]["annotators"] == "2"


@pytest.mark.django_db
def test_a_large_export_streams_in_chunks(project, manager, monkeypatch):
    monkeypatch.setattr(exports, "BATCH", 100)  # several database batches, several chunks
    make_corpus(project, 1)
    (user,) = annotators(project, 1)
    corpus = project.corpora.get()
    Document.objects.bulk_create(Document(corpus=corpus, external_id=f"x{i}", text="t", content_hash=str(i), length=1)
                                 for i in range(450))
    label = label_id(project)
    for document in Document.objects.filter(external_id__startswith="x"):
        tasks.submit(user, project, document, [label])
    _name, _type, chunks = exports.export(manager, project, "csv", "annotations")
    pieces = list(chunks)
    assert len(pieces) >= 3 and sum(piece.count(b"\n") for piece in pieces) == 451


@pytest.mark.django_db
def test_unknown_format_or_content_is_refused(client, login, project, manager, annotator):
    login(manager)
    response = client.get(reverse("api-label-export", args=[project.pk]), {"format": "xlsx"})
    assert response.status_code == 400 and "format must be one of" in response.json()["detail"]
    response = client.get(reverse("label-export", args=[project.pk]), {"format": "csv", "content": "all"}, follow=True)
    assert "content must be one of" in response.content.decode()
    login(annotator)
    assert client.get(reverse("api-label-export", args=[project.pk]), {"format": "csv"}).status_code == 403
