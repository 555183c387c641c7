"""gunicorn for benchmarks, started as production runs it (studio/gunicorn_conf.py), and its CPU time."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_gunicorn(port, workers, threads, preload):
    """gunicorn as production runs it (studio/gunicorn_conf.py), on this port, with these processes and threads."""
    env = {**os.environ, "DEBUG": "0", "ALLOWED_HOSTS": "127.0.0.1", "WEB_BIND": f"127.0.0.1:{port}",
           "WEB_WORKERS": str(workers), "WEB_THREADS": str(threads), "WEB_PRELOAD": "1" if preload else "0"}
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "python:studio.gunicorn_conf", "studio.wsgi",
         "--log-level", "warning"], cwd=ROOT, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("gunicorn did not start")


def cpu_seconds(pid):
    """User + system CPU seconds of a process and its children (gunicorn's master and workers), from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    pids = [pid]
    try:
        pids += [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return float("nan")  # no /proc here
    total = 0
    for each in pids:
        try:
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks
