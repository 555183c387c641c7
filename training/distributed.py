"""Training on several devices of one worker (`devices` above 1), with PyTorch's own launcher and DDP.

The job prepares what every process reads (tokenizer, blocks), then starts `torchrun`, which runs the stage's fit
in one process per device (DistributedDataParallel: NCCL on GPUs, gloo on the CPU). Each optimiser step's batch is
split among the processes (`batch_size` / `devices` each), so the same settings and seed train the same model one
process would, faster. Rank 0 alone reports — its progress, curves and log reach the job through a file of events
the job relays to its Reporter — and alone checkpoints (the Trainer's rule) and saves the trained weights, which
the job then registers; the other ranks say nothing. The job keeps its heartbeat while they train; a cancel stops
every process, and a process dies with the job's. A rank that is killed takes the others down with it, and the
job starts them all again once, from the last checkpoint; a second death, or an error in a process, fails the job
with its last lines. A re-delivered job (its worker died) starts them again from the last checkpoint too.

    python -m training.distributed torchrun --standalone --nproc-per-node N -m training.distributed FIT ARGUMENT

(torchrun, dying with the job) where FIT is the dotted path of the stage's `fit(argument, reporter)`.
"""

import ctypes
import json
import logging
import os
import re
import runpy
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.utils.module_loading import import_string

from studio.errors import Refusal

EVENTS = "STUDIO_RANK_EVENTS"  # the events file's path, in each rank's environment
RESTARTS = 1
POLL_SECONDS = 0.5
_ERROR = re.compile(r"^[\w.]*(Error|Exception|Exit)\b")  # a traceback's last line
RELAYED = {"progress", "stage", "metric", "log", "discard_metrics_after"}


class DevicesError(Refusal):
    """This worker cannot train on the devices asked for."""


class RanksFailed(RuntimeError):
    """The training processes stopped without a result."""


def rank():
    return int(os.environ.get("RANK", "0"))


def trainer_arguments(devices):
    """TrainingArguments keywords for a run over `devices` processes (none for one): the batch split among them."""
    if devices <= 1:
        return {}
    import torch

    return {"ddp_backend": "nccl" if torch.cuda.is_available() else "gloo",
            "accelerator_config": {"split_batches": True}, "average_tokens_across_devices": False}


def describe(devices, batch_size, accumulation, device):
    """The job log's line on where the run trains and how its batches are shared."""
    if devices <= 1:
        return f"Training on {device}"
    where = f"{devices} GPUs ({device})" if device != "cpu" else f"{devices} processes on the CPU"
    return (f"Training on {where} with DistributedDataParallel: each batch of {batch_size} is split "
            f"{batch_size // devices} a process; effective batch {batch_size * accumulation}")


def check_devices(devices):
    """Refuse more GPUs than the worker has (a worker without GPUs runs that many processes on its CPU)."""
    import torch

    if devices > 1 and torch.cuda.is_available() and torch.cuda.device_count() < devices:
        raise DevicesError(f"devices: {devices} asked for, and this worker has {torch.cuda.device_count()} GPU(s).")


def shared_folder():
    """In a rank: the folder the job gave its processes (their events, result and whatever it left them)."""
    return Path(os.environ[EVENTS]).parent


def launch(fit, argument, reporter, devices, folder):
    """Run `fit(argument, reporter)` (a dotted path) in `devices` processes, relaying rank 0's reports; the result
    rank 0's fit returned (JSON). When a process was killed (a signal, not an error of its own), all of them start
    again once, from the last checkpoint. `folder`/ranks holds what the processes and the job share."""
    folder = Path(folder) / "ranks"
    folder.mkdir(parents=True, exist_ok=True)
    result = folder / "result.json"
    result.unlink(missing_ok=True)
    for attempt in range(RESTARTS + 1):
        status, lines = _run_ranks(fit, argument, reporter, devices, folder, attempt)
        if status == 0 and result.exists():
            return json.loads(result.read_text())
        killed = _killed(lines)
        if attempt == RESTARTS or not killed:
            causes = [line for line in lines if _ERROR.match(line)]
            raise RanksFailed(f"The training processes stopped (exit status {status})"
                              + (f": {causes[-1]}" if causes else "") + "\n" + "\n".join(lines[-15:]))
        reporter.log(f"A training process was stopped ({killed}): all {devices} start again from the last "
                     f"checkpoint (restart {attempt + 1} of {RESTARTS})", logging.WARNING)


