"""A pretraining configuration: JSON in the API, a form in the browser. Every setting has a
default; a wrong one is refused with its name."""

import json
from pathlib import Path

from django.conf import settings

from studio.settings_schema import Schema, Setting, SettingsError

# BERT-style encoder sizes to train from scratch: (layers, hidden size, attention heads).
PRESETS = {
    "tiny": (2, 128, 2),
    "mini": (4, 256, 4),
    "small": (4, 512, 8),
    "base": (12, 768, 12),
}
OBJECTIVES = ("mlm", "contrastive")
STARTS = ("scratch", "base")
SCHEDULES = ("linear", "cosine")
SETTINGS = Schema(
    Setting("model_name", str, "", help="The registered model the new encoder version joins (default: from the corpora)."),
    Setting("corpora", list, [], help="Corpus ids; empty: the project's cleaned corpora, or every corpus without one."),
    Setting("objective", str, "mlm", choices=OBJECTIVES, help="mlm: masked language modelling; contrastive: SimCSE-style InfoNCE."),
    Setting("start", str, "scratch", choices=STARTS, help="scratch: a new tokenizer and encoder; base: continue from `base`."),
    Setting("preset", str, "tiny", choices=tuple(PRESETS), help="From scratch: tiny 2×128, mini 4×256, small 4×512, base 12×768."),
    Setting("layers", int, 0, minimum=0, maximum=48, help="From scratch: layers (0: the preset's)."),
    Setting("hidden", int, 0, minimum=0, maximum=4096, help="From scratch: hidden size (0: the preset's)."),
    Setting("heads", int, 0, minimum=0, maximum=64, help="From scratch: attention heads (0: the preset's)."),
    Setting("vocab_size", int, 8000, minimum=500, maximum=250_000, help="From scratch: WordPiece vocabulary size."),
    Setting("base", str, "", help="To continue: version:<id>, folder:<name under the base models folder> or hub:<id>."),
    Setting("add_domain_words", int, 0, minimum=0, maximum=20_000, help="To continue: add this many frequent domain words the base splits badly."),
    Setting("whole_word_mask", bool, False, help="MLM: mask whole words rather than word pieces."),
    Setting("mlm_probability", float, 0.15, minimum=0.01, maximum=0.5, help="MLM: share of tokens chosen (80% masked, 10% random, 10% kept)."),
    Setting("temperature", float, 0.05, minimum=0.001, maximum=1.0, help="Contrastive: InfoNCE temperature τ."),
    Setting("max_length", int, 128, minimum=16, maximum=4096, help="Tokens per block (documents are packed into blocks of this length)."),
    Setting("batch_size", int, 16, minimum=1, maximum=4096, help="Blocks per batch (split evenly among the devices)."),
    Setting("gradient_accumulation", int, 1, minimum=1, maximum=1024, help="Batches per optimiser step."),
    Setting("learning_rate", float, 5e-4, minimum=1e-7, maximum=1.0, help="Peak learning rate."),
    Setting("warmup_ratio", float, 0.06, minimum=0.0, maximum=0.5, help="Share of the steps spent warming up."),
    Setting("schedule", str, "linear", choices=SCHEDULES, help="Decay after warm-up: linear or cosine."),
    Setting("epochs", float, 1.0, minimum=0.01, maximum=1000.0, help="Passes over the training blocks (when max_steps is 0)."),
    Setting("max_steps", int, 0, minimum=0, maximum=10_000_000, help="Optimiser steps (0: from epochs)."),
    Setting("eval_share", float, 0.05, minimum=0.0, maximum=0.5, help="Share of documents held out for evaluation."),
    Setting("checkpoint_every", int, 200, minimum=1, maximum=10_000_000, help="Save a checkpoint every this many steps (a crash resumes from it)."),
    Setting("seed", int, 13, minimum=0, maximum=2**31 - 1, help="Fixes the split, the masking and the initial weights."),
    Setting("devices", int, 1, minimum=1, maximum=16, help="GPUs of one worker to train on together (PyTorch DDP): "
            "each takes an equal part of every batch, so the same settings train the same model faster. A worker "
            "without GPUs runs that many processes on its CPU."),
    Setting("queue", str, "gpu", choices=("gpu", "cpu"), help="Which workers run it: gpu (CPU-only machines run it on the CPU too) or cpu."),
    what="pretraining setting",
)


def base_folders():
    """Hugging Face-format folders the operator placed under STUDIO_BASE_MODELS_DIR."""
    root = Path(settings.STUDIO_BASE_MODELS_DIR)
    if not root.is_dir():
        return []
    return sorted(folder.name for folder in root.iterdir()
                  if not folder.name.startswith(".") and (folder / "config.json").is_file())  # .x.partial: copying


def base_path(project, base):
    """Where a base named `version:<id>`, `folder:<name>` or `hub:<id>` is loaded from."""
    from ..models import ModelVersion

    kind, _, name = base.partition(":")
    if kind == "version":
        return str(ModelVersion.objects.get(pk=int(name), registered_model__project=project).path)
    if kind == "folder":
        return str(settings.STUDIO_BASE_MODELS_DIR / name)
    return name  # a hub id: allowed only with STUDIO_ALLOW_HUB_DOWNLOADS (checked with the config)


# Models that keep the first two positions for padding (their max_position_embeddings counts them).
PADDED_POSITIONS = ("roberta", "xlm-roberta", "camembert", "longformer")


def check_length(project, base, max_length):
    """Refuse a `max_length` longer than a local base reads (its position embeddings): the job would crash
    on its first long batch."""
    if base.startswith("hub:"):
        return
    try:
        model = json.loads((Path(base_path(project, base)) / "config.json").read_text())
    except (OSError, ValueError):
        return  # a missing or broken folder is refused when the job loads it, with its own message
    positions = model.get("max_position_embeddings")
    if not isinstance(positions, int):
        return
    longest = positions - 2 if model.get("model_type") in PADDED_POSITIONS else positions
    if max_length > longest:
        raise SettingsError(f"max_length: {base} reads at most {longest:,} tokens (its position embeddings); "
                            f"choose {longest:,} or less.")


def clean(raw):
    config = SETTINGS.clean(raw)
    if not all(isinstance(pk, int) and not isinstance(pk, bool) for pk in config["corpora"]):
        raise SettingsError("corpora: a list of corpus ids.")
    if len(config["model_name"]) > 120:
        raise SettingsError("model_name: at most 120 characters.")
    if config["batch_size"] % config["devices"]:
        raise SettingsError(f"batch_size: {config['batch_size']} blocks cannot be split evenly among "
                            f"{config['devices']} devices; choose a multiple of {config['devices']}.")
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
