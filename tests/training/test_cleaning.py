"""Cleaning: text steps, de-identification and near-duplicate quality on planted data, and the
`clean` job end to end (a new corpus, provenance, annotations carried, the source untouched)."""

import random
import re
from collections import Counter

import numpy as np
import pytest
from django.urls import reverse

from labeling.models import Annotation, Corpus, Document
from labeling.services import tasks
from studio.jobs import execution
from studio.models import AuditEvent, Job
from tests.support.phi_notes import LISTED, body, generate, near_copy
from tests.labeling.test_tasks import annotators, label_id
from training.cleaning import recipe as recipes
from training.cleaning import text as steps
from training.cleaning.deid import CATEGORIES, Deidentifier, shift_date
from training.cleaning.near_duplicates import MinHasher, clusters, jaccard, lsh_bands
from training.cleaning.service import start_cleaning
from training.models import CleaningOutcome, CleaningRecipe, CleaningRun


def test_text_steps():
    assert steps.normalize_unicode("ﬁne\u200b café\x07\r\nnext") == "fine café\nnext"
    assert steps.strip_markup("<p>Chest pain</p><br><script>alert(1)</script>&amp; SOB") == "Chest pain\n\n& SOB"
    assert steps.normalize_whitespace("  a \t b  \n\n\n\n c ") == "a b\n\nc"
    keys = {steps.line_key("PATIENT  COPY - do not file")}
    assert steps.remove_lines("Patient copy - DO NOT FILE\nReal text", keys) == "Real text"
    unchanged = "Nothing to remove"
    assert steps.remove_lines(unchanged, keys) is unchanged


def test_recipes_fill_defaults_and_name_bad_settings():
    assert recipes.clean({})["near_threshold"] == 0.8
    for raw, message in [({"near_threshold": 0.2}, "near_threshold: must be at least"), ({"shingles": 3}, "not a cleaning"),
                         ({"deidentify": "yes"}, "expected bool"), ({"categories": ["FAX"]}, "'FAX' is not one"),
                         ({"id_patterns": ["(unclosed"]}, "not a regular expression the studio's linear-time engine takes"),
                         ({"id_patterns": [r"(\d)\1"]}, "backreferences and lookaround are not supported"), ({"id_patterns": ["x*"]}, "empty"),
                         ({"replacement": "blur"}, "replacement"), ({"min_chars": 10, "max_chars": 5}, "max_chars")]:
        with pytest.raises(recipes.RecipeError, match=re.escape(message)):
            recipes.clean(raw)


def test_a_recipe_pattern_runs_in_linear_time_whatever_it_is():
    """`(a+)+b` backtracks for hours on 40 characters in Python's engine; the recipe's patterns run on RE2."""
    import time

    recipe = recipes.clean({"id_patterns": ["(a+)+b", r"MRN[: ]*(\d{6,})"]})
    deidentifier = Deidentifier(extra_patterns=recipe["id_patterns"])
    started = time.perf_counter()
    text, counts = deidentifier.apply("a" * 40 + " seen today, MRN: 12345678", key=1)
    assert time.perf_counter() - started < 1
    assert "[ID]" in text and "12345678" not in text and counts["ID"] == 1


def test_deidentification_recall_on_planted_identifiers():
    deidentifier = Deidentifier(names=LISTED)
    planted_count, covered, detections, true_detections = Counter(), Counter(), Counter(), Counter()
    for key, (text, planted) in enumerate(generate(600, seed=11)):
        spans = deidentifier.find(text)
        output, counts = deidentifier.apply(text, key)
        for category, start, end, value in planted:
            planted_count[category] += 1
            if any(s <= start and end <= e for s, e, _ in spans):
                covered[category] += 1
            if len(value) >= 6:
                assert value not in output, (category, value)
        for start, end, category in spans:
            detections[category] += 1
            true_detections[category] += any(s < end and start < e for _, s, e, _ in planted)
        assert "[" in output and sum(counts.values()) == len(spans)
    assert set(planted_count) == set(CATEGORIES)
    for category in CATEGORIES:
        recall = covered[category] / planted_count[category]
        precision = true_detections[category] / detections[category]
        print(f"{category}: recall {recall:.4f} precision {precision:.4f} of {planted_count[category]}")
        assert recall >= 0.99, category


def test_deidentification_keeps_what_is_not_an_identifier():
    text = "A 45-year-old, BP 132/84, 3/4 tablet, metformin 500 mg since 2011. Creatinine 104 umol/L."
    assert Deidentifier().apply(text, 1) == (text, Counter())