def _run_ranks(fit, argument, reporter, devices, folder, attempt):
    """torchrun's exit status and its output's lines, once it has ended."""
    events, output = folder / "events.jsonl", folder / f"torchrun-{attempt}.log"
    events.unlink(missing_ok=True)
    command = [sys.executable, "-m", "training.distributed", "torchrun", "--standalone", f"--nproc-per-node={devices}",
               "--max-restarts=0", "-m", "training.distributed", fit, str(argument)]
    with open(output, "wb") as log:
        process = subprocess.Popen(command, env={**os.environ, EVENTS: str(events)}, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        offset = 0
        try:
            while process.poll() is None:
                offset = _relay(events, offset, reporter)
                reporter.check_cancel()
                time.sleep(POLL_SECONDS)
            _relay(events, offset, reporter)
        finally:
            _stop(process)
    return process.returncode, [line for line in output.read_text(errors="replace").splitlines() if line.strip()]


def _killed(lines):
    """"signal 9" when torchrun's first observed failure was a process killed by a signal; "" otherwise."""
    text = "\n".join(lines)
    cause = text[text.find("Root Cause"):] if "Root Cause" in text else ""
    found = re.search(r"exitcode\s*:\s*-(\d+)", cause)
    return f"signal {found[1]}" if found else ""


def _torchrun(arguments):
    """The job's launcher: torchrun, told to end (SIGTERM, on which it stops its ranks) when the job's process dies,
    so that no training outlives the worker that ran it."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG (Linux)
    except (AttributeError, OSError):
        pass
    sys.argv = ["torchrun", *arguments]
    runpy.run_module("torch.distributed.run", run_name="__main__", alter_sys=True)


def _relay(events, offset, reporter):
    """Hand rank 0's events written since `offset` to the reporter; the new offset (whole lines only)."""
    if not events.exists():
        return offset
    with open(events, "rb") as handle:
        handle.seek(offset)
        chunk = handle.read()
    complete = chunk[:chunk.rfind(b"\n") + 1]
    for line in complete.splitlines():
        event = json.loads(line)
        if event["do"] in RELAYED:
            getattr(reporter, event["do"])(*event["args"])
    return offset + len(complete)


def _stop(process):
    """Stop torchrun and its ranks (a process group of their own), politely first."""
    if process.poll() is not None:
        return
    for sent, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 15)):
        try:
            os.killpg(process.pid, sent)
        except ProcessLookupError:
            return
        try:
            process.wait(wait)
            return
        except subprocess.TimeoutExpired:
            continue


def save_trained(model, path):
    """Rank 0's trained weights, for the job (a safetensors file, written whole or not at all)."""
    from safetensors.torch import save_model

    partial = path.with_name(path.name + ".partial")
    save_model(model, str(partial))
    os.replace(partial, path)


def load_trained(model, path):
    """Rank 0's trained weights into the job's copy of the model (the same architecture, prepared the same way)."""
    from safetensors.torch import load_model

    load_model(model, str(path))


class RankReporter:
    """A rank's Reporter: rank 0 writes each report as an event line for the job to relay; the others say nothing.
    A cancel is the job's to act on: it stops every process."""

    def __init__(self, path=None, speaking=False):
        self._file = open(path, "a", encoding="utf-8") if speaking else None  # noqa: SIM115 (open for the run)

    def _send(self, do, *args):
        if self._file is not None:
            self._file.write(json.dumps({"do": do, "args": args}) + "\n")
            self._file.flush()

    def progress(self, fraction, message=None):
        self._send("progress", fraction, message)

    def stage(self, fraction, message):
        self._send("stage", fraction, message)

    def span(self, low, high):
        from studio.jobs.reporter import Span  # not at import: a rank imports this module before Django is set up

        return Span(self, low, high)

    def metric(self, name, step, value):
        self._send("metric", name, step, value)

    def log(self, message, level=logging.INFO):
        self._send("log", message, level)

    def discard_metrics_after(self, step):
        self._send("discard_metrics_after", step)

    def check_cancel(self):
        pass

    def as_trainer_callback(self):
        from studio.jobs.trainer_callback import ReporterCallback

        return ReporterCallback(self)


SILENT = RankReporter()  # what a rank's preparations say (the job said it already)


def main(fit, argument):
    import django

    django.setup()
    reporter = RankReporter(Path(os.environ[EVENTS]), speaking=rank() == 0)
    result = import_string(fit)(argument, reporter)
    if rank() == 0:
        partial = shared_folder() / "result.json.partial"
        partial.write_text(json.dumps(result))
        os.replace(partial, shared_folder() / "result.json")


if __name__ == "__main__":
    if sys.argv[1] == "torchrun":
        _torchrun(sys.argv[2:])
    else:
        main(*sys.argv[1:3])
