"""Continued masked-language-model pretraining from a base that was saved without an MLM head (sentence-embedding
checkpoints are encoders alone), and keeping every base weight the adapted encoder did not train.

A new head starts from what the base already knows: its decoder is tied to the word embeddings, its transform
starts as the identity with zero biases, and it is trained alone for its first steps (the body frozen) before the
whole encoder trains; the held-out perplexity after those steps is the base's, measured with a head that fits it.
"""

import shutil
from pathlib import Path

import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file
from transformers import AutoModelForMaskedLM, TrainerCallback

HEAD_SHARE = 0.1  # of the run's steps, trained with the body frozen when the head is new


def load_mlm_base(base):
    """(model, new head?, the base's weights the model does not use) for continued MLM from `base`."""
    model, info = AutoModelForMaskedLM.from_pretrained(base, output_loading_info=True)
    prefix = model.base_model_prefix + "."
    new_head = any(not key.startswith(prefix) for key in info["missing_keys"])
    if new_head:
        _start_head(model)
    return model, new_head, sorted(info["unexpected_keys"])


@torch.no_grad()
def _start_head(model):
    """Square transforms of the head as the identity, every head bias zero; the tied decoder is left as it is."""
    decoder = model.get_output_embeddings()
    prefix = model.base_model_prefix
    for name, module in model.named_modules():
        if not name or name == prefix or name.startswith(prefix + "."):
            continue
        square = isinstance(module, torch.nn.Linear) and module.weight.shape[0] == module.weight.shape[1]
        if square and module is not decoder:
            module.weight.copy_(torch.eye(module.weight.shape[0]))
        if isinstance(module, torch.nn.Linear) and module.bias is not None:
            module.bias.zero_()
    for name, parameter in model.named_parameters():
        if name.endswith("predictions.bias") or name.endswith("lm_head.bias"):
            parameter.zero_()


class HeadFirst(TrainerCallback):
    """Train a new head alone for its first `steps` (the body frozen), then everything; `measured()` is called
    once the body is unfrozen (not again after a resume past that point)."""

    def __init__(self, model, steps, measured):
        prefix = model.base_model_prefix + "."
        self.body = [parameter for name, parameter in model.named_parameters() if name.startswith(prefix)]
        self.steps, self.measured, self.frozen = steps, measured, False

    def _set(self, trainable):
        for parameter in self.body:
            parameter.requires_grad_(trainable)
        self.frozen = not trainable

    def on_train_begin(self, args, state, control, **kwargs):
        if state.global_step < self.steps:
            self._set(False)

    def on_step_end(self, args, state, control, **kwargs):
        if self.frozen and state.global_step >= self.steps:
            self._set(True)
            self.measured()


def keep_base_weights(base, folder, prefix, unused):
    """Add the base's pooler, which the MLM model has no place for (among its `unused` weights), to the saved
    model.safetensors, named as the saved model names its encoder's, so a fine-tune from the adapted encoder starts
    from every weight a fine-tune from the base does. The names added."""
    source, target = Path(base) / "model.safetensors", Path(folder) / "model.safetensors"
    if not unused or not source.is_file() or not target.is_file():
        return []
    tensors = load_file(target)
    added = []
    with safe_open(source, framework="pt") as base_file:
        stored = set(base_file.keys())
        for key in unused:
            name = key if key.startswith(prefix + ".") else f"{prefix}.{key}"
            if name.startswith(f"{prefix}.pooler.") and key in stored and name not in tensors:
                tensors[name] = base_file.get_tensor(key).contiguous()
                added.append(name)
    if added:
        save_file(tensors, target, metadata={"format": "pt"})
    return added


# What sentence-transformers saves beside the encoder (how it pools, above all): kept with an adapted encoder, so
# that it is read as its base was (see training.finetuning.pooled).
SENTENCE_FILES = ("modules.json", "sentence_bert_config.json", "config_sentence_transformers.json",
                  "1_Pooling/config.json")


def keep_base_files(base, folder):
    """Copy the base's sentence-transformers files that exist into the saved folder; the names copied."""
    copied = []
    for name in SENTENCE_FILES:
        source = Path(base) / name
        if source.is_file():
            (Path(folder) / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, Path(folder) / name)
            copied.append(name)
    return copied
