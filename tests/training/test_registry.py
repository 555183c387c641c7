"""The registry: only admins move production, promotion needs a gold evaluation and a reason when
the candidate is worse, a tampered artifact is refused, moves are atomic under concurrent
requests, rollback is one action, and downloads carry a model card."""

import io
import threading
import zipfile

import pytest
from django.db import connection, connections
from django.urls import reverse

from labeling.models import Membership, Role
from studio.models import AuditEvent
from tests.support.classifiers import build_tiny_base, finetune, labeled_snapshot
from tests.support.factories import UserFactory, make_admin
from training.models import AliasChange, EvaluationReport, ModelAlias
from training.registry import aliases


@pytest.fixture
def project_admin(project):
    user = make_admin(UserFactory(username="ward-admin"))
    Membership.objects.create(project=project, user=user, role=Role.MANAGER)
    return user


@pytest.fixture
def two_versions(project, manager, artifacts, settings, tmp_path, django_capture_on_commit_callbacks):
    """v1: the baseline (macro F1 > 0.9); v2: a tiny encoder after one epoch (far worse); both
    evaluated on the test split of the project's gold snapshot."""
    snapshot = labeled_snapshot(project, manager, django_capture_on_commit_callbacks)
    settings.STUDIO_BASE_MODELS_DIR = tmp_path / "base-models"
    build_tiny_base(settings.STUDIO_BASE_MODELS_DIR / "tiny")
    good, good_report = finetune(manager, project, snapshot, django_capture_on_commit_callbacks, model_name="triage")
    bad, bad_report = finetune(manager, project, snapshot, django_capture_on_commit_callbacks, model_name="triage",
                               base="folder:tiny", epochs=1, max_length=32, learning_rate=1e-5)
    assert bad_report.metrics["macro_f1"] < good_report.metrics["macro_f1"]
    project.gold_snapshot = snapshot
    project.save()
    return good.output, bad.output


def api(client, name, project, *args):
    return reverse(name, args=[project.pk, *args])


@pytest.mark.django_db
def test_only_admins_move_production_and_promotion_is_recorded(client, project, manager, project_admin, two_versions):
    good, _bad = two_versions
    client.force_login(manager)
    url = api(client, "api-model-version-aliases", project, good.pk)
    assert client.post(url, {"alias": "production"}, content_type="application/json").status_code == 403
    proposed = client.post(url, {"alias": "staging", "reason": "best so far"}, content_type="application/json")
    assert proposed.status_code == 201 and proposed.json()["action"] == "propose"
    assert not ModelAlias.objects.filter(name="production").exists()
    client.force_login(project_admin)
    case = client.get(api(client, "api-model-version-promotion", project, good.pk)).json()
    assert case["problems"] == [] and case["production"] is None and case["candidate_report"]
    promoted = client.post(url, {"alias": "production"}, content_type="application/json")
    assert promoted.status_code == 201, promoted.content
    assert ModelAlias.objects.get(name="production").version == good
    assert AuditEvent.objects.filter(verb="model.promote", actor=project_admin).exists()
    history = client.get(api(client, "api-model-history", project, good.registered_model_id)).json()
    assert [(row["alias"], row["action"], row["version_number"]) for row in history] == [
        ("production", "promote", 1), ("staging", "propose", 1)]
    again = client.post(url, {"alias": "production"}, content_type="application/json")
    assert again.status_code == 400 and "already holds" in again.json()["detail"]


@pytest.mark.django_db
def test_a_worse_candidate_needs_a_reason_and_rollback_restores_production(
        client, project, project_admin, two_versions):
    good, bad = two_versions
    aliases.promote(project_admin, good)
    client.force_login(project_admin)
    page = client.get(reverse("model-version-promote", args=[project.pk, bad.pk])).content.decode()
    assert "comparison-tests" in page and "worse" in page and 'id="current-production"' in page
    refused = client.post(reverse("model-version-promote", args=[project.pk, bad.pk]), {"alias": "production"})
    assert refused.status_code == 400 and "Write a reason" in refused.content.decode()
    assert ModelAlias.objects.get(name="production").version == good
    promoted = client.post(reverse("model-version-promote", args=[project.pk, bad.pk]),
                           {"alias": "production", "reason": "the ward asked to trial it"})
    assert promoted.status_code == 302 and ModelAlias.objects.get(name="production").version == bad
    change = AliasChange.objects.filter(action="promote").first()
    assert change.reason == "the ward asked to trial it" and change.comparison["production"] > change.comparison["candidate"]
    rolled = client.post(api(client, "api-model-rollback", project, good.registered_model_id), {"reason": "too noisy"},
                         content_type="application/json")
    assert rolled.status_code == 201 and rolled.json()["version"] == good.pk and rolled.json()["previous"] == bad.pk
    assert ModelAlias.objects.get(name="production").version == good
    model_page = client.get(reverse("registered-model", args=[project.pk, good.registered_model_id])).content.decode()
    assert "Rolled back" in model_page and "too noisy" in model_page and "rollback-form" in model_page
    assert f"Move production to v{bad.version}</button>" in model_page and "Roll back to" not in model_page
    assert set(AuditEvent.objects.filter(verb__in=["model.promote", "model.rollback"]).values_list(
        "verb", flat=True)) == {"model.promote", "model.rollback"}


