"""The column mapping guesses the text and label columns from what they hold, warns about a text column of
numbers or codes, and names label values (1 → Neoplasms) in the page and the API."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from labeling.importing import columns
from labeling.models import Annotation, Corpus
from studio import dispatch
from tests.support.importing import upload

pytestmark = pytest.mark.django_db

ABSTRACTS = [
    "Obstructive sleep apnea following topical oropharyngeal anesthesia in loud snorers.",
    "Neutrophil function and pyogenic infections in bone marrow transplant recipients.",
    "Colonic adenocarcinoma presenting with a palpable mass in the right lower quadrant.",
    "Atrial fibrillation after coronary artery bypass grafting in elderly patients.",
]


def abstracts_csv(rows=12):
    """The shape of the medical abstracts file: a digit label column first, then the text."""
    lines = ["condition_label,medical_abstract"]
    lines += [f'{row % 3 + 1},"{ABSTRACTS[row % 4]} Case {row}."' for row in range(rows)]
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture(autouse=True)
def no_broker(monkeypatch):
    monkeypatch.setattr(dispatch, "send", lambda *args: None)


def test_the_longest_column_is_the_text_and_a_digit_column_with_few_values_a_label(manager, project, artifacts):
    from labeling.services import imports

    found = imports.preview(upload(manager, project, "abstracts.csv", abstracts_csv()))
    assert found["suggested"] == {"text_field": "medical_abstract", "id_field": "", "label_fields": ["condition_label"],
                                  "span_field": ""}
    assert found["profile"]["condition_label"] == {"average_length": 1.0, "numeric": True, "values": ["1", "2", "3"]}
    assert found["profile"]["medical_abstract"]["values"] is not None  # 12 distinct, still few enough to list
    assert list(found["warnings"]) == ["condition_label"] and "holds numbers" in found["warnings"]["condition_label"]


def test_a_column_of_unique_or_long_values_is_not_suggested_as_labels():
    rows = [{"code": f"C{n}", "note": "word " * 10, "ward": "cardio" if n % 2 else "resp"} for n in range(10)]
    suggested = columns.suggest(["code", "note", "ward"], columns.profile(["code", "note", "ward"], rows))
    assert suggested == {"text_field": "note", "id_field": "", "label_fields": ["ward"], "span_field": ""}


def test_one_label_column_is_suggested_by_values_and_a_named_one_wins():
    rows = [{"ward": f"w{n % 2}", "diagnosis_code": str(n % 3), "body": "word " * 10} for n in range(10)]
    names = ["ward", "diagnosis_code", "body"]
    assert columns.suggest(names, columns.profile(names, rows))["label_fields"] == ["diagnosis_code"]
    rows = [{**row, "specialty": "Cardiology"} for row in rows]
    assert columns.suggest([*names, "specialty"], columns.profile([*names, "specialty"], rows))["label_fields"] == [
        "specialty"]


def test_short_and_numeric_text_columns_are_warned_about_and_notes_are_not():
    rows = [{"n": "3", "code": "A12", "note": "Chest pain on exertion."}] * 5
    found = columns.profile(["n", "code", "note"], rows)
    assert "holds numbers" in columns.text_warning("n", found["n"]) and "“3”" in columns.text_warning("n", found["n"])
    assert "short values (3 characters on average)" in columns.text_warning("code", found["code"])
    assert columns.text_warning("note", found["note"]) == ""


def test_numbers_are_listed_in_numeric_order():
    found = columns.profile(["label"], [{"label": value} for value in ("10", "2", "1", "2", "10", "1")])
    assert found["label"].as_dict()["values"] == ["1", "2", "10"]


def test_named_values_become_labels_in_the_order_given(do_import, project):
    names = {"1": "Neoplasms", "2": "Digestive system diseases", "3": "Nervous system diseases"}
    corpus, job, _ = do_import("abstracts.csv", abstracts_csv(), label_fields=["condition_label"], label_values=names)
    assert job.status == "succeeded", job.error
    assert list(project.label_schema.labels.order_by("position").values_list("name", flat=True)) == [
        "Neoplasms", "Digestive system diseases", "Nervous system diseases"]
    first = Annotation.objects.filter(document__corpus=corpus).order_by("document_id").first()
    assert [label.name for label in first.labels.all()] == ["Neoplasms"]  # row 0 holds "1"
    assert corpus.mapping["label_values"]["1"] == "Neoplasms"


def test_a_value_without_a_name_keeps_its_own(do_import, project):
    corpus, job, _ = do_import("abstracts.csv", abstracts_csv(), label_fields=["condition_label"],
                               label_values={"1": "Neoplasms", "2": " "})
    assert job.status == "succeeded"
    assert set(project.label_schema.labels.values_list("name", flat=True)) == {"Neoplasms", "2", "3"}


def test_the_map_page_guesses_warns_and_imports_named_values(client, manager, project, artifacts):
    client.force_login(manager)
    stored = upload(manager, project, "abstracts.csv", abstracts_csv())
    url = reverse("upload-map", kwargs={"pk": project.pk, "upload_pk": stored.pk})
    page = client.get(url).content.decode()
    assert '<option value="medical_abstract" data-warning="" selected>' in page
    assert 'name="label_fields" value="condition_label" checked' in page
    assert 'aria-label="Label name for condition_label 1"' in page
    refused = client.post(url, {"format": "csv", "name": "A", "text_field": "condition_label"})
    assert refused.status_code == 400 and "holds numbers, not notes" in refused.content.decode()
    assert not Corpus.objects.exists()
    values = {"value_column": ["condition_label"] * 3, "value": ["1", "2", "3"],
              "value_name": ["Neoplasms", "", "Nervous"]}
    response = client.post(url, {"format": "csv", "name": "A", "text_field": "medical_abstract",
                                 "label_fields": ["condition_label"], **values})
    assert response.status_code == 302
    assert Corpus.objects.get().mapping["label_values"] == {"1": "Neoplasms", "3": "Nervous"}


def test_the_map_page_imports_a_warned_column_when_asked(client, manager, project, artifacts):
    client.force_login(manager)
    stored = upload(manager, project, "abstracts.csv", abstracts_csv())
    url = reverse("upload-map", kwargs={"pk": project.pk, "upload_pk": stored.pk})
    response = client.post(url, {"format": "csv", "name": "A", "text_field": "condition_label",
                                 "allow_short_text": "yes"})
    assert response.status_code == 302 and Corpus.objects.get().mapping["text_field"] == "condition_label"


def test_the_api_refuses_a_numeric_text_field_and_takes_named_values(client, manager, project, artifacts):
    client.force_login(manager)
    uploaded = client.post(reverse("api-uploads", kwargs={"project_pk": project.pk}),
                           {"file": SimpleUploadedFile("abstracts.csv", abstracts_csv())}).json()
    assert uploaded["preview"]["suggested"]["label_fields"] == ["condition_label"]
    assert "condition_label" in uploaded["preview"]["warnings"]
    url = reverse("api-corpus-list", kwargs={"project_pk": project.pk})
    body = {"upload": uploaded["id"], "name": "A", "format": "csv", "text_field": "condition_label"}
    refused = client.post(url, body, content_type="application/json")
    assert refused.status_code == 400 and "holds numbers" in json.dumps(refused.json())
    started = client.post(url, {**body, "text_field": "medical_abstract", "label_fields": ["condition_label"],
                                "label_values": {"1": "Neoplasms"}}, content_type="application/json")
    assert started.status_code == 201, started.json()
    assert started.json()["corpus"]["mapping"]["label_values"] == {"1": "Neoplasms"}
    forced = client.post(url, {**body, "name": "B", "allow_short_text": True}, content_type="application/json")
    assert forced.status_code == 201
