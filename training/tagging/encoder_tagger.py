"""An encoder fine-tuned as a span tagger (token classification) with the Trainer: BIO tags aligned to the
tokenizer's character offsets, notes longer than the model's length read in overlapping windows (`stride`
tokens shared) and stitched back (a token in two windows gets their mean probabilities), checkpoints each epoch
and resume from the last. The version is the Hugging Face folder plus tagger.json."""

import torch
from datasets import Dataset
from transformers import (
    AutoModelForTokenClassification,
    AutoTokenizer,
    DataCollatorForTokenClassification,
    Trainer,
    set_seed,
)

from labeling.services.bio import align, tag_names

from ..device import training_precision
from ..finetuning.arguments import training_arguments
from ..resume import train_resuming
from .tags import decode, stitch

STRIDE = 32  # tokens two windows of a long note share


def windows(tokenizer, texts, max_length):
    """The tokenizer's windows over `texts`: input ids, offsets and the note each window belongs to."""
    return tokenizer(texts, truncation=True, max_length=max_length, stride=min(STRIDE, max_length // 4),
                     return_overflowing_tokens=True, return_offsets_mapping=True)


def encode(tokenizer, texts, spans, labels, max_length):
    encoded = windows(tokenizer, texts, max_length)
    notes = encoded.pop("overflow_to_sample_mapping")
    offsets = encoded.pop("offset_mapping")
    tags = [align([tuple(pair) for pair in window], spans[note], labels) for window, note in zip(offsets, notes)]
    return Dataset.from_dict({**encoded, "labels": tags})


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
    train_set = encode(tokenizer, train_split.texts, train_split.spans, labels, config["max_length"])
    reporter.log(f"{len(train_split.texts):,} notes make {len(train_set):,} windows of at most "
                 f"{config['max_length']} tokens")
    args = training_arguments({**config, "early_stopping": 0}, folder / "checkpoints", len(train_set), precision,
                              evaluate=False)
    trainer = Trainer(model=model, args=args, train_dataset=train_set,
                      data_collator=DataCollatorForTokenClassification(tokenizer),
                      callbacks=[reporter.as_trainer_callback()])
    train_loss, result, seconds, _steps = train_resuming(trainer, reporter)
    trainer.model.save_pretrained(output, safe_serialization=True)
    tokenizer.save_pretrained(output)
    return {"device": device, "train_loss": train_loss, "steps": result.global_step,
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
        offsets = encoded.pop("offset_mapping")
        per_note = [[] for _ in texts]
        for start in range(0, len(notes), self.batch_size):
            batch = self.tokenizer.pad({key: values[start:start + self.batch_size] for key, values in encoded.items()},
                                       return_tensors="pt")
            with torch.inference_mode():
                probabilities = torch.softmax(self.model(**batch).logits.float(), dim=-1).numpy()
            for row, note, window in zip(probabilities, notes[start:start + self.batch_size],
                                         offsets[start:start + self.batch_size]):
                per_note[note].append(([tuple(pair) for pair in window], row[:len(window)]))
        return [decode(stitch(found), self.labels) for found in per_note]

    def predict(self, text):
        return self.predict_many([text])[0]

