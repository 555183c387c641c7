"""Spans on notes: span labels beside document labels (one keyboard for both), spans checked before they are
stored (offsets inside the text and in order, a known label, overlap only where the project allows it), stored
with the annotation's version, and a project that labels spans only."""

import json

import pytest
from django.urls import reverse

from labeling.models import Corpus, Document, LabelSchema, Span, SpanLabel
from labeling.services import schema as schema_service
from labeling.services.schema import SchemaError
from labeling.services.spans import SpanError, check_spans
from studio.artifacts import store

pytestmark = pytest.mark.django_db

TEXT = "Left breast cancer, on <b>tamoxifen</b> 20 mg."


def span_project(project, manager, labels=("Problem", "Drug"), document_labels=()):
    for name in document_labels:
        schema_service.add_label(manager, project, name=name, key_it=True)
    for name in labels:
        schema_service.add_label(manager, project, name=name, key_it=True, span=True)
    corpus = Corpus.objects.create(project=project, name="Notes", status=Corpus.Status.READY, document_count=2)
    Document.objects.bulk_create(Document(corpus=corpus, external_id=f"d{i}", text=TEXT, content_hash=str(i),
                                          length=len(TEXT)) for i in range(2))
    return LabelSchema.objects.get(project=project)


@pytest.mark.parametrize(("spans", "said"), [
    ([{"start": 5, "end": 60, "label": "Problem"}], "Span 1 (5–60, “Problem”): ends outside the note, whose text "
                                                    "has 46 characters."),
    ([{"start": 18, "end": 5, "label": "Problem"}],
     "Span 1 (18–5, “Problem”): start must be at least 0 and before end."),
    ([{"start": 5, "end": 5, "label": "Problem"}], "start must be at least 0 and before end"),
    ([{"start": -1, "end": 5, "label": "Problem"}], "start must be at least 0"),
    ([{"start": 0, "end": 4, "label": "Dose"}], "Span 1 (0–4, “Dose”): no span label of that name in this project "
                                                "(there: Drug, Problem)."),
    ([{"start": 0, "end": 18, "label": "Problem"}, {"start": 5, "end": 11, "label": "Problem"}],
     "Span 2 (5–11, “Problem”): overlaps span 1 (0–18, “Problem”), and this project keeps spans apart."),
    ([{"start": 0, "end": 4, "label": "Drug"}, {"start": 0, "end": 4, "label": "Drug"}], "the same as span 1"),
    ([{"start": True, "end": 4, "label": "Drug"}], "start and end are whole character offsets"),
    ([{"start": 0, "end": 4}], "no span label of that name"),
    ([["0", "4", "Drug"]], "Span 1: an object with start, end and label."),
    ({"start": 0}, "spans: a list of {start, end, label}."),
])
def test_a_span_that_is_not_whole_is_refused_with_its_number_and_the_reason(project, manager, spans, said):
    schema = span_project(project, manager)
    with pytest.raises(SpanError, match=None) as refused:
        check_spans(schema, TEXT, spans)
    assert said in str(refused.value)


def test_nested_spans_pass_where_the_project_allows_overlap(project, manager):
    schema = span_project(project, manager)
    nested = [{"start": 0, "end": 18, "label": "Problem"}, {"start": 0, "end": 11, "label": "Problem"}]
    schema_service.update_schema(manager, project, kind=schema.kind, guidelines="", spans_overlap=True)
    schema.refresh_from_db()
    checked = check_spans(schema, TEXT, nested)
    assert [(start, end, label.name) for start, end, label in checked] == [(0, 11, "Problem"), (0, 18, "Problem")]


def test_span_labels_share_the_keyboard_with_document_labels(project, manager):
    span_project(project, manager, labels=("Problem",), document_labels=("Oncology",))
    schema = LabelSchema.objects.get(project=project)
    assert schema.labels.get().hotkey == "1" and schema.span_labels.get().hotkey == "2"  # the next free key
    with pytest.raises(SchemaError, match="The key '1' belongs to another label already"):
        schema_service.add_label(manager, project, name="Drug", hotkey="1", span=True)
    problem = schema.labels.get()
    with pytest.raises(SchemaError, match="The key '2' belongs to another label already"):
        schema_service.update_label(manager, problem, hotkey="2")
    with pytest.raises(SchemaError, match="There is a span label “Problem” already"):
        schema_service.add_label(manager, project, name="Problem", span=True)


