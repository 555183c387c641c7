"""Reporter overhead: a tight training loop with and without progress()/metric() on every step.

Target: 100,000 steps with a `progress()` and a `metric()` call each cost under 2% more than
the bare loop, and the database sees about one write a second whatever the call rate.

Bare and reported steps alternate in chunks of 10 so that both meet the same machine
load. The loop body is one SGD step of a 192-unit linear layer on a batch of 64 (numpy, about
180 us here), far smaller than any real training step of a language model; the cost per
call is printed too, to judge any other loop. Uses the configured database (run `manage.py
migrate` first); it creates one Job row and deletes it afterwards.

    .venv/bin/python benchmarks/reporter_overhead.py [--steps 100000] [--rounds 3]
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studio.settings.local")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # one core for the loop, as in a pool process

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from studio.jobs.reporter import Reporter  # noqa: E402
from studio.models import Job  # noqa: E402


def make_problem(seed=0, width=192, batch=64):
    rng = np.random.default_rng(seed)
    weights = (rng.standard_normal((width, width)) * 0.01).astype(np.float32)
    inputs = rng.standard_normal((batch, width)).astype(np.float32)
    targets = rng.standard_normal((batch, width)).astype(np.float32)
    return weights, inputs, targets


CHUNK = 10


def _steps(weights, inputs, targets, first, last):
    for step in range(first, last):
        error = inputs @ weights - targets
        weights -= 0.01 * (inputs.T @ error) / len(inputs)


def _reported_steps(weights, inputs, targets, first, last, total, reporter):
    for step in range(first, last):
        error = inputs @ weights - targets
        weights -= 0.01 * (inputs.T @ error) / len(inputs)
        reporter.progress(step / total, "training")
        reporter.metric("step_size", step, 0.01)


def paired_loops(steps, reporter):
    """Bare and reported steps in alternating short chunks (which goes first alternates too),
    so both meet the same machine; returns (bare seconds, reported seconds).

    The reporter sees the step numbers of the whole run and flushes on its own clock, as in a real loop.
    """
    weights, inputs, targets = make_problem()
    clock = time.perf_counter
    bare = reported = 0.0
    for index, first in enumerate(range(0, steps, CHUNK)):
        last = first + CHUNK
        for reporting in ((False, True) if index % 2 else (True, False)):
            started = clock()
            if reporting:
                _reported_steps(weights, inputs, targets, first, last, steps, reporter)
                reported += clock() - started
            else:
                _steps(weights, inputs, targets, first, last)
                bare += clock() - started
    started = clock()
    reporter.close()
    return bare, reported + clock() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    job = Job.objects.create(kind="selftest", queue="cpu", status=Job.Status.RUNNING, claim="benchmark",
                             heartbeat_at=timezone.now(), message="reporter overhead benchmark")
    bare, reported, flushes = [], [], []
    try:
        for _ in range(args.rounds):
            reporter = Reporter(job, background=True)  # as in a worker
            bare_s, reported_s = paired_loops(args.steps, reporter)
            bare.append(bare_s)
            reported.append(reported_s)
            flushes.append(reporter.flushes)
    finally:
        job.delete()
    bare_s, reported_s = statistics.median(bare), statistics.median(reported)
    overhead = (reported_s - bare_s) / bare_s * 100
    per_call_ns = (reported_s - bare_s) / (2 * args.steps) * 1e9
    print(f"database: {connection.vendor}; {args.steps:,} steps, median of {args.rounds} rounds, each alternating 10-step chunks with and without the reporter")
    print(f"rounds, bare:   {', '.join(f'{t:.3f}' for t in bare)} s")
    print(f"rounds, with:   {', '.join(f'{t:.3f}' for t in reported)} s")
    print(f"bare loop:      {bare_s:.3f} s ({bare_s / args.steps * 1e6:.1f} us a step)")
    print(f"with reporter:  {reported_s:.3f} s ({2 * args.steps:,} calls)")
    print(f"overhead:       {overhead:+.2f}% ({per_call_ns:.0f} ns a call)  target < 2%")
    wall = [b + r for b, r in zip(bare, reported)]  # the reporter's clock ran through both halves
    print(f"database writes: {statistics.median(flushes):.0f} a round, "
          f"{statistics.median(f / w for f, w in zip(flushes, wall)):.2f} a second of loop; each one transaction "
          "(an UPDATE of the job, one multi-row INSERT of metric points) on the reporter's writer thread")


if __name__ == "__main__":
    main()
