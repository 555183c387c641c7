"""The Trainer arguments a pretraining configuration means (shared with the benchmark, which
runs the same training bare)."""

import math

from transformers import TrainingArguments

from ..distributed import trainer_arguments


def total_steps(config, blocks):
    per_epoch = max(1, math.ceil(blocks / (config["batch_size"] * config["gradient_accumulation"])))
    return config["max_steps"] or math.ceil(per_epoch * config["epochs"])


def training_arguments(config, output_dir, blocks, precision, checkpoints=True):
    return TrainingArguments(
        output_dir=str(output_dir), per_device_train_batch_size=config["batch_size"],
        per_device_eval_batch_size=config["batch_size"], gradient_accumulation_steps=config["gradient_accumulation"],
        learning_rate=config["learning_rate"], lr_scheduler_type=config["schedule"],
        warmup_steps=math.ceil(config["warmup_ratio"] * total_steps(config, blocks)),
        num_train_epochs=config["epochs"], max_steps=config["max_steps"] or -1,
        save_strategy="steps" if checkpoints else "no", save_steps=config["checkpoint_every"], save_total_limit=2,
        logging_steps=max(1, min(50, total_steps(config, blocks) // 20)), seed=config["seed"], data_seed=config["seed"], report_to=[],
        disable_tqdm=True, remove_unused_columns=False, **precision, **trainer_arguments(config.get("devices", 1)),
    )