def test_spans_through_the_api_with_the_annotation_s_version(client, project, manager, annotator, other_project):
    client.force_login(manager)
    for name in ("Problem", "Drug"):
        created = client.post(reverse("api-label-list", args=[project.pk]), {"name": name, "span": True},
                              content_type="application/json")
        assert created.status_code == 201, created.content
    span_project(project, manager, labels=())
    schema = client.get(reverse("api-schema-detail", args=[project.pk])).json()
    assert [label["name"] for label in schema["span_labels"]] == ["Problem", "Drug"] and schema["labels"] == []
    assert schema["spans_overlap"] is False and schema["span_unit"] == "word"
    client.force_login(annotator)
    document = client.get(reverse("api-task-next", args=[project.pk])).json()["document"]["id"]
    url = reverse("api-document-annotation", args=[project.pk, document])
    spans = [{"start": 26, "end": 35, "label": "Drug"}, {"start": 0, "end": 18, "label": "Problem"}]
    created = client.post(url, {"labels": [], "spans": spans}, content_type="application/json")
    assert created.status_code == 201, created.content
    assert created.json()["spans"] == [{"start": 0, "end": 18, "label": "Problem"},
                                       {"start": 26, "end": 35, "label": "Drug"}]  # in text order
    assert TEXT[26:35] == "tamoxifen" and client.get(url).json()["spans"] == created.json()["spans"]
    refused = client.post(url, {"labels": [], "spans": [{"start": 0, "end": 99, "label": "Drug"}], "version": 1},
                          content_type="application/json")
    assert refused.status_code == 400 and "ends outside the note" in refused.json()["detail"]
    changed = client.post(url, {"labels": [], "spans": spans[:1], "version": 1}, content_type="application/json")
    assert changed.status_code == 200 and changed.json()["version"] == 2 and len(changed.json()["spans"]) == 1
    stale = client.post(url, {"labels": [], "spans": [], "version": 1}, content_type="application/json")
    assert stale.status_code == 409 and Span.objects.count() == 1  # nothing lost
    kept = client.post(url, {"labels": [], "version": 2}, content_type="application/json")  # spans left out
    assert kept.status_code == 200 and kept.json()["spans"] == [{"start": 26, "end": 35, "label": "Drug"}]
    nothing = client.post(url, {"labels": [], "version": 3}, content_type="application/json")
    assert nothing.status_code == 200  # the spans it has are the answer
    elsewhere = Document.objects.create(corpus=Corpus.objects.create(project=other_project, name="x"),
                                        external_id="x", text="x", content_hash="x", length=1)
    foreign = client.post(reverse("api-document-annotation", args=[project.pk, elsewhere.pk]),
                          {"labels": [], "spans": []}, content_type="application/json")
    assert foreign.status_code == 404


def test_a_project_with_document_labels_still_needs_one_beside_its_spans(client, project, manager, annotator):
    span_project(project, manager, labels=("Problem",), document_labels=("Oncology",))
    client.force_login(annotator)
    document = client.get(reverse("api-task-next", args=[project.pk])).json()["document"]["id"]
    url = reverse("api-document-annotation", args=[project.pk, document])
    refused = client.post(url, {"labels": [], "spans": [{"start": 0, "end": 4, "label": "Problem"}]},
                          content_type="application/json")
    assert refused.status_code == 400 and refused.json()["detail"] == "Choose a label first."
    oncology = LabelSchema.objects.get(project=project).labels.get().pk
    both = client.post(url, {"labels": [oncology], "spans": [{"start": 0, "end": 4, "label": "Problem"}]},
                       content_type="application/json")
    assert both.status_code == 201 and both.json()["labels"] == [oncology] and len(both.json()["spans"]) == 1


