"""Fine-tuning an encoder into a classifier with the Trainer: a softmax head and cross-entropy for
single-label, sigmoid and BCE for multi-label, optional class weights, checkpoints each epoch and resume
from the last one. Each epoch is scored on the validation split by the rule the saved classifier applies
(multi-label: tuned thresholds, each half scored with the other half's); with early stopping the best
epoch by that figure is kept (the earlier of equals), without it the last."""

import json
import re
import shutil
from pathlib import Path

import numpy as np
import torch
from datasets import Dataset
from transformers import (
    AutoModelForSequenceClassification,
    AutoTokenizer,
    DataCollatorWithPadding,
    EarlyStoppingCallback,
    Trainer,
    set_seed,
)

from .. import distributed
from ..device import attention_implementation, training_precision
from ..evaluation.metrics import held_out_f1
from ..resume import train_resuming
from . import pooled, windows
from .arguments import training_arguments
from .classifier_file import long_notes
from .data import Split
from .torch_scorer import encoder_scores


def load_base(base, labels, multi, seed, pooling="cls"):
    """(model with a fresh classification head, tokenizer) from a local Hugging Face folder; `pooling` "mean"
    reads the encoder by the mean of its token states (see pooled.py)."""
    tokenizer = AutoTokenizer.from_pretrained(base)
    set_seed(seed)
    if pooling == "mean":
        return pooled.from_base(base, labels, multi), tokenizer
    model = AutoModelForSequenceClassification.from_pretrained(
        base, num_labels=len(labels), id2label=dict(enumerate(labels)),
        label2id={name: index for index, name in enumerate(labels)},
        problem_type="multi_label_classification" if multi else "single_label_classification")
    return model, tokenizer


def encode(tokenizer, split, multi, max_length):
    targets = split.targets.astype(np.float32) if multi else split.targets
    encoded = tokenizer(split.texts, truncation=True, max_length=max_length)
    return Dataset.from_dict({**encoded, "labels": [list(row) if multi else int(row) for row in targets]})


def macro_f1(multi, seed):
    """The Trainer's `compute_metrics` for the validation split: macro F1 as the saved classifier decides."""
    def compute(prediction):
        logits, truth = prediction
        scores = 1 / (1 + np.exp(-logits)) if multi else logits  # the top class is the top logit
        return {"macro_f1": held_out_f1(truth.astype(int), scores, multi, seed)}
    return compute