def test_surrogates_are_consistent_within_a_document_and_dates_shift_together():
    deidentifier = Deidentifier(replacement="surrogate", seed=3)
    text = "Call 312-555-0199 or 312-555-0199. Seen 03/14/2019, back 03/21/2019."
    output, counts = deidentifier.apply(text, 42)
    phones = re.findall(r"555-01\d\d", output)
    assert len(phones) == 2 and phones[0] == phones[1] and "312" not in output
    first, second = re.findall(r"\d\d/\d\d/\d{4}", output)
    from datetime import datetime
    gap = datetime.strptime(second, "%m/%d/%Y") - datetime.strptime(first, "%m/%d/%Y")
    assert gap.days == 7 and first != "03/14/2019" and counts == {"PHONE": 2, "DATE": 2}
    assert deidentifier.apply(text, 42) == (output, counts)  # deterministic
    assert shift_date("March 2019", gap) is None  # no day: replaced by its tag instead


def test_near_duplicates_found_with_few_false_merges():
    rng = random.Random(5)
    hasher = MinHasher(seed=13)
    texts = [body(rng) for _ in range(1500)]
    planted = {}
    while len(planted) < 200:
        original = rng.randrange(1500)
        copy = near_copy(texts[original], rng, rng.randint(1, 8))
        words, source_words = steps.words(copy), steps.words(texts[original])
        if jaccard(hasher.shingles(words), hasher.shingles(source_words)) >= 0.8 and copy != texts[original]:
            planted[len(texts)] = original
            texts.append(copy)
    shingles = [hasher.shingles(steps.words(text)) for text in texts]
    signatures = np.stack([hasher.signature(steps.words(text)) for text in texts])
    members = clusters(list(range(len(texts))), signatures, shingles, 0.8, *lsh_bands(128, 0.8))
    representative = {index: members.get(index, index) for index in range(len(texts))}
    found = sum(representative[copy] == representative[original] for copy, original in planted.items())
    merged = [index for index in members if index not in planted]
    false_merges = [index for index in merged
                    if jaccard(shingles[index], shingles[representative[index]]) < 0.8]
    print(f"near-copies found {found}/{len(planted)}, other merges {len(merged)}, false merges {len(false_merges)}")
    assert found / len(planted) >= 0.95
    assert not false_merges  # every merge is confirmed by the exact Jaccard similarity


def clean(manager, project, corpus, django_capture_on_commit_callbacks, **settings):
    settings = {"boilerplate_min_documents": 5, "names": LISTED, **settings}
    with django_capture_on_commit_callbacks(execute=True):
        run = start_cleaning(manager, project, corpus, settings)
    execution.execute(run.job_id, "w@host", {})
    run.refresh_from_db()
    return run


@pytest.mark.django_db
def test_the_clean_job_derives_a_new_corpus_and_reports_what_it_did(
        project, manager, raw_corpus, django_capture_on_commit_callbacks):
    before = list(raw_corpus.documents.order_by("id").values_list("text", flat=True))
    (user,) = annotators(project, 1)
    kept_source = raw_corpus.documents.get(external_id="n3")
    tasks.submit(user, project, kept_source, [label_id(project, "Neurology")])
    run = clean(manager, project, raw_corpus, django_capture_on_commit_callbacks)
    assert run.status == "done", Job.objects.get(pk=run.job_id).error
    assert list(raw_corpus.documents.order_by("id").values_list("text", flat=True)) == before  # never edited
    output = run.output
    assert output.kind == Corpus.Kind.CLEANED and output.parent == raw_corpus and output.status == "ready"
    assert run.documents_in == 20 and run.documents_out == 16 == output.documents.count() == output.document_count
    assert run.drops == {"exact_duplicate": 2, "near_duplicate": 1, "too_short": 1}
    assert run.clusters == 1 and run.deidentified["NAME"] >= 16 * 4
    assert run.changes["markup"] == 19 and run.changes["boilerplate"] >= 16
    assert run.boilerplate == ["Clinic note", "CONFIDENTIAL - Printed copy, do not file"]
    for text in output.documents.values_list("text", flat=True):
        assert "<b>" not in text and "CONFIDENTIAL" not in text and "@" not in text
        assert not any(name in text for name in LISTED)
    near = CleaningOutcome.objects.get(run=run, dropped_by="near_duplicate")
    assert near.cluster == raw_corpus.documents.get(external_id="n2").pk and near.document_id is None
    derived = CleaningOutcome.objects.get(run=run, source_id=kept_source.pk)
    copy = Document.objects.get(pk=derived.document_id)
    assert copy.meta == {"ward": "A"} and "deidentify" in derived.changed_by
    annotation = Annotation.objects.get(document=copy)
    assert annotation.annotator == user and [label.name for label in annotation.labels.all()] == ["Neurology"]
    assert copy.claims == 1 and copy.full
    assert not Annotation.objects.filter(document=kept_source).exists()  # moved, not copied
    kept_source.refresh_from_db()
    assert kept_source.claims == 0 and not kept_source.full
    raw_corpus.refresh_from_db()
    assert output.role == Corpus.Role.QUEUE and raw_corpus.role == Corpus.Role.ASIDE
    assert set(run.timings) >= {"unicode", "markup", "whitespace", "boilerplate", "near_duplicate", "deidentify"}
    assert len(run.samples) == 12 and run.samples[0]["before"] != run.samples[0]["after"]
    assert AuditEvent.objects.filter(verb="corpus.clean").exists()