def test_overlap_cannot_be_switched_off_while_spans_overlap(client, project, manager, annotator):
    schema = span_project(project, manager, labels=("Problem",))
    schema_service.update_schema(manager, project, kind=schema.kind, guidelines="", spans_overlap=True)
    client.force_login(annotator)
    document = client.get(reverse("api-task-next", args=[project.pk])).json()["document"]["id"]
    nested = [{"start": 0, "end": 18, "label": "Problem"}, {"start": 5, "end": 11, "label": "Problem"}]
    assert client.post(reverse("api-document-annotation", args=[project.pk, document]),
                       {"labels": [], "spans": nested}, content_type="application/json").status_code == 201
    client.force_login(manager)
    refused = client.put(reverse("api-schema-detail", args=[project.pk]),
                         {"kind": "single", "spans_overlap": False}, content_type="application/json")
    assert refused.status_code == 400 and "1 annotation hold overlapping spans" in refused.json()["detail"]
    assert LabelSchema.objects.get(project=project).spans_overlap is True
    kept = client.put(reverse("api-schema-detail", args=[project.pk]), {"kind": "single", "span_unit": "character"},
                      content_type="application/json")
    assert kept.status_code == 200 and kept.json()["spans_overlap"] is True and kept.json()["span_unit"] == "character"
    assert SpanLabel.objects.filter(schema__project=project).count() == 1


def test_a_corpus_or_project_with_spans_deletes_whole_and_a_span_label_in_use_stays(client, project, manager,
                                                                                    annotator):
    from django.db.models import RestrictedError

    from labeling.services import corpora

    span_project(project, manager, labels=("Problem",))
    client.force_login(annotator)
    document = client.get(reverse("api-task-next", args=[project.pk])).json()["document"]["id"]
    client.post(reverse("api-document-annotation", args=[project.pk, document]),
                {"labels": [], "spans": [{"start": 0, "end": 4, "label": "Problem"}]}, content_type="application/json")
    with pytest.raises(RestrictedError):
        SpanLabel.objects.get().delete()
    corpora.delete_project_data(project)
    assert not Span.objects.exists() and not SpanLabel.objects.exists()


def test_the_annotate_page_sends_spans_and_a_refused_span_comes_back_with_the_reason(client, project, manager,
                                                                                       annotator):
    import json

    span_project(project, manager, labels=("Problem",))
    client.force_login(annotator)
    page = client.get(reverse("annotate", args=[project.pk])).content.decode()
    assert 'id="note-text-data"' in page and 'data-span-label="Problem"' in page and 'name="spans"' in page
    document = Document.objects.get(pk=int(page.split('data-document="')[1].split('"')[0]))
    url = reverse("annotate-submit", args=[project.pk, document.pk])
    wrong = [{"start": 0, "end": 99, "label": "Problem"}]
    refused = client.post(url, {"spans": json.dumps(wrong)}, HTTP_HX_REQUEST="true")
    body = refused.content.decode()
    assert refused.status_code == 400 and "ends outside the note" in body and '"end": 99' in body  # kept on screen
    garbled = client.post(url, {"spans": "[{"}, HTTP_HX_REQUEST="true")
    assert garbled.status_code == 400 and "garbled" in garbled.content.decode()
    done = client.post(url, {"spans": json.dumps([{"start": 0, "end": 4, "label": "Problem"}])}, HTTP_HX_REQUEST="true")
    assert done.status_code == 200 and Span.objects.get().end == 4 and document.annotations.count() == 1


def test_snapshots_carry_resolved_spans_as_a_parquet_column_and_spacy_s_training_files(
        client, project, manager, artifacts, django_capture_on_commit_callbacks):
    import json
    import zipfile

    import pyarrow.parquet as pq
    import spacy
    from spacy.tokens import DocBin

    from labeling.models import Annotation, DatasetSnapshot
    from labeling.services import snapshots
    from studio.jobs import execution
    from tests.labeling.test_tasks import annotators

    schema = span_project(project, manager, labels=("Problem", "Drug"))
    problem, drug = schema.span_labels.get(name="Problem"), schema.span_labels.get(name="Drug")
    first, second, third = annotators(project, 3)
    notes = list(Document.objects.filter(corpus__project=project).order_by("id"))
    extra = Document.objects.create(corpus=notes[0].corpus, external_id="d2", text=TEXT, content_hash="2",
                                    length=len(TEXT))
    marks = {  # note 1: two of three agree; note 2: one annotator; d2: a tie, its spans unresolved
        notes[0]: {first: [(0, 18, problem)], second: [(0, 18, problem)], third: [(26, 35, drug)]},
        notes[1]: {first: [(26, 35, drug), (0, 18, problem)]},
        extra: {first: [(0, 4, problem)], second: []},
    }
    for note, by in marks.items():
        for user, spans in by.items():
            annotation = Annotation.objects.create(document=note, annotator=user)
            Span.objects.bulk_create(Span(annotation=annotation, start=start, end=end, label=label)
                                     for start, end, label in spans)
    with django_capture_on_commit_callbacks(execute=True):
        snapshot = snapshots.start_snapshot(manager, project, name="spans", train_ratio=1, validation_ratio=0,
                                            test_ratio=0)
    execution.execute(snapshot.job_id, "w@host", {})
    snapshot = DatasetSnapshot.objects.get(pk=snapshot.pk)
    assert snapshot.status == "ready" and snapshot.row_count == 3 and snapshot.unresolved == 0
    table = pq.read_table(snapshot.path)
    assert "spans" in table.column_names and "label" not in table.column_names
    rows = {row["external_id"]: row for row in table.to_pylist()}
    assert rows["d0"]["spans"] == [{"start": 0, "end": 18, "label": "Problem"}] and rows["d0"]["rule"] == "majority"
    assert rows["d1"]["spans"] == [{"start": 0, "end": 18, "label": "Problem"},
                                   {"start": 26, "end": 35, "label": "Drug"}]
    assert rows["d2"]["spans"] is None  # the tie: kept for its labels, left out of span models' training
    assert snapshot.counts["train"] == {"span: Problem": 2, "span: Drug": 1}
    assert snapshot.split_sizes == {"train": 3, "validation": 0, "test": 0}  # notes, not the spans they hold
    metadata = json.loads(table.schema.metadata[snapshots.METADATA_KEY])
    assert metadata["span_labels"] == ["Problem", "Drug"] and metadata["labels"] == []
    assert metadata["unresolved_spans"] == 1
    archive = zipfile.ZipFile(store().fetch(snapshot.spacy_key))
    assert archive.namelist() == ["train.spacy"]  # the validation and test splits are empty
    docs = {doc.user_data["document_id"]: doc for doc in
            DocBin().from_bytes(archive.read("train.spacy")).get_docs(spacy.blank("en").vocab)}
    both = docs[notes[1].pk]
    assert [(span.start_char, span.end_char, span.label_) for span in both.spans["sc"]] == [
        (0, 18, "Problem"), (26, 38, "Drug")]  # “tamoxifen” widened to its token, “tamoxifen</b”
    assert [(entity.text, entity.label_) for entity in both.ents] == [("Left breast cancer", "Problem"),
                                                                    ("tamoxifen</b", "Drug")]
    assert not docs[extra.pk].ents and docs[extra.pk].text == TEXT  # a tie: no spans to learn
    client.force_login(manager)
    page = client.get(reverse("snapshot-detail", args=[project.pk, snapshot.pk])).content.decode()
    assert 'id="snapshot-spacy"' in page
    for name in ("snapshot-spacy", "api-snapshot-spacy"):
        download = client.get(reverse(name, args=[project.pk, snapshot.pk]))
        assert download.status_code == 200 and download["Content-Type"] == "application/zip"
        assert b"".join(download.streaming_content) == store().fetch(snapshot.spacy_key).read_bytes()


def test_exports_carry_spans_and_conll_tags_whitespace_tokens(client, project, manager, annotator):
    import json

    span_project(project, manager, labels=("Problem", "Drug"))
    client.force_login(annotator)
    document = client.get(reverse("api-task-next", args=[project.pk])).json()["document"]["id"]
    spans = [{"start": 5, "end": 18, "label": "Problem"}, {"start": 26, "end": 35, "label": "Drug"}]
    client.post(reverse("api-document-annotation", args=[project.pk, document]), {"labels": [], "spans": spans},
                content_type="application/json")
    client.force_login(manager)
    url = reverse("api-label-export", args=[project.pk])
    lines = b"".join(client.get(url, {"format": "jsonl", "content": "annotations"}).streaming_content).splitlines()
    assert json.loads(lines[0])["spans"] == spans
    resolved = b"".join(client.get(url, {"format": "csv", "content": "resolved"}).streaming_content).decode()
    assert resolved.splitlines()[0].endswith(",spans") and '""start"": 5' in resolved
    conll = b"".join(client.get(url, {"format": "conll", "content": "resolved"}).streaming_content).decode()
    assert conll.splitlines()[:8] == ["-DOCSTART- d0", "", "Left\tO", "breast\tB-Problem", "cancer,\tI-Problem",
                                      "on\tO", "<b>tamoxifen</b>\tB-Drug", "20\tO"]
    refused = client.get(url, {"format": "conll", "content": "annotations"})
    assert refused.status_code == 400 and "content=resolved" in refused.json()["detail"]
    page = client.get(reverse("dataset-list", args=[project.pk])).content.decode()
    assert 'id="export-conll"' in page


