"""The fine-tune form shows each base's own settings: the baseline's form needs no learning rate or epochs."""

import pytest
from django.urls import reverse

from training.finetuning.forms import FinetuneForm
from training.finetuning.service import ENCODER_SETTINGS, SETTINGS

BASES = [("baseline", "baseline"), ("folder:tiny", "folder: tiny")]


class Snapshot:
    pk, name, row_count, task_id = 7, "v1", 240, None


def test_encoder_settings_are_marked_and_not_required():
    form = FinetuneForm(snapshots=[Snapshot()], bases=BASES)
    for name in ENCODER_SETTINGS:
        assert not form.fields[name].required and form.fields[name].widget.attrs["data-base-kind"] == "encoder"
    for name in ("model_name", "base", "seed", "task"):
        assert "data-base-kind" not in form.fields[name].widget.attrs
    for name in ("class_weighting", "augment_ratio", "synonyms"):  # not the CRF's
        assert form.fields[name].widget.attrs["data-base-kind"] == "baseline encoder"
    for name in ("c1", "c2", "iterations"):
        assert form.fields[name].widget.attrs["data-base-kind"] == "crf"
    assert 'data-base-kind="encoder"' in str(form["learning_rate"]) and "data-base-select" in str(form["base"])


def test_a_baseline_fine_tune_without_encoder_settings_takes_their_defaults():
    form = FinetuneForm({"snapshot": "7", "base": "baseline", "seed": "13", "augment_ratio": "0"},
                        snapshots=[Snapshot()], bases=BASES)
    assert form.is_valid(), form.errors
    settings = form.settings()
    assert settings["learning_rate"] == SETTINGS["learning_rate"].default and settings["epochs"] == 3.0
    assert settings["queue"] == "gpu" and settings["base"] == "baseline"


@pytest.mark.parametrize("value", ["-1", "abc"])
def test_a_wrong_encoder_setting_is_still_named(value):
    form = FinetuneForm({"snapshot": "7", "base": "folder:tiny", "seed": "13", "augment_ratio": "0",
                         "learning_rate": value}, snapshots=[Snapshot()], bases=BASES)
    assert not form.is_valid() and "learning_rate" in form.errors


@pytest.mark.django_db
def test_the_api_says_which_settings_only_an_encoder_reads(client, manager, project):
    client.force_login(manager)
    defaults = client.get(reverse("api-finetuning-defaults", args=[project.pk])).json()
    assert defaults["encoder_settings"] == list(ENCODER_SETTINGS) and "learning_rate" in defaults["encoder_settings"]
    assert set(defaults["encoder_settings"]) <= set(defaults["settings"])
