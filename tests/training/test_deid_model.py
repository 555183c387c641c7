"""De-identification by a span model: a project's annotated PHI spans (imported here) train a CRF span tagger, and a
cleaning recipe names it beside the patterns. The names the patterns miss (no title, label or signature line
announces them, and no name list is given) are found by the model and replaced; the report counts what each found,
in the browser and the API; a model that is not a span tagger of the project, or finds no category, is refused."""

import pytest
from django.urls import reverse

from labeling.models import Corpus, Document
from studio.jobs import execution
from tests.support import importing
from tests.support.classifiers import finetune
from tests.support.phi_notes import LISTED, generate
from training.cleaning.service import CleaningError, start_cleaning
from training.models import ModelVersion

pytestmark = pytest.mark.django_db


@pytest.fixture
def phi_tagger(project, manager, artifacts, django_capture_on_commit_callbacks):
    rows = [{"id": f"t{number}", "text": text,
             "spans": [{"start": start, "end": end, "label": category} for category, start, end, _value in planted]}
            for number, (text, planted) in enumerate(generate(80, seed=5))]
    snapshot = importing.span_snapshot(manager, project, rows, django_capture_on_commit_callbacks, "phi",
                                       (0.8, 0.1, 0.1))
    run, _report = finetune(manager, project, snapshot, django_capture_on_commit_callbacks, base="crf",
                            model_name="PHI tagger")
    return run.output


@pytest.fixture
def letters(project):
    notes = generate(12, seed=11)
    corpus = Corpus.objects.create(project=project, name="Letters", status=Corpus.Status.READY,
                                   document_count=len(notes))
    Document.objects.bulk_create(Document(corpus=corpus, external_id=f"n{i}", text=text, content_hash=str(i),
                                          length=len(text)) for i, (text, _planted) in enumerate(notes))
    return corpus


def cleaned_texts(run):
    return list(Document.objects.filter(corpus=run.output).values_list("text", flat=True))


def clean(manager, project, corpus, capture, **settings):
    with capture(execute=True):
        run = start_cleaning(manager, project, corpus, {"near_dedup": False, "remove_boilerplate": False, **settings})
    execution.execute(run.job_id, "w@host", {})
    run.refresh_from_db()
    assert run.status == "done", run.job.error
    return run


def test_a_span_model_finds_the_names_the_patterns_miss(client, project, manager, phi_tagger, letters,
                                                        django_capture_on_commit_callbacks):
    alone = clean(manager, project, letters, django_capture_on_commit_callbacks)
    assert any(name in text for text in cleaned_texts(alone) for name in LISTED)  # no name list: the patterns miss
    assert "model" not in alone.found_by and alone.found_by["patterns"]["NAME"] > 0
    Corpus.objects.filter(pk=letters.pk).update(role=Corpus.Role.QUEUE)  # cleaned again, as it was
    both = clean(manager, project, letters, django_capture_on_commit_callbacks, deid_model=phi_tagger.pk)
    assert not any(name in text for text in cleaned_texts(both) for name in LISTED)
    assert both.found_by["model"]["NAME"] >= both.found_by["patterns"]["NAME"] > 0
    assert both.deidentified["NAME"] > alone.deidentified["NAME"]
    client.force_login(manager)
    page = client.get(reverse("cleaning-run", args=[project.pk, both.pk])).content.decode()
    assert "Found by the model" in page and reverse("model-version", args=[project.pk, phi_tagger.pk]) in page
    form = client.get(reverse("corpus-clean", args=[project.pk, letters.pk])).content.decode()
    assert f'<option value="{phi_tagger.pk}">PHI tagger v1 (finds ADDRESS, AGE, DATE' in form
    api = client.get(reverse("api-cleaning-run", args=[project.pk, both.pk])).json()
    assert api["found_by"]["model"]["NAME"] == both.found_by["model"]["NAME"]


def test_a_recipe_names_a_span_tagger_of_the_project_that_finds_a_category(
        client, project, manager, other_project, phi_tagger, letters):
    with pytest.raises(CleaningError, match="no span tagger version with that id"):
        start_cleaning(manager, other_project, Corpus.objects.create(
            project=other_project, name="x", status=Corpus.Status.READY), {"deid_model": phi_tagger.pk})
    with pytest.raises(CleaningError, match="turn deidentify on"):
        start_cleaning(manager, project, letters, {"deid_model": phi_tagger.pk, "deidentify": False})
    client.force_login(manager)
    answer = client.post(reverse("api-corpus-clean", args=[project.pk, letters.pk]),
                         {"recipe": {"deid_model": 999999}}, content_type="application/json")
    assert answer.status_code == 400 and "deid_model" in answer.json()["detail"]
    ModelVersion.objects.filter(pk=phi_tagger.pk).update(lineage={"span_labels": ["Disease", "NAME"]})
    with pytest.raises(CleaningError, match=r"finds none of the chosen categories \(its labels: Disease, NAME"):
        start_cleaning(manager, project, letters, {"deid_model": phi_tagger.pk, "categories": ["DATE", "SSN"]})
