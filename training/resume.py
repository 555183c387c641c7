"""Running a Trainer so that a job whose worker died picks up from its last checkpoint."""

import os
import time

from transformers.trainer_utils import get_last_checkpoint


def train_resuming(trainer, reporter):
    """(TrainOutput, seconds, steps run in this call) of `trainer.train()`, resumed from the newest
    checkpoint in its output folder when there is one."""
    folder = trainer.args.output_dir
    last = get_last_checkpoint(folder) if os.path.isdir(folder) else None
    if last:
        reporter.log(f"Resuming from {os.path.basename(last)}")
    started = time.perf_counter()
    result = trainer.train(resume_from_checkpoint=last)
    seconds = time.perf_counter() - started
    return result, seconds, result.global_step - (int(os.path.basename(last).rsplit("-", 1)[1]) if last else 0)
