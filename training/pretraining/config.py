"""A pretraining configuration: JSON in the API, a form in the browser. Every setting has a
default; a wrong one is refused with its name."""

from pathlib import Path

from django.conf import settings

from .. import settings_schema
from ..settings_schema import SettingsError
from .presets import PRESETS

OBJECTIVES = ("mlm", "contrastive")
STARTS = ("scratch", "base")
SCHEDULES = ("linear", "cosine")

# name: (type, default, minimum, maximum, help)
SETTINGS = {
    "model_name": (str, "", None, None, "The registered model the new encoder version joins (default: from the corpora)."),
    "corpora": (list, [], None, None, "Corpus ids; empty: the project's cleaned corpora, or every corpus without one."),
    "objective": (str, "mlm", None, None, "mlm: masked language modelling; contrastive: SimCSE-style InfoNCE."),
    "start": (str, "scratch", None, None, "scratch: a new tokenizer and encoder; base: continue from `base`."),
    "preset": (str, "tiny", None, None, "From scratch: tiny 2×128, mini 4×256, small 4×512, base 12×768."),
    "layers": (int, 0, 0, 48, "From scratch: layers (0: the preset's)."),
    "hidden": (int, 0, 0, 4096, "From scratch: hidden size (0: the preset's)."),
    "heads": (int, 0, 0, 64, "From scratch: attention heads (0: the preset's)."),
    "vocab_size": (int, 8000, 500, 250_000, "From scratch: WordPiece vocabulary size."),
    "base": (str, "", None, None, "To continue: version:<id>, folder:<name under the base models folder> or hub:<id>."),
    "add_domain_words": (int, 0, 0, 20_000, "To continue: add this many frequent domain words the base splits badly."),
    "whole_word_mask": (bool, False, None, None, "MLM: mask whole words rather than word pieces."),
    "mlm_probability": (float, 0.15, 0.01, 0.5, "MLM: share of tokens chosen (80% masked, 10% random, 10% kept)."),
    "temperature": (float, 0.05, 0.001, 1.0, "Contrastive: InfoNCE temperature τ."),
    "max_length": (int, 128, 16, 4096, "Tokens per block (documents are packed into blocks of this length)."),
    "batch_size": (int, 16, 1, 4096, "Blocks per device batch."),
    "gradient_accumulation": (int, 1, 1, 1024, "Batches per optimiser step."),
    "learning_rate": (float, 5e-4, 1e-7, 1.0, "Peak learning rate."),
    "warmup_ratio": (float, 0.06, 0.0, 0.5, "Share of the steps spent warming up."),
    "schedule": (str, "linear", None, None, "Decay after warm-up: linear or cosine."),
    "epochs": (float, 1.0, 0.01, 1000.0, "Passes over the training blocks (when max_steps is 0)."),
    "max_steps": (int, 0, 0, 10_000_000, "Optimiser steps (0: from epochs)."),
    "eval_share": (float, 0.05, 0.0, 0.5, "Share of documents held out for evaluation."),
    "checkpoint_every": (int, 200, 1, 10_000_000, "Save a checkpoint every this many steps (a crash resumes from it)."),
    "seed": (int, 13, 0, 2**31 - 1, "Fixes the split, the masking and the initial weights."),
    "queue": (str, "gpu", None, None, "Which workers run it: gpu (CPU-only machines run it on the CPU too) or cpu."),
}


def defaults():
    return settings_schema.defaults(SETTINGS)


def _choice(config, name, choices):
    if config[name] not in choices:
        raise SettingsError(f"{name}: must be one of {', '.join(choices)}.")


def base_folders():
    """Hugging Face-format folders the operator placed under STUDIO_BASE_MODELS_DIR."""
    root = Path(settings.STUDIO_BASE_MODELS_DIR)
    if not root.is_dir():
        return []
    return sorted(folder.name for folder in root.iterdir() if (folder / "config.json").is_file())


def clean(raw):
    config = settings_schema.clean(SETTINGS, raw, "pretraining setting")
    _choice(config, "objective", OBJECTIVES)
    _choice(config, "start", STARTS)
    _choice(config, "preset", tuple(PRESETS))
    _choice(config, "schedule", SCHEDULES)
    _choice(config, "queue", ("gpu", "cpu"))
    if not all(isinstance(pk, int) and not isinstance(pk, bool) for pk in config["corpora"]):
        raise SettingsError("corpora: a list of corpus ids.")
    if len(config["model_name"]) > 120:
        raise SettingsError("model_name: at most 120 characters.")
    hidden = config["hidden"] or PRESETS[config["preset"]][1]
    heads = config["heads"] or PRESETS[config["preset"]][2]
    if config["start"] == "scratch" and hidden % heads:
        raise SettingsError(f"hidden: {hidden} must be a multiple of heads ({heads}).")
    if config["start"] == "base":
        kind, _, name = config["base"].partition(":")
        if kind not in ("version", "folder", "hub") or not name:
            raise SettingsError("base: version:<id>, folder:<name> or hub:<id> to continue from.")
        if kind == "folder" and name not in base_folders():
            raise SettingsError(f"base: no model folder {name!r} under the base models folder "
                                f"(there: {', '.join(base_folders()) or 'none'}).")
        if kind == "hub" and not settings.STUDIO_ALLOW_HUB_DOWNLOADS:
            raise SettingsError("base: hub models need STUDIO_ALLOW_HUB_DOWNLOADS; place the model under the base "
                                "models folder instead.")
        if kind == "version" and not name.isdigit():
            raise SettingsError("base: version:<id> takes a model version's id.")
    return config
