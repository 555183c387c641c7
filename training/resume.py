"""Running a Trainer so that a job whose worker died picks up from its last complete checkpoint — on this machine,
or, with the artifacts in an object store, on any (each checkpoint is mirrored there as it is saved)."""

import logging
import os
import re
import shutil
import time
from pathlib import Path

from transformers import TrainerCallback

from studio import artifacts

logger = logging.getLogger(__name__)

_CHECKPOINT = re.compile(r"^checkpoint-(\d+)$")


class MirrorCheckpoints(TrainerCallback):
    """After each save, the new checkpoint goes to the store (a no-op for the local folder) and the ones the Trainer
    rotated away leave it. Rank 0 alone: the others save nothing."""

    def on_save(self, args, state, control, **kwargs):
        store, folder = artifacts.store(), Path(args.output_dir)
        if not state.is_world_process_zero or not store.remote:
            return
        try:
            store.mirror(folder / f"checkpoint-{state.global_step}")
            store.forget_mirrored(store.key_of(folder), keep={path.name for path in folder.iterdir()})
        except Exception as error:  # the run goes on: only a takeover elsewhere would miss this checkpoint
            logger.warning("Could not mirror checkpoint-%s into %s: %s", state.global_step, store.describe(), error)


def last_complete_checkpoint(folder, reporter=None):
    """The newest checkpoint folder that was written to the end (transformers writes trainer_state.json last);
    newer ones a crash left half-written are removed, so that neither this run nor the next trips on them."""
    found = sorted(((int(match[1]), path) for path in Path(folder).iterdir()
                    if path.is_dir() and (match := _CHECKPOINT.match(path.name))), reverse=True)
    for _step, path in found:
        if (path / "trainer_state.json").is_file():
            return str(path)
        if reporter is not None:
            reporter.log(f"Removing {path.name}: it was not written to the end")
        shutil.rmtree(path, ignore_errors=True)
    return None


def _loss_before(log_history, step):
    """The mean training loss over the first `step` steps, from the losses logged before a resume."""
    logged = sorted((entry["step"], entry["loss"]) for entry in log_history if "loss" in entry and entry["step"] <= step)
    total, previous = 0.0, 0
    for at, loss in logged:
        total += loss * (at - previous)
        previous = at
    return total / previous if previous else None


def train_resuming(trainer, reporter):
    """(train loss over the whole run, TrainOutput, seconds, steps run in this call) of `trainer.train()`, resumed
    from the newest complete checkpoint in its output folder when there is one."""
    folder = trainer.args.output_dir
    trainer.add_callback(MirrorCheckpoints)
    last = last_complete_checkpoint(folder, reporter) if os.path.isdir(folder) else None
    if last:
        reporter.log(f"Resuming from {os.path.basename(last)}")
    started = time.perf_counter()
    result = trainer.train(resume_from_checkpoint=last)
    seconds = time.perf_counter() - started
    resumed_at = int(os.path.basename(last).rsplit("-", 1)[1]) if last else 0
    steps_run = result.global_step - resumed_at
    # The Trainer's own figure averages this call's steps only: weigh in the steps before the resume.
    before = _loss_before(trainer.state.log_history, resumed_at) if resumed_at else None
    loss = result.training_loss if before is None else \
        (result.training_loss * steps_run + before * resumed_at) / max(result.global_step, 1)
    return loss, result, seconds, steps_run
