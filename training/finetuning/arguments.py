"""The Trainer arguments a fine-tuning configuration means (shared with the benchmark, which runs
the same training bare)."""

import math

from transformers import TrainingArguments

from ..distributed import trainer_arguments


def training_arguments(config, output_dir, examples, precision, evaluate, checkpoints=True, metric="macro_f1"):
    """Evaluation each epoch when there is a validation split; with checkpoints, one per epoch, and with early
    stopping the best one (by validation `metric`; the earlier of equals) loaded at the end. Without early
    stopping the run keeps its last epoch: a fixed number of epochs means what it says."""
    per_epoch = max(1, math.ceil(examples / config["batch_size"]))
    total = max(1, math.ceil(per_epoch * config["epochs"]))
    keep_best = evaluate and checkpoints and bool(config.get("early_stopping"))
    return TrainingArguments(
        output_dir=str(output_dir), per_device_train_batch_size=config["batch_size"],
        per_device_eval_batch_size=config["batch_size"], learning_rate=config["learning_rate"],
        num_train_epochs=config["epochs"], warmup_steps=math.ceil(config["warmup_ratio"] * total),
        weight_decay=config["weight_decay"], eval_strategy="epoch" if evaluate else "no",
        save_strategy="epoch" if checkpoints else "no", save_total_limit=2, load_best_model_at_end=keep_best,
        metric_for_best_model=metric if keep_best else None, greater_is_better=True,
        logging_steps=max(1, min(50, total // 20)), seed=config["seed"], data_seed=config["seed"], report_to=[],
        disable_tqdm=True, **precision, **trainer_arguments(config.get("devices", 1)),
    )