@pytest.mark.django_db
def test_the_same_recipe_gives_the_same_corpus(project, manager, raw_corpus, django_capture_on_commit_callbacks):
    settings = {"replacement": "surrogate", "shift_dates": True}
    first = clean(manager, project, raw_corpus, django_capture_on_commit_callbacks, **settings)
    second = clean(manager, project, raw_corpus, django_capture_on_commit_callbacks, **settings)
    texts = lambda run: list(run.output.documents.order_by("external_id").values_list("external_id", "text"))  # noqa: E731
    assert texts(first) == texts(second) and first.output != second.output
    other = clean(manager, project, raw_corpus, django_capture_on_commit_callbacks, seed=99, **settings)
    assert texts(other) != texts(first)


@pytest.mark.django_db
def test_a_failed_clean_leaves_no_corpus(project, manager, raw_corpus, django_capture_on_commit_callbacks, monkeypatch):
    from training.cleaning import run as pipeline
    monkeypatch.setattr(pipeline, "_move_annotations", lambda *args: 1 / 0)
    run = clean(manager, project, raw_corpus, django_capture_on_commit_callbacks)
    assert run.status == "failed" and run.output is None
    assert Corpus.objects.filter(kind=Corpus.Kind.CLEANED).count() == 0
    assert not CleaningOutcome.objects.exists() and "ZeroDivisionError" in Job.objects.get(pk=run.job_id).error
    raw_corpus.refresh_from_db()
    assert raw_corpus.role == Corpus.Role.QUEUE  # the source keeps its place


@pytest.mark.django_db
def test_cleaning_refuses_a_corpus_that_is_not_ready(project, manager, raw_corpus):
    Corpus.objects.filter(pk=raw_corpus.pk).update(status=Corpus.Status.IMPORTING)
    raw_corpus.refresh_from_db()
    with pytest.raises(ValueError, match="not ready"):
        start_cleaning(manager, project, raw_corpus, {})


@pytest.mark.django_db
def test_cleaning_in_the_browser(client, login, project, manager, raw_corpus, django_capture_on_commit_callbacks):
    login(manager)
    page = client.get(reverse("corpus-detail", args=[project.pk, raw_corpus.pk])).content.decode()
    assert reverse("corpus-clean", args=[project.pk, raw_corpus.pk]) in page
    form = client.get(reverse("corpus-clean", args=[project.pk, raw_corpus.pk]))
    assert form.status_code == 200 and 'name="near_threshold"' in form.content.decode()
    settings = {name: value for name, value in recipes.SETTINGS.defaults().items() if not isinstance(value, (bool, list))}
    settings.update({"normalize_unicode": "on", "strip_markup": "on", "normalize_whitespace": "on",
                     "remove_boilerplate": "on", "exact_dedup": "on", "near_dedup": "on", "deidentify": "on",
                     "categories": ["NAME", "DATE", "EMAIL"], "names": "\n".join(LISTED), "id_patterns": "",
                     "boilerplate_min_documents": 5, "save_as": "Ward notes"})
    bad = client.post(reverse("corpus-clean", args=[project.pk, raw_corpus.pk]), {**settings, "near_threshold": "2"})
    assert bad.status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("corpus-clean", args=[project.pk, raw_corpus.pk]), settings)
    run = CleaningRun.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("cleaning-run", args=[project.pk, run.pk])
    assert run.recipe == CleaningRecipe.objects.get(name="Ward notes") and run.steps["categories"] == ["NAME", "DATE", "EMAIL"]
    running = client.get(response["Location"]).content.decode()
    assert 'hx-trigger="every 2s"' in running
    execution.execute(run.job_id, "w@host", {})
    report = client.get(response["Location"]).content.decode()
    assert "every 2s" not in report and "<del>" in report and "<ins>[NAME]</ins>" in report
    assert "&lt;b&gt;Clinic note&lt;/b&gt;" in report  # the raw markup is shown escaped
    run.refresh_from_db()
    representative = CleaningOutcome.objects.filter(run=run, cluster__isnull=False).first().cluster
    cluster = client.get(reverse("cleaning-cluster", args=[project.pk, run.pk, representative]))
    assert cluster.status_code == 200 and cluster.content.decode().count("<article") == 2
    assert client.get(reverse("cleaning-cluster", args=[project.pk, run.pk, 1])).status_code == 404
    derived = client.get(reverse("corpus-detail", args=[project.pk, run.output_id])).content.decode()
    assert "Cleaned from" in derived and "cleaning report" in derived
    again = client.get(reverse("corpus-clean", args=[project.pk, raw_corpus.pk]), {"recipe": run.recipe_id})
    html = again.content.decode()
    assert re.search(r'value="NAME"[^>]*checked', html) and not re.search(r'value="PHONE"[^>]*checked', html)


