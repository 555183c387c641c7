"""A multi-task fine-tune: one encoder learns several tasks' document labels at once, a head per task.

Each task is a snapshot of the project (its labels of the same notes: a diagnosis group and a risk flag). The
heads share one encoder module; a step trains one task on a batch of its notes, the tasks taking turns so each gets
as many batches an epoch as the largest (smaller tasks' notes come round more often: balanced sampling), its loss
times the task's weight. Each epoch scores every task on its validation split (a curve per task on the job page);
with early stopping the epoch with the best mean of the tasks' macro F1 is kept (every epoch runs), without it the
last.

Each task's head is saved as a classifier folder any of the studio's paths load (Hugging Face's sharded layout: the
encoder's weights in one file, the head's in another, an index naming which holds what); the encoder file is the
same bytes for every task, registered once and linked into the other versions, and each version's lineage names its
sha256."""

import copy
import hashlib
import json
import math
import os
import random
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import save_file
from transformers import get_linear_schedule_with_warmup, set_seed

from labeling.models import DatasetSnapshot
from studio.jobs import service as jobs_service

from ..device import attention_implementation
from ..evaluation.metrics import collapsed, held_out_f1, predictions, tune_thresholds
from ..evaluation.service import start_evaluation
from ..models import EvaluationReport, Finetuning, ModelVersion
from ..pretraining.config import base_path
from . import classifier_file, data, pooled
from .encoder import class_weights, load_base, parameter_groups
from .run import Trained, save_version
from .service import FinetuneError
from .torch_scorer import encoder_scores

ENCODER_FILE, HEAD_FILE, INDEX_FILE = "model-encoder.safetensors", "model-head.safetensors", "model.safetensors.index.json"


@dataclass
class Task:
    snapshot: DatasetSnapshot
    labels: list
    multi: bool
    train: data.Split
    validation: data.Split
    weight: float

    @property
    def key(self):
        """The task in metric names: its snapshot's name, in lower case with underscores."""
        return "".join(char if char.isalnum() else "_" for char in self.snapshot.name.lower()).strip("_") or \
            f"snapshot_{self.snapshot.pk}"


def read_tasks(run):
    """The run's tasks: its own snapshot first, then those of `tasks`, each with its weight."""
    config = run.config
    by_id = DatasetSnapshot.objects.in_bulk(config["tasks"])
    snapshots = [run.snapshot, *(by_id[pk] for pk in config["tasks"])]
    tasks = []
    for snapshot, weight in zip(snapshots, config["task_weights"], strict=True):
        labels, multi = data.snapshot_labels(snapshot)
        train = data.read_split(snapshot, "train", labels, multi)
        if not train.texts:
            raise FinetuneError(f"The train split of snapshot {snapshot.name} is empty.")
        tasks.append(Task(snapshot, labels, multi, train, data.read_split(snapshot, "validation", labels, multi),
                          weight))
    return tasks


class MultiTask(torch.nn.Module):
    """One classifier per task, all reading the first one's encoder (named as a single classifier's is, so the
    fine-tune's learning-rate groups apply: the encoder's layers, the heads at the head's rate)."""

    def __init__(self, heads):
        super().__init__()
        self.heads = torch.nn.ModuleList(heads)
        prefix = heads[0].base_model_prefix
        for head in heads[1:]:
            setattr(head, prefix, getattr(heads[0], prefix))
        self.base_model_prefix, self.config = f"heads.0.{prefix}", heads[0].config


def _loss(logits, targets, multi, weights):
    if multi:
        return torch.nn.functional.binary_cross_entropy_with_logits(logits.float(), targets.float(), pos_weight=weights)
    return torch.nn.functional.cross_entropy(logits.float(), targets, weight=weights)


def batches_per_task(tasks, batch_size):
    """Batches each task gets an epoch: the largest task's count, for every task."""
    return max(math.ceil(len(task.train.texts) / batch_size) for task in tasks)


