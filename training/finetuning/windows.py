"""Notes longer than the model reads, read whole: each note split into overlapping windows of `max_length` tokens
(each `stride` tokens on from the one before, its first `max_windows` of them), the windows run through the
encoder, and their logits combined per note — by their maximum, their mean, or attention learnt during
fine-tuning (a weight for each window from the mean of its token states, softmaxed over the note's windows).
classifier.json's "reading" says how a version reads long notes (see classifier_file.long_notes); training,
validation, evaluation, the predict API and prediction jobs all read them through this module."""

import numpy as np
import torch
from safetensors.torch import load_file, save_file
from torch import nn
from transformers import DataCollatorWithPadding
from transformers.modeling_outputs import SequenceClassifierOutput

from .classifier_file import window_overlap

ATTENTION_FILE = "window_attention.safetensors"
WINDOWS_PER_PASS = 64  # windows a scoring forward pass holds


def split(tokenizer, texts, max_length, reading, offsets=False):
    """(the windows' encoding as lists, the index of each window's note): every note's first `max_windows`
    windows, each `stride` tokens on from the one before (a short note: one window)."""
    overlap = window_overlap(reading, max_length - tokenizer.num_special_tokens_to_add())
    encoded = tokenizer(list(texts), truncation=True, max_length=max_length, stride=overlap,
                        return_overflowing_tokens=True, return_offsets_mapping=offsets)
    notes = encoded.pop("overflow_to_sample_mapping")
    kept, seen = [], {}
    for index, note in enumerate(notes):
        seen[note] = seen.get(note, 0) + 1
        if seen[note] <= reading["max_windows"]:
            kept.append(index)
    return {key: [values[index] for index in kept] for key, values in encoded.items()}, [notes[i] for i in kept]


def encode(tokenizer, split_, multi, max_length, reading):
    """A training dataset of notes, each holding its windows (lists of token lists) and its label."""
    from datasets import Dataset  # training's; a process that only scores never loads it

    windows, notes = split(tokenizer, split_.texts, max_length, reading)
    rows = [dict() for _ in split_.texts]
    for position, note in enumerate(notes):
        for key, values in windows.items():
            rows[note].setdefault(key, []).append(values[position])
    targets = split_.targets.astype(np.float32) if multi else split_.targets
    columns = {key: [row[key] for row in rows] for key in windows}
    return Dataset.from_dict({**columns, "labels": [list(row) if multi else int(row) for row in targets]})


def token_count(dataset):
    """The tokens of a dataset of notes (padding not counted), each note's windows together."""
    return sum(len(window) for windows in dataset["input_ids"] for window in windows)


class Collator:
    """A batch of notes as one batch of their windows (padded), `note` naming each window's note."""

    def __init__(self, tokenizer):
        self.pad = DataCollatorWithPadding(tokenizer)

    def __call__(self, features):
        windows, notes = [], []
        for index, feature in enumerate(features):
            keys = [key for key in feature if key != "labels"]
            for number in range(len(feature["input_ids"])):
                windows.append({key: feature[key][number] for key in keys})
                notes.append(index)
        batch = self.pad(windows)
        batch["note"] = torch.tensor(notes)
        batch["labels"] = torch.tensor([feature["labels"] for feature in features])
        return batch


class WindowedClassifier(nn.Module):
    """A classifier (its own head or the mean-pooled one) run on windows, its logits combined per note."""

    def __init__(self, inner, reading, multi):
        super().__init__()
        self.inner, self.reading, self.multi = inner, reading, multi
        self.config = inner.config
        self.base_model_prefix = f"inner.{inner.base_model_prefix}"  # its encoder's layers, for layer-wise rates
        self.attention = nn.Linear(self.config.hidden_size, 1) if reading["pooling"] == "attention" else None

    def get_input_embeddings(self):
        return self.inner.get_input_embeddings() if hasattr(self.inner, "get_input_embeddings") else \
            getattr(self.inner, self.inner.base_model_prefix).get_input_embeddings()

    def windows(self, input_ids=None, attention_mask=None, token_type_ids=None, inputs_embeds=None):
        """Each window's logits and, with attention pooling, its attention score."""
        extra = {"token_type_ids": token_type_ids} if token_type_ids is not None else {}
        outputs = self.inner(input_ids=input_ids, attention_mask=attention_mask, inputs_embeds=inputs_embeds,
                             output_hidden_states=self.attention is not None, **extra)
        if self.attention is None:
            return outputs.logits, None
        states = outputs.hidden_states[-1]
        mask = (attention_mask if attention_mask is not None else
                torch.ones(states.shape[:2], device=states.device)).unsqueeze(-1).to(states.dtype)
        return outputs.logits, self.attention((states * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1))[:, 0]

    def combine(self, logits, scores, note):
        """One row of logits per note from its windows' (`note`: each window's note; None: all one note)."""
        note = torch.zeros(len(logits), dtype=torch.long, device=logits.device) if note is None else note
        rows = []
        for index in range(int(note.max()) + 1 if len(note) else 0):
            mine = logits[note == index]
            if self.reading["pooling"] == "max":
                rows.append(mine.max(dim=0).values)
            elif self.reading["pooling"] == "mean":
                rows.append(mine.mean(dim=0))
            else:
                weights = torch.softmax(scores[note == index].float(), dim=0).to(mine.dtype)
                rows.append((weights[:, None] * mine).sum(dim=0))
        return torch.stack(rows) if rows else logits[:0]

    def forward(self, input_ids=None, attention_mask=None, token_type_ids=None, note=None, labels=None,
                inputs_embeds=None):
        logits = self.combine(*self.windows(input_ids, attention_mask, token_type_ids, inputs_embeds), note)
        loss = None
        if labels is not None:
            loss = (nn.functional.binary_cross_entropy_with_logits(logits.float(), labels.float()) if self.multi
                    else nn.functional.cross_entropy(logits.float(), labels))
        return SequenceClassifierOutput(loss=loss, logits=logits)

    def save_pretrained(self, folder, **options):
        self.inner.save_pretrained(folder, **options)
        if self.attention is not None:
            save_file({name: tensor.contiguous() for name, tensor in self.attention.state_dict().items()},
                      f"{folder}/{ATTENTION_FILE}", metadata={"format": "pt"})


def load(folder, inner, reading, multi):
    """A saved windowed classifier around its loaded `inner` classifier."""
    model = WindowedClassifier(inner, reading, multi)
    if model.attention is not None:
        model.attention.load_state_dict(load_file(folder / ATTENTION_FILE))
    return model


@torch.no_grad()
def scores(model, tokenizer, texts, multi, max_length, notes_per_pass=64):
    """Probabilities of each note, read in windows."""
    device = next(model.parameters()).device
    model.eval()
    out = []
    for start in range(0, len(texts), notes_per_pass):
        windows, notes = split(tokenizer, texts[start:start + notes_per_pass], max_length, model.reading)
        logits, attention = [], []
        for first in range(0, len(notes), WINDOWS_PER_PASS):
            batch = tokenizer.pad({key: values[first:first + WINDOWS_PER_PASS] for key, values in windows.items()},
                                  return_tensors="pt").to(device)
            window_logits, window_scores = model.windows(**batch)
            logits.append(window_logits.float())
            attention.append(window_scores)
        combined = model.combine(torch.cat(logits), None if model.attention is None else torch.cat(attention),
                                 torch.tensor(notes, device=device))
        out.append((torch.sigmoid(combined) if multi else torch.softmax(combined, dim=-1)).cpu().numpy())
    return np.concatenate(out) if out else np.zeros((0, model.config.num_labels))