@pytest.mark.django_db
def test_cleaning_through_the_api(client, login, project, manager, annotator, raw_corpus,
                                  django_capture_on_commit_callbacks):
    login(manager)
    defaults = client.get(reverse("api-cleaning-defaults", args=[project.pk])).json()
    assert defaults["near_threshold"]["default"] == 0.8
    saved = client.post(reverse("api-recipe-list", args=[project.pk]),
                        {"name": "Strict", "steps": {"min_chars": 30, "boilerplate_min_documents": 5}},
                        content_type="application/json")
    assert saved.status_code == 201 and saved.json()["steps"]["min_chars"] == 30
    bad = client.post(reverse("api-recipe-list", args=[project.pk]), {"name": "Bad", "steps": {"num_perm": 2}},
                      content_type="application/json")
    assert bad.status_code == 400 and "num_perm" in bad.json()["detail"]
    url = reverse("api-corpus-clean", args=[project.pk, raw_corpus.pk])
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(url, {"recipe_id": saved.json()["id"], "recipe": {"replacement": "surrogate"}},
                              content_type="application/json")
    assert started.status_code == 201, started.content
    run = started.json()
    assert run["steps"]["min_chars"] == 30 and run["steps"]["replacement"] == "surrogate"
    execution.execute(run["job"], "w@host", {})
    detail = client.get(reverse("api-cleaning-run", args=[project.pk, run["id"]])).json()
    assert detail["status"] == "done" and detail["drops"]["near_duplicate"] == 1 and len(detail["samples"]) == 12
    clusters = client.get(reverse("api-cleaning-clusters", args=[project.pk, run["id"]])).json()
    assert clusters["next_after"] is None and clusters["clusters"][0]["size"] == 2
    assert [member["kept"] for member in clusters["clusters"][0]["members"]] == [True, False]
    assert client.get(reverse("api-cleaning-runs", args=[project.pk])).json()[0]["id"] == run["id"]
    assert client.post(url, {"recipe": {"shingle_size": 0}}, content_type="application/json").status_code == 400
    assert client.delete(reverse("api-recipe-detail", args=[project.pk, saved.json()["id"]])).status_code == 204
    assert AuditEvent.objects.filter(verb__in=["recipe.save", "recipe.delete", "corpus.clean"]).count() == 3
    login(annotator)
    assert client.post(url, {}, content_type="application/json").status_code == 403
    assert client.get(reverse("api-cleaning-run", args=[project.pk, run["id"]])).status_code == 403


def test_a_tagged_date_keeps_its_year_unless_the_recipe_says_not_to():
    assert Deidentifier().apply("Seen 03/14/2019, again March 3.", 1)[0] == "Seen [DATE] 2019, again [DATE]."
    assert Deidentifier(keep_year=False).apply("Seen 03/14/2019.", 1)[0] == "Seen [DATE]."


@pytest.mark.django_db
def test_a_cleaned_corpus_replaces_its_source_and_nothing_counts_twice(
        project, manager, raw_corpus, artifacts, django_capture_on_commit_callbacks):
    from labeling.models import DatasetSnapshot
    from labeling.services import dashboard, review, snapshots

    (user,) = annotators(project, 1)
    while (assignment := tasks.next_assignment(user, project)) is not None:
        tasks.submit(user, project, assignment.document, [label_id(project, "Neurology")])
    review.reject(manager, Annotation.objects.get(document__external_id="n3"), "Wrong label")
    assert dashboard.figures(project)["annotators"][0]["annotations"] == 20
    run = clean(manager, project, raw_corpus, django_capture_on_commit_callbacks)
    kept = run.documents_out
    assert Annotation.objects.count() == 20 and Annotation.objects.exclude(rejected_reason="").count() == 1
    figures = dashboard.figures(project)
    assert figures["documents"] == kept == tasks.progress(user, project)["documents"]
    assert figures["annotators"][0]["annotations"] == figures["labeled"] == kept  # the dropped notes' stay behind
    assert tasks.next_assignment(user, project) is None  # nothing comes back to label again
    with django_capture_on_commit_callbacks(execute=True):
        snapshot = snapshots.start_snapshot(manager, project, name="After cleaning")
    execution.execute(snapshot.job_id, "w@host", {})
    snapshot = DatasetSnapshot.objects.get(pk=snapshot.pk)
    assert snapshot.row_count == kept - 1 and list(snapshot.corpora.all()) == [run.output]  # n3 was rejected