def schedule(tasks, batch_size, seed, epoch):
    """The epoch's steps in order, [(task index, row indices)]: the tasks take turns, each drawing its notes in a
    seeded order and starting over when they run out."""
    rng = random.Random(f"{seed}:{epoch}")
    orders = [[] for _ in tasks]
    steps = []
    for _turn in range(batches_per_task(tasks, batch_size)):
        for number, task in enumerate(tasks):
            size = len(task.train.texts)
            batch = []
            while len(batch) < min(batch_size, size):
                if not orders[number]:
                    orders[number] = rng.sample(range(size), size)
                batch.append(orders[number].pop())
            steps.append((number, batch))
    return steps


def train(base, config, tasks, reporter):
    """(model, tokenizer, figures): the heads trained together, on the GPU where there is one."""
    device = "cuda" if torch.cuda.is_available() else "cpu"
    pooling = config.get("pooling", "auto")
    pooling = pooled.default_pooling(base) if pooling == "auto" else pooling
    heads = []
    for task in tasks:
        head, tokenizer = load_base(base, task.labels, task.multi, config["seed"], pooling)
        heads.append(head)
    attention = attention_implementation(heads[0], reporter)
    model = MultiTask(heads).to(device)
    set_seed(config["seed"])
    encoded = [tokenizer(task.train.texts, truncation=True, max_length=config["max_length"]) for task in tasks]
    targets = [torch.tensor(task.train.targets, dtype=torch.float32 if task.multi else torch.long) for task in tasks]
    weights = [class_weights(task.train.targets, len(task.labels), task.multi).to(device)
               if config["class_weighting"] else None for task in tasks]
    epochs = max(1, math.ceil(config["epochs"]))
    per_epoch = batches_per_task(tasks, config["batch_size"]) * len(tasks)
    total = max(1, round(per_epoch * config["epochs"]))
    optimizer = torch.optim.AdamW(parameter_groups(model, config["learning_rate"], config.get("head_learning_rate", 0.0),
                                                   config.get("layer_decay", 1.0), config["weight_decay"]))
    scheduler = get_linear_schedule_with_warmup(optimizer, math.ceil(config["warmup_ratio"] * total), total)
    step, best, kept, history, started, tokens = 0, None, None, [], time.perf_counter(), 0
    losses = {number: [] for number in range(len(tasks))}
    for epoch in range(epochs):
        model.train()
        for number, rows in schedule(tasks, config["batch_size"], config["seed"], epoch):
            if step >= total:
                break
            batch = tokenizer.pad({key: [encoded[number][key][row] for row in rows] for key in encoded[number]},
                                  return_tensors="pt").to(device)
            tokens += int(batch["attention_mask"].sum())
            logits = model.heads[number](**batch).logits
            loss = tasks[number].weight * _loss(logits, targets[number][rows].to(device), tasks[number].multi,
                                                weights[number])
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad()
            step += 1
            losses[number].append(loss.item() / tasks[number].weight)
            if step % max(1, min(50, total // 20)) == 0 or step == total:
                for task_number, recent in losses.items():
                    if recent:
                        reporter.metric(f"loss_{tasks[task_number].key}", step, float(np.mean(recent)))
                        history.append(float(np.mean(recent)))
                losses = {task_number: [] for task_number in losses}
                reporter.metric("learning_rate", step, scheduler.get_last_lr()[0])
            reporter.progress(step / total, f"step {step} of {total}")
            reporter.check_cancel()
        scores = _validate(model, tokenizer, tasks, config, step, reporter)
        if scores and (best is None or np.mean(scores) > best):
            best = float(np.mean(scores))
            if config["early_stopping"]:
                kept = (epoch + 1, copy.deepcopy({name: tensor.cpu() for name, tensor in model.state_dict().items()}))
    if kept is not None and kept[0] != epochs:
        model.load_state_dict(kept[1])
        reporter.log(f"Kept epoch {kept[0]} of {epochs}, the best on validation: mean macro F1 {best:.3f}")
    seconds = time.perf_counter() - started
    return model, tokenizer, {"pooling": pooling, "attention": attention, "steps": step,
                              "kept_epoch": kept[0] if kept is not None else epochs,
                              "train_loss": float(np.mean(history)) if history else None,
                              "tokens_per_second": round(tokens / max(seconds, 1e-9), 1)}


def _validate(model, tokenizer, tasks, config, step, reporter):
    """Each task's validation macro F1 as a point of its curve; the scores, [] without validation splits."""
    found = []
    for number, task in enumerate(tasks):
        if not task.validation.texts:
            continue
        scores = encoder_scores(model.heads[number], tokenizer, task.validation.texts, task.multi,
                                config["max_length"])
        f1 = held_out_f1(task.validation.targets, scores, task.multi, config["seed"])
        reporter.metric(f"eval_macro_f1_{task.key}", step, f1)
        found.append(f1)
    return found


def save_head(head, tokenizer, output):
    """A task's classifier folder: the encoder's weights, the head's and the index that names where each is (what
    `from_pretrained` reads); mean-pooled heads keep their own layout (the encoder's folder plus the head's file)."""
    output.mkdir(parents=True, exist_ok=True)
    if isinstance(head, pooled.MeanPooledClassifier):
        head.save_pretrained(output)
    else:
        prefix = head.base_model_prefix + "."
        state = {name: tensor.detach().cpu().contiguous() for name, tensor in head.state_dict().items()}
        files = {ENCODER_FILE: {name: tensor for name, tensor in state.items() if name.startswith(prefix)},
                 HEAD_FILE: {name: tensor for name, tensor in state.items() if not name.startswith(prefix)}}
        for file_name, tensors in files.items():
            save_file(tensors, output / file_name, metadata={"format": "pt"})
        size = sum(tensor.numel() * tensor.element_size() for tensor in state.values())
        (output / INDEX_FILE).write_text(json.dumps({
            "metadata": {"total_size": size},
            "weight_map": {name: file_name for file_name, tensors in files.items() for name in sorted(tensors)}},
            indent=1, sort_keys=True))
        head.config.save_pretrained(output)
    tokenizer.save_pretrained(output)


def shared_file(head):
    """The file of a task's folder that holds the encoder (the same bytes for every task)."""
    return "model.safetensors" if isinstance(head, pooled.MeanPooledClassifier) else ENCODER_FILE


def train_tasks(run, job, reporter):
    """The `finetune` job of a multi-task run: train, then one version per task, each evaluated on its own
    snapshot's test split. The result names each task's version and validation figure."""
    run = Finetuning.objects.select_related("snapshot", "project").get(pk=run.pk)
    config = run.config
    reporter.stage(0.0, "Reading the tasks' snapshots")
    tasks = read_tasks(run)
    done = {version.lineage.get("multitask", {}).get("task"): version
            for version in ModelVersion.objects.filter(job=job)}
    reporter.log("Tasks: " + "; ".join(f"{task.snapshot.name} ({len(task.train.texts):,} training notes, weight "
                                       f"{task.weight:g})" for task in tasks))
    reporter.stage(0.05, f"Training one encoder for {len(tasks)} tasks")
    model, tokenizer, figures = train(base_path(run.project, config["base"]), config, tasks,
                                      reporter.span(0.05, 0.85))
    reporter.stage(0.85, "Saving each task's head; scoring the validation splits")
    folder = Path(jobs_service.workdir(job))
    results, encoder_sha, first_path = [], None, None
    for number, (task, head) in enumerate(zip(tasks, model.heads, strict=True)):
        output = folder / f"task-{number}" / "model"
        save_head(head, tokenizer, output)
        measured = _measure(head, tokenizer, task, config)
        thresholds = measured.pop("thresholds")
        classifier_file.write_settings(output, task.labels, task.multi, thresholds, config["max_length"],
                                       figures["pooling"])
        encoder_sha = encoder_sha or _sha256(output / shared_file(head))
        name = config["model_name"] if number == 0 else f"{task.snapshot.name} classifier"[:120]
        lineage = {"attention": figures["attention"], "long_notes": {"truncated_at": config["max_length"]},
                   "multitask": {"task": task.snapshot.name, "tasks": [other.snapshot.name for other in tasks],
                                 "weights": [other.weight for other in tasks],
                                 "encoder_file": shared_file(head), "encoder_sha256": encoder_sha},
                   **({"task": task.snapshot.task.name, "task_id": task.snapshot.task_id}
                      if task.snapshot.task_id else {})}
        version = done.get(task.snapshot.name)
        if version is None:
            trained = Trained(output, "cuda" if torch.cuda.is_available() else "cpu",
                              {**measured, **{key: figures[key] for key in ("steps", "kept_epoch", "train_loss",
                                                                           "tokens_per_second", "attention")}},
                              lineage)
            version = save_version(run, job, {**config, "model_name": name}, output, task.labels, task.multi,
                                   trained.device, trained.measured, lineage, snapshot=task.snapshot,
                                   write=_linking(first_path, shared_file(head), output))
            start_evaluation(run.created_by, run.project, version, task.snapshot)
        first_path = first_path or version.path
        evaluation = EvaluationReport.objects.filter(model_version=version).order_by("id").first()
        results.append({"task": task.key, "model_version": version.pk,
                        "evaluation": evaluation.pk if evaluation else None,
                        "validation_macro_f1": measured["validation_macro_f1"]})
        reporter.log(f"{task.snapshot.name}: version {version} (validation macro F1 "
                     + (f"{measured['validation_macro_f1']:.3f})" if measured["validation_macro_f1"] is not None
                        else "not measured: no validation split)"))
    Finetuning.objects.filter(pk=run.pk).update(output_id=results[0]["model_version"])
    scored = [result["validation_macro_f1"] for result in results if result["validation_macro_f1"] is not None]
    return {"mean_validation_macro_f1": float(np.mean(scored)) if scored else None,
            "model_version": results[0]["model_version"], "evaluation": results[0]["evaluation"],
            "model_versions": [result["model_version"] for result in results],
            "evaluations": [result["evaluation"] for result in results],
            **{f"validation_macro_f1_{result['task']}": result["validation_macro_f1"] for result in results
               if result["validation_macro_f1"] is not None},
            "encoder_sha256": encoder_sha,
            **{key: figures[key] for key in ("steps", "kept_epoch", "train_loss", "tokens_per_second", "attention")}}


def _measure(head, tokenizer, task, config):
    """The head's validation macro F1, its collapse warning and (multi-label) its tuned thresholds."""
    if not task.validation.texts:
        return {"validation_macro_f1": None, "collapsed": None,
                "thresholds": [0.5] * len(task.labels) if task.multi else None}
    scores = encoder_scores(head, tokenizer, task.validation.texts, task.multi, config["max_length"])
    thresholds = tune_thresholds(task.validation.targets, scores) if task.multi else None
    return {"validation_macro_f1": held_out_f1(task.validation.targets, scores, task.multi, config["seed"]),
            "collapsed": collapsed(task.validation.targets, predictions(scores, task.multi, thresholds), task.multi,
                                   task.labels),
            "thresholds": thresholds}


def _linking(first_path, encoder_file, output):
    """How a version's folder is written from `output`: copied, except the encoder file, which later tasks link to
    the first task's (the same bytes, kept once on disk)."""
    def write(path):
        shutil.copytree(output, path, ignore=shutil.ignore_patterns(encoder_file) if first_path else None)
        if first_path:
            try:
                os.link(first_path / encoder_file, path / encoder_file)
            except OSError:  # another file system: a copy
                shutil.copyfile(output / encoder_file, path / encoder_file)
    return write


def _sha256(path):
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()