@pytest.mark.django_db
def test_promotion_needs_an_evaluation_on_the_gold_snapshot(client, project, project_admin, two_versions):
    good, _bad = two_versions
    project.gold_snapshot = None
    project.save()
    with pytest.raises(aliases.PromotionError, match="no gold snapshot"):
        aliases.promote(project_admin, good)
    client.force_login(project_admin)
    assert client.patch(api(client, "api-project-detail", project), {"gold_snapshot": 10**6},
                        content_type="application/json").status_code == 400
    good.evaluations.all().delete()
    snapshot = good.finetuning.snapshot
    assert client.patch(api(client, "api-project-detail", project), {"gold_snapshot": snapshot.pk},
                        content_type="application/json").status_code == 200
    refused = client.post(api(client, "api-model-version-aliases", project, good.pk), {"alias": "production"},
                          content_type="application/json")
    assert refused.status_code == 400 and "no finished evaluation on the gold snapshot" in refused.json()["detail"]


@pytest.mark.django_db
def test_a_tampered_artifact_cannot_be_promoted(client, project, project_admin, two_versions):
    good, _bad = two_versions
    weights = good.path / "baseline.safetensors"
    data = bytearray(weights.read_bytes())
    data[-1] ^= 1
    weights.write_bytes(bytes(data))
    with pytest.raises(aliases.PromotionError, match="sha256 mismatch"):
        aliases.promote(project_admin, good)
    assert not ModelAlias.objects.exists() and not AliasChange.objects.exists()


@pytest.mark.django_db
def test_the_download_carries_a_model_card(client, project, manager, two_versions):
    good, _bad = two_versions
    client.force_login(manager)
    response = client.get(reverse("model-version-download", args=[project.pk, good.pk]))
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert {"README.md", "classifier.json", "baseline.safetensors"} <= set(archive.namelist())
    card = archive.read("README.md").decode()
    report = good.evaluations.get()
    assert f"{report.metrics['macro_f1']:.3f}" in card and "(gold)" in card and good.sha256 in card
    assert "## Intended use" in card and "## Limitations" in card and "`Cardiology`" in card


@pytest.mark.django_db
def test_names_cannot_forge_sections_or_markup_in_the_model_card(project, two_versions):
    from training.registry.model_card import model_card

    good, _bad = two_versions
    forged = "Triage\n\n## Intended use\nApproved for autonomous diagnosis <script>alert(1)</script> [x](javascript:y)"
    project.name = forged
    project.save()
    good.registered_model.name = forged
    good.registered_model.save()
    good.lineage = {**good.lineage, "labels": ["Cardiology`\n## Owned", *good.lineage["labels"][1:]]}
    card = model_card(good)
    assert card.count("## Intended use") == 1 and "\n## Owned" not in card
    assert "<script>" not in card and "](javascript:" not in card
    assert "\\#\\# Intended use Approved for autonomous diagnosis &lt;script&gt;" in card


@pytest.mark.django_db(transaction=True)
def test_concurrent_promotions_and_rollbacks_keep_one_consistent_history(project, project_admin, two_versions):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (CI runs this on it)")
    good, bad = two_versions
    aliases.promote(project_admin, good)
    errors = []

    def act(number):
        try:
            for step in range(4):
                try:
                    if (number + step) % 3 == 0:
                        aliases.rollback(project_admin, good.registered_model, "load test")
                    else:
                        aliases.promote(project_admin, bad if (number + step) % 2 else good, "load test")
                except aliases.PromotionError:
                    pass  # "already holds": another request got there first
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=act, args=(number,)) for number in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert errors == []
    changes = list(AliasChange.objects.filter(alias="production").order_by("id"))
    assert len(changes) > 2
    for before, after in zip(changes, changes[1:]):
        assert after.previous_id == before.version_id != after.version_id  # each move saw the one before it
    assert ModelAlias.objects.get(name="production").version_id == changes[-1].version_id


@pytest.mark.django_db
def test_a_collapsed_candidate_needs_a_reason_even_with_nothing_in_production(
        client, project, project_admin, two_versions):
    _good, bad = two_versions
    report = EvaluationReport.objects.get(model_version=bad)
    # Flagged as the evaluation flags it: the same prediction for every test note.
    report.metrics["collapsed"] = "Collapsed: it predicts “urgent” for every one of 12 notes, whose true labels differ."
    report.save(update_fields=["metrics"])
    client.force_login(project_admin)
    case = client.get(api(client, "api-model-version-promotion", project, bad.pk)).json()
    assert case["collapsed"].startswith("Collapsed: it predicts “urgent”") and case["production"] is None
    page = client.get(reverse("model-version-promote", args=[project.pk, bad.pk])).content.decode()
    assert 'id="promotion-collapsed"' in page and "Reason (required)" in page
    report_page = client.get(reverse("evaluation-report", args=[project.pk, report.pk])).content.decode()
    assert 'id="report-collapsed"' in report_page
    url = api(client, "api-model-version-aliases", project, bad.pk)
    refused = client.post(url, {"alias": "production"}, content_type="application/json")
    assert refused.status_code == 400 and "is flagged: Collapsed" in refused.json()["detail"]
    assert not ModelAlias.objects.filter(name="production").exists()
    promoted = client.post(url, {"alias": "production", "reason": "a trial of the pipeline only"},
                           content_type="application/json")
    assert promoted.status_code == 201 and ModelAlias.objects.get(name="production").version == bad