def test_predicted_spans_are_checked_ordered_by_their_least_certain_and_pre_selected(client, project, manager,
                                                                                     annotator):
    span_project(project, manager, labels=("Problem", "Drug"))
    client.force_login(manager)
    first, second = Document.objects.filter(corpus__project=project).order_by("id")
    url = reverse("api-prediction-list", args=[project.pk])
    sent = {"model_version": "phi-patterns", "predictions": [
        {"document": first.pk, "spans": [{"start": 26, "end": 35, "label": "Drug", "score": 0.9},
                                         {"start": 0, "end": 18, "label": "Problem", "score": 0.6}]},
        {"document": second.pk, "spans": [{"start": 0, "end": 4, "label": "Problem", "score": 0.95}]}]}
    assert client.post(url, sent, content_type="application/json").status_code == 201
    from labeling.models import Prediction

    stored = Prediction.objects.get(document=first)
    assert stored.spans == [{"start": 0, "end": 18, "label": "Problem", "score": 0.6},
                            {"start": 26, "end": 35, "label": "Drug", "score": 0.9}]
    assert stored.uncertainty == pytest.approx(0.4)  # its least certain span
    bad = {"model_version": "x", "predictions": [{"document": first.pk, "spans": [
        {"start": 0, "end": 99, "label": "Drug", "score": 0.5}]}]}
    refused = client.post(url, bad, content_type="application/json")
    assert refused.status_code == 400 and "Prediction 1: Span 1 (0–99" in refused.json()["detail"]
    unscored = {"model_version": "x", "predictions": [{"document": first.pk, "spans": [
        {"start": 0, "end": 4, "label": "Drug"}]}]}
    assert "score from 0 to 1" in client.post(url, unscored, content_type="application/json").json()["detail"]
    client.force_login(annotator)
    page = client.get(reverse("annotate", args=[project.pk])).content.decode()
    assert "2 spans, each with its score" in page and '"score": 0.6' in page  # pre-selected on the note


def test_spans_that_differ_are_a_disagreement_a_reviewer_settles(client, project, manager, reviewer):
    from labeling.models import Annotation, Prediction, Review
    from labeling.services import resolution
    from tests.labeling.test_tasks import annotators

    schema = span_project(project, manager, labels=("Problem", "Drug"))
    problem = schema.span_labels.get(name="Problem")
    first, second = annotators(project, 2)
    note = Document.objects.filter(corpus__project=project).order_by("id").first()
    marked = []
    for user, end in ((first, 18), (second, 11)):
        annotation = Annotation.objects.create(document=note, annotator=user)
        Span.objects.create(annotation=annotation, label=problem, start=0, end=end)
        marked.append(annotation)
    Prediction.objects.create(project=project, document=note, model_version="ner v1",
                              spans=[{"start": 5, "end": 18, "label": "Problem", "score": 0.61}])
    client.force_login(reviewer)
    listed = client.get(reverse("api-disagreements", args=[project.pk])).json()
    assert [row["id"] for row in listed["results"]] == [note.pk]
    page = client.get(reverse("review-document", args=[project.pk, note.pk])).content.decode()
    assert "Problem: “Left breast cancer”" in page and "Problem: “Left breast”" in page  # who marked what
    assert 'id="note-spans-data"' in page and 'data-span-label="Drug"' in page  # the final set to settle
    copies = [f'data-spans="spans-of-annotation-{annotation.pk}"' for annotation in marked]
    assert all(copy in page for copy in copies) and 'data-spans="spans-of-prediction-' in page  # side by side
    assert "<strong>ner v1</strong> · 1 span (predicted)" in page
    predicted = page.split('data-spans="spans-of-prediction-')[1].split('"')[0]
    script = page.split(f'<script id="spans-of-prediction-{predicted}" type="application/json">')[1].split("</script>")[0]
    assert json.loads(script) == [{"start": 5, "end": 18, "label": "Problem", "score": 0.61}]
    assert list(resolution.resolve(project, [note.pk], spans=True))[0].spans is None  # a tie, until settled
    final = [{"start": 0, "end": 18, "label": "Problem"}, {"start": 26, "end": 35, "label": "Drug"}]
    settled = client.post(reverse("api-document-review", args=[project.pk, note.pk]), {"labels": [], "spans": final},
                          content_type="application/json")
    assert settled.status_code == 201 and settled.json()["review"]["spans"] == final
    assert [annotation["spans"] for annotation in settled.json()["annotations"]] == [
        [{"start": 0, "end": 18, "label": "Problem"}], [{"start": 0, "end": 11, "label": "Problem"}]]
    assert list(resolution.resolve(project, [note.pk], spans=True))[0].spans == ((0, 18, "Problem"),
                                                                                 (26, 35, "Drug"))
    refused = client.post(reverse("review-document", args=[project.pk, note.pk]),
                          {"spans": '[{"start": 0, "end": 99, "label": "Drug"}]'})
    assert refused.status_code == 400 and "ends outside the note" in refused.content.decode()
    assert Review.objects.get(document=note).spans == final  # unchanged