def tokens_per_second(dataset, batch_size, steps, seconds, tokens=None):
    """Training throughput: the split's tokens (padding not counted; `tokens` where the dataset's rows are not
    token lists) per epoch, times the epochs that `steps` make, over the seconds they took."""
    per_epoch = max(1, -(-len(dataset) // batch_size))
    tokens = sum(len(ids) for ids in dataset["input_ids"]) if tokens is None else tokens
    return tokens * steps / per_epoch / max(seconds, 1e-9)


def class_weights(targets, count, multi):
    """Rare labels weighed up: positive weights (negatives / positives) for BCE, inverse
    frequency for cross-entropy."""
    counts = targets.sum(axis=0) if multi else np.bincount(targets, minlength=count)
    weights = ((len(targets) - counts) / np.maximum(counts, 1) if multi
               else len(targets) / (count * np.maximum(counts, 1)))
    return torch.tensor(weights, dtype=torch.float32)


def parameter_groups(model, learning_rate, head_learning_rate=0.0, layer_decay=1.0, weight_decay=0.0):
    """AdamW groups: the new head at `head_learning_rate` (0: `learning_rate`); the encoder's top layer (and its
    pooler) at `learning_rate`, each layer below at `layer_decay` times the one above, the embeddings below the
    first layer; no weight decay on biases and norms."""
    prefix = model.base_model_prefix + "."
    layers = model.config.num_hidden_layers
    groups = {}
    for name, parameter in model.named_parameters():
        if not parameter.requires_grad:
            continue
        if not name.startswith(prefix):
            rate = head_learning_rate or learning_rate
        else:
            found = re.search(r"\.layers?\.(\d+)\.", name)
            depth = int(found[1]) + 1 if found else (0 if ".embeddings." in name else layers)
            rate = learning_rate * layer_decay ** (layers - depth)
        decay = 0.0 if parameter.ndim == 1 or "norm" in name.lower() else weight_decay
        groups.setdefault((rate, decay), []).append(parameter)
    return [{"params": params, "lr": rate, "weight_decay": decay} for (rate, decay), params in groups.items()]


class WeightedTrainer(Trainer):
    def __init__(self, *args, label_weights=None, multi=False, head_learning_rate=0.0, layer_decay=1.0, **kwargs):
        super().__init__(*args, **kwargs)
        self.label_weights, self.multi = label_weights, multi
        self.head_learning_rate, self.layer_decay = head_learning_rate, layer_decay

    def create_optimizer(self, model=None):
        if self.optimizer is None and (self.head_learning_rate or self.layer_decay != 1.0):
            groups = parameter_groups(model or self.model, self.args.learning_rate, self.head_learning_rate,
                                      self.layer_decay, self.args.weight_decay)
            optimizer_class, options = Trainer.get_optimizer_cls_and_kwargs(self.args, model or self.model)
            self.optimizer = optimizer_class(groups, **options)  # the Trainer's AdamW, with these groups
        return super().create_optimizer(model)  # the Trainer's own groups when every layer learns alike

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        if self.label_weights is None:
            return super().compute_loss(model, inputs, return_outputs, num_items_in_batch)
        labels = inputs.pop("labels")
        outputs = model(**inputs)
        weights = self.label_weights.to(outputs.logits.device)
        if self.multi:
            loss = torch.nn.functional.binary_cross_entropy_with_logits(outputs.logits.float(), labels.float(),
                                                                        pos_weight=weights)
        else:  # a label per note, or per token (a tagger's, -100 where no tag is learnt)
            logits = outputs.logits.float()
            loss = torch.nn.functional.cross_entropy(logits.view(-1, logits.shape[-1]), labels.view(-1),
                                                     weight=weights, ignore_index=-100)
        return (loss, outputs) if return_outputs else loss


def train(base, config, labels, multi, train_split, validation, folder, output, reporter, teaching=None):
    """Fine-tune `base` and save it to `output`; (validation scores or None, device, figures). With `teaching`
    (a distill.Teaching), the student learns from the teacher's probabilities too. With `devices` above 1, the
    training runs in that many processes (see `training.distributed`)."""
    device, _precision = training_precision()
    devices = config.get("devices", 1)
    distributed.check_devices(devices)
    reporter.log(distributed.describe(devices, config["batch_size"], 1, device))
    shared = {"devices": devices, "effective_batch_size": config["batch_size"]}
    if devices <= 1:
        scores, figures = _fit(base, config, labels, multi, train_split, validation, folder, output, reporter, teaching)
        return scores, device, {**figures, **shared}
    inputs = folder / "ranks" / "inputs.json"
    inputs.parent.mkdir(parents=True, exist_ok=True)
    inputs.write_text(json.dumps({
        "base": str(base), "config": config, "labels": labels, "multi": multi, "folder": str(folder),
        "output": str(output), "train": _split_json(train_split), "validation": _split_json(validation)}))
    fitted = distributed.launch("training.finetuning.encoder.fit_in_rank", inputs, reporter, devices, folder)
    scores = None if fitted["scores"] is None else np.array(fitted["scores"], dtype=np.float32)
    return scores, device, {**fitted["figures"], **shared}


def _split_json(split):
    return {"ids": split.ids, "external_ids": split.external_ids, "texts": split.texts,
            "targets": np.asarray(split.targets).tolist()}


def fit_in_rank(inputs, reporter):
    """One of several training processes: the fine-tune the job handed over, trained; rank 0 saves the classifier,
    scores the validation split and returns the scores and figures."""
    given = json.loads(Path(inputs).read_text())
    splits = [Split(part["ids"], part["external_ids"], part["texts"], np.array(part["targets"]))
              for part in (given["train"], given["validation"])]
    scores, figures = _fit(given["base"], given["config"], given["labels"], given["multi"], *splits,
                           Path(given["folder"]), Path(given["output"]), reporter)
    return {"scores": None if scores is None else np.asarray(scores).tolist(), "figures": figures}


def _fit(base, config, labels, multi, train_split, validation, folder, output, reporter, teaching=None):
    """(validation scores or None, figures) of the fine-tune, its classifier saved to `output`; in a run over several
    processes, rank 0 saves and scores (the others return None)."""
    _device, precision = training_precision()
    pooling = config.get("pooling", "auto")
    pooling = pooled.default_pooling(base) if pooling == "auto" else pooling
    reporter.log(f"Reading the encoder by {'the mean of its token states' if pooling == 'mean' else 'its [CLS] head'}"
                 f" ({pooling})")
    model, tokenizer = load_base(base, labels, multi, config["seed"], pooling)
    attention = attention_implementation(model, reporter)
    trainer_class, extra, collator = WeightedTrainer, {}, DataCollatorWithPadding(tokenizer)
    reading = long_notes(config)
    if reading is not None:
        model = windows.WindowedClassifier(model, reading, multi)
        reporter.log(f"Reading long notes in windows of {config['max_length']} tokens, each {reading['stride']} on "
                     f"from the last (at most {reading['max_windows']} a note), combined by {reading['pooling']}")
        train_set = windows.encode(tokenizer, train_split, multi, config["max_length"], reading)
        collator = windows.Collator(tokenizer)
    elif teaching is not None:
        from . import distill

        layers = distill.keep_layers(model, config["student_layers"])
        reporter.log(f"The student keeps {layers} layers of its base")
        train_set = distill.encode(tokenizer, teaching, train_split, multi, config["max_length"])
        trainer_class, extra = distill.DistillingTrainer, {"temperature": config["temperature"],
                                                           "alpha": config["alpha"]}
    else:
        train_set = encode(tokenizer, train_split, multi, config["max_length"])
    evaluate = bool(validation.texts)
    validation_set = None if not evaluate else (
        encode(tokenizer, validation, multi, config["max_length"]) if reading is None
        else windows.encode(tokenizer, validation, multi, config["max_length"], reading))
    args = training_arguments(config, folder / "checkpoints", len(train_set), precision, evaluate)
    args.remove_unused_columns = teaching is None  # a student's batches carry the teacher's probabilities
    callbacks = [reporter.as_trainer_callback()]
    if evaluate and config["early_stopping"]:
        callbacks.append(EarlyStoppingCallback(early_stopping_patience=config["early_stopping"]))
    weights = class_weights(train_split.targets, len(labels), multi) if config["class_weighting"] else None
    trainer = trainer_class(model=model, args=args, train_dataset=train_set, eval_dataset=validation_set,
                            data_collator=collator,
                            compute_metrics=macro_f1(multi, config["seed"]),
                            callbacks=callbacks, label_weights=weights, multi=multi,
                            head_learning_rate=config.get("head_learning_rate", 0.0),
                            layer_decay=config.get("layer_decay", 1.0), **extra)
    train_loss, result, seconds, steps = train_resuming(trainer, reporter)
    kept_epoch = report_kept(trainer, reporter)
    if distributed.rank() != 0:
        return None, {}
    shutil.rmtree(output, ignore_errors=True)
    trainer.model.save_pretrained(output, safe_serialization=True)
    tokenizer.save_pretrained(output)
    validation_scores = (encoder_scores(trainer.model, tokenizer, validation.texts, multi, config["max_length"])
                         if evaluate else None)
    return validation_scores, {
        **({"layers": layers} if teaching is not None else {}), "pooling": pooling, "train_loss": train_loss,
        "steps": result.global_step, "kept_epoch": kept_epoch, "attention": attention,
        **({"windows_per_note": round(sum(map(len, train_set["input_ids"])) / max(1, len(train_set)), 2),
            "reading": reading} if reading else {}),
        "tokens_per_second": round(tokens_per_second(train_set, config["batch_size"], steps, seconds,
                                                     windows.token_count(train_set) if reading else None), 1)}


def report_kept(trainer, reporter, metric="macro_f1", name="macro F1"):
    """The epoch whose weights the run keeps (None without a validation split), said in the job's log with its
    validation figure (`metric`, called `name`) beside the last epoch's."""
    key = f"eval_{metric}"
    scored = [(entry["epoch"], entry[key]) for entry in trainer.state.log_history if key in entry]
    if not scored:
        return None
    last_epoch, last_f1 = scored[-1]
    if trainer.args.load_best_model_at_end and trainer.state.best_global_step:
        best = trainer.state.best_global_step
        epoch = next((entry["epoch"] for entry in trainer.state.log_history
                      if entry.get("step") == best and key in entry), last_epoch)
    else:
        epoch = last_epoch
    f1 = dict(scored)[epoch]
    if epoch == last_epoch:
        reporter.log(f"Kept the last epoch ({epoch:g}): validation {name} {f1:.3f}")
    else:
        reporter.log(f"Kept epoch {epoch:g} of {last_epoch:g}, the best on validation: {name} {f1:.3f} "
                     f"(the last epoch {last_f1:.3f})")
    return int(epoch) if float(epoch).is_integer() else round(float(epoch), 2)  # 3, not 3.0 (read as 3.000)
