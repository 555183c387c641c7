"""The pipeline self-test: a small, deterministic training loop that checkpoints.

Admins and managers run it to see that workers take jobs, report progress and curves,
stop on cancel, and resume from a checkpoint after a crash. It fits y = 3·x₁ − 2·x₂ + 1 by
mini-batch gradient descent on data drawn from a seed per step, so an interrupted and
resumed run ends with exactly the weights of an uninterrupted one.
"""

import json
import os
import random
import signal
import time

from studio.jobs.service import workdir

TRUE_WEIGHTS = (3.0, -2.0, 1.0)
BATCH = 16
LEARNING_RATE = 0.05


def _batch(step, seed):
    rng = random.Random(seed * 1_000_003 + step)
    rows = [(rng.uniform(-1, 1), rng.uniform(-1, 1)) for _ in range(BATCH)]
    return [(x1, x2, TRUE_WEIGHTS[0] * x1 + TRUE_WEIGHTS[1] * x2 + TRUE_WEIGHTS[2] + rng.gauss(0, 0.1)) for x1, x2 in rows]


def _train_step(weights, batch):
    w1, w2, b = weights
    grads = [0.0, 0.0, 0.0]
    loss = 0.0
    for x1, x2, y in batch:
        error = w1 * x1 + w2 * x2 + b - y
        loss += error * error
        grads[0] += 2 * error * x1
        grads[1] += 2 * error * x2
        grads[2] += 2 * error
    n = len(batch)
    return [w - LEARNING_RATE * g / n for w, g in zip(weights, grads)], loss / n


def fit(steps, seed, weights=(0.0, 0.0, 0.0), start=0):
    """The whole loop without a job around it: the weights and last loss after `steps` steps."""
    weights, loss = list(weights), None
    for step in range(start, steps):
        weights, loss = _train_step(weights, _batch(step, seed))
    return weights, loss


def _save(path, state):
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(state))
    os.replace(temporary, path)  # atomic: a crash leaves the old checkpoint or the new one


def run(job, reporter):
    params = job.params
    steps, seed = params["steps"], params["seed"]
    checkpoint = workdir(job) / "checkpoint.json"
    state = json.loads(checkpoint.read_text()) if checkpoint.exists() else {"step": 0, "weights": [0.0, 0.0, 0.0]}
    resumed_from = state["step"]
    if resumed_from:
        reporter.logger.info("Resuming from the checkpoint at step %s", resumed_from)
        reporter.discard_metrics_after(resumed_from)
    else:
        reporter.logger.info("Training %s steps from scratch", steps)
    weights, loss = state["weights"], None
    for step in range(state["step"], steps):
        reporter.check_cancel()
        if step == params["fail_at_step"]:
            raise RuntimeError(f"The self-test was asked to fail at step {step}.")
        if step == params["crash_at_step"]:
            os.kill(os.getpid(), signal.SIGKILL)  # what an out-of-memory kill looks like to the studio
        weights, loss = _train_step(weights, _batch(step, seed))
        reporter.metric("loss", step + 1, loss)
        reporter.progress((step + 1) / steps, f"step {step + 1} of {steps}")
        if (step + 1) % params["checkpoint_every"] == 0:
            _save(checkpoint, {"step": step + 1, "weights": weights})
        if params["step_seconds"]:
            time.sleep(params["step_seconds"])
    reporter.logger.info("Finished at loss %.5f", loss if loss is not None else float("nan"))
    return {
        "final_loss": loss, "w1": weights[0], "w2": weights[1], "bias": weights[2],
        "resumed_from_step": resumed_from,
    }