def test_span_labels_are_renamed_rekeyed_and_deleted_in_the_browser_and_the_api(client, project, manager, annotator,
                                                                                other_project):
    schema = span_project(project, manager, document_labels=("Urgent",))
    problem, drug = schema.span_labels.get(name="Problem"), schema.span_labels.get(name="Drug")
    client.force_login(annotator)
    document = client.get(reverse("api-task-next", args=[project.pk])).json()["document"]["id"]
    saved = client.post(reverse("api-document-annotation", args=[project.pk, document]),
                        {"labels": [schema.labels.get().pk], "spans": [{"start": 0, "end": 4, "label": "Problem"}]},
                        content_type="application/json")
    assert saved.status_code == 201, saved.content
    client.force_login(manager)
    page = client.get(reverse("label-list", args=[project.pk])).content.decode()
    assert f'name="span-label-{problem.pk}-name" value="Problem"' in page and 'id="span-labels-save"' in page
    rows = {f"span-label-{label.pk}-{field}": getattr(label, field)
            for label in (problem, drug) for field in ("name", "description", "color", "hotkey", "version")}
    taken = schema.labels.get().hotkey  # a document label's key is refused to a span label
    save = reverse("span-labels-save", args=[project.pk])
    refused = client.post(save, {**rows, f"span-label-{drug.pk}-hotkey": taken})
    assert refused.status_code == 400 and "belongs to another label" in refused.content.decode()
    swapped = {**rows, f"span-label-{problem.pk}-name": "Diagnosis", f"span-label-{problem.pk}-hotkey": drug.hotkey,
               f"span-label-{drug.pk}-hotkey": problem.hotkey}
    assert client.post(save, swapped).status_code == 302
    problem.refresh_from_db()
    assert problem.name == "Diagnosis" and Span.objects.get().label == problem  # the span keeps its label
    api = client.patch(reverse("api-span-label-detail", args=[project.pk, drug.pk]),
                       {"description": "A medicine", "version": drug.version + 1}, content_type="application/json")
    assert api.status_code == 200 and api.json()["description"] == "A medicine", api.content
    stale = client.patch(reverse("api-span-label-changes", args=[project.pk]),
                         {"labels": [{"id": drug.pk, "name": "Medicine", "version": 1}]},
                         content_type="application/json")
    assert stale.status_code == 409
    assert client.patch(reverse("api-span-label-detail", args=[other_project.pk, drug.pk]), {"name": "X"},
                        content_type="application/json").status_code == 404
    delete = reverse("span-label-delete", args=[project.pk, problem.pk])
    in_use = client.post(delete)
    assert in_use.status_code == 409 and "marks spans on 1 annotation" in in_use.content.decode()
    assert f'action="{delete}"' in in_use.content.decode()
    assert client.post(delete, {"confirm": "yes"}).status_code == 302
    assert not Span.objects.exists() and not SpanLabel.objects.filter(pk=problem.pk).exists()
    assert client.delete(reverse("api-span-label-detail", args=[project.pk, drug.pk])).status_code == 204
