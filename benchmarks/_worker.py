"""A Celery worker process for benchmarks, started and awaited the same way by each script, and its peak memory."""

import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def start_worker(app, *extra, queues="cpu"):
    """Start `celery worker` on `queues` and wait until it answers a ping (90 s at most)."""
    name = f"bench-{uuid.uuid4().hex[:6]}@%h"
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "studio", "worker", "-Q", queues, "-n", name,
         "--loglevel", "WARNING", "--without-gossip", "--without-mingle", *extra],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:  # this worker's answer: others may be running beside it
        if any(replier.startswith(name.split("@")[0] + "@") for replier in app.control.inspect(timeout=1).ping() or {}):
            return process
    process.terminate()
    raise SystemExit("no worker answered within 90 s")


def peak_rss_mb(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")
