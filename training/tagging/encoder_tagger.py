"""An encoder fine-tuned as a span tagger (token classification) with the Trainer: BIO tags aligned to the
tokenizer's character offsets, notes longer than the model's length read in overlapping windows (`stride`
tokens shared) and stitched back (a token in two windows gets their mean probabilities), spans widened to whole
words (a sub-word token's tag can end one mid-word), optional class weighting
of the tags, checkpoints each epoch and resume from the last. Each epoch is scored on the validation split by
entity F1 (exact), note by note as the saved tagger reads them; with early stopping the best epoch is kept. The
version is the Hugging Face folder plus tagger.json."""

import numpy as np
import torch
from datasets import Dataset
from transformers import (
    AutoModelForTokenClassification,
    AutoTokenizer,
    DataCollatorForTokenClassification,
    EarlyStoppingCallback,
    set_seed,
)

from labeling.services.bio import align, tag_names

from ..device import training_precision
from ..evaluation.span_metrics import entity_f1
from ..finetuning.arguments import training_arguments
from ..finetuning.encoder import WeightedTrainer, class_weights, report_kept
from ..resume import train_resuming
from .tags import decode, stitch, whole_words

STRIDE = 32  # tokens two windows of a long note share


def windows(tokenizer, texts, max_length):
    """The tokenizer's windows over `texts`: input ids, offsets and the note each window belongs to."""
    return tokenizer(texts, truncation=True, max_length=max_length, stride=min(STRIDE, max_length // 4),
                     return_overflowing_tokens=True, return_offsets_mapping=True)


def encode(tokenizer, texts, spans, labels, max_length):
    """The windows as a dataset with their tags, and (the note, the tokens' offsets) of each window."""
    encoded = windows(tokenizer, texts, max_length)
    notes = encoded.pop("overflow_to_sample_mapping")
    offsets = [[tuple(pair) for pair in window] for window in encoded.pop("offset_mapping")]
    tags = [align(window, spans[note], labels) for window, note in zip(offsets, notes)]
    return Dataset.from_dict({**encoded, "labels": tags}), notes, offsets


def note_spans(logits, notes, offsets, texts, labels):
    """Each note's spans [(start, end, label, score)] from its windows' logits (rows beyond a window's tokens,
    padding, left out), widened to whole words."""
    per_note = [[] for _ in texts]
    for row, note, window in zip(logits, notes, offsets):
        row = np.asarray(row[:len(window)], dtype=np.float64)
        exponent = np.exp(row - row.max(axis=-1, keepdims=True))
        per_note[note].append((window, exponent / exponent.sum(axis=-1, keepdims=True)))
    return [whole_words(decode(stitch(found), labels), text) for found, text in zip(per_note, texts)]


def validation_f1(validation, notes, offsets, labels):
    """The Trainer's `compute_metrics`: the validation notes' exact entity F1, their windows stitched back."""
    def compute(prediction):
        found = note_spans(prediction.predictions, notes, offsets, validation.texts, labels)
        return {"entity_f1": entity_f1(validation.spans, [[span[:3] for span in spans] for spans in found])}
    return compute


def tag_weights(dataset, count):
    """Inverse frequency of each tag over the training windows' tokens (-100, no tag, left out)."""
    tags = np.array([tag for row in dataset["labels"] for tag in row if tag >= 0], dtype=np.int64)
    return class_weights(tags, count, multi=False)


def train(base, config, labels, train_split, validation, output, folder, reporter):
    """Fine-tune `base` as a tagger of `labels` and save it to `output`; the run's figures."""
    device, precision = training_precision()
    tokenizer = AutoTokenizer.from_pretrained(base)
    if not tokenizer.is_fast:
        from ..finetuning.service import FinetuneError

        raise FinetuneError("This base's tokenizer gives no character offsets (a fast tokenizer is needed).")
    names = tag_names(labels)
    set_seed(config["seed"])
    model = AutoModelForTokenClassification.from_pretrained(
        base, num_labels=len(names), id2label=dict(enumerate(names)),
        label2id={name: index for index, name in enumerate(names)})
    train_set, _notes, _offsets = encode(tokenizer, train_split.texts, train_split.spans, labels,
                                         config["max_length"])
    reporter.log(f"{len(train_split.texts):,} notes make {len(train_set):,} windows of at most "
                 f"{config['max_length']} tokens")
    evaluate = bool(validation.texts)
    validation_set, notes, offsets = (encode(tokenizer, validation.texts, validation.spans, labels,
                                             config["max_length"]) if evaluate else (None, [], []))
    args = training_arguments(config, folder / "checkpoints", len(train_set), precision, evaluate,
                              metric="entity_f1")
    callbacks = [reporter.as_trainer_callback()]
    if evaluate and config["early_stopping"]:
        callbacks.append(EarlyStoppingCallback(early_stopping_patience=config["early_stopping"]))
    weights = tag_weights(train_set, len(names)) if config["class_weighting"] else None
    trainer = WeightedTrainer(model=model, args=args, train_dataset=train_set, eval_dataset=validation_set,
                              data_collator=DataCollatorForTokenClassification(tokenizer),
                              compute_metrics=validation_f1(validation, notes, offsets, labels) if evaluate else None,
                              callbacks=callbacks, label_weights=weights,
                              head_learning_rate=config.get("head_learning_rate", 0.0),
                              layer_decay=config.get("layer_decay", 1.0))
    train_loss, result, seconds, _steps = train_resuming(trainer, reporter)
    kept_epoch = report_kept(trainer, reporter, metric="entity_f1", name="entity F1")
    trainer.model.save_pretrained(output, safe_serialization=True)
    tokenizer.save_pretrained(output)
    return {"device": device, "train_loss": train_loss, "steps": result.global_step, "kept_epoch": kept_epoch,
            "train_seconds": round(seconds, 1), "windows": len(train_set)}


class EncoderTagger:
    """A saved encoder tagger: `.predict(text)` → [(start, end, label, score)]."""

    def __init__(self, folder, labels, max_length=512, batch_size=16):
        self.labels, self.batch_size = labels, batch_size
        self.tokenizer = AutoTokenizer.from_pretrained(folder)
        self.model = AutoModelForTokenClassification.from_pretrained(folder).eval()
        self.max_length = min(max_length, self.model.config.max_position_embeddings)

    def predict_many(self, texts):
        encoded = windows(self.tokenizer, texts, self.max_length)
        notes = encoded.pop("overflow_to_sample_mapping")
        offsets = [[tuple(pair) for pair in window] for window in encoded.pop("offset_mapping")]
        logits = []
        for start in range(0, len(notes), self.batch_size):
            batch = self.tokenizer.pad({key: values[start:start + self.batch_size] for key, values in encoded.items()},
                                       return_tensors="pt")
            with torch.inference_mode():
                logits.extend(self.model(**batch).logits.float().numpy())
        return note_spans(logits, notes, offsets, texts, self.labels)

    def predict(self, text):
        return self.predict_many([text])[0]

