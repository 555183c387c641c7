"""What a web process costs before it serves: start time and memory of a gunicorn worker.

Starts gunicorn with one sync worker on a free local port (the embedded default in a fresh
folder, migrated first), times the first answer from /healthz/ (which loads the whole URLconf,
every view module of every app) and then the project list, and reads the worker's resident memory.
Also reports which of the training stack's modules a fresh interpreter has loaded after
`django.setup()`, resolving every URL and importing `studio.wsgi`.

    .venv/bin/python benchmarks/web_process.py [--rounds 3]
"""

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("torch", "transformers", "datasets", "sklearn", "pyarrow")
PROBE = """
import json, resource, sys, time
started = time.perf_counter()
import django
django.setup()
from django.urls import get_resolver
def walk(patterns):
    for pattern in patterns:
        walk(pattern.url_patterns) if hasattr(pattern, "url_patterns") else pattern.callback
walk(get_resolver().url_patterns)
import studio.wsgi
print(json.dumps({"seconds": time.perf_counter() - started, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "heavy": [name for name in %r if name in sys.modules]}))
"""


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rss_mb(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def wait_for(url, deadline):
    while time.perf_counter() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.status
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(url)


def gunicorn_round(environment):
    port = free_port()
    started = time.perf_counter()
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "studio.wsgi", "-w", "1", "-b", f"127.0.0.1:{port}",
                               "--timeout", "120"], cwd=ROOT, env=environment, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        wait_for(f"http://127.0.0.1:{port}/healthz/", started + 120)
        first = time.perf_counter() - started
        wait_for(f"http://127.0.0.1:{port}/accounts/login/", started + 120)
        children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
        return first, rss_mb(int(children[0])) if children else 0.0
    finally:
        server.terminate()
        server.wait(30)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    rounds = parser.parse_args().rounds
    with tempfile.TemporaryDirectory() as var:
        environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "studio.settings.local", "STUDIO_VAR_DIR": var,
                       "DEBUG": "0", "ALLOWED_HOSTS": "127.0.0.1,localhost"}
        environment.pop("DATABASE_URL", None)
        subprocess.run([sys.executable, "manage.py", "migrate", "--noinput"], cwd=ROOT, env=environment, check=True,
                       stdout=subprocess.DEVNULL)
        probes = [json.loads(subprocess.run([sys.executable, "-c", PROBE % (HEAVY,)], cwd=ROOT, env=environment,
                                            check=True, capture_output=True, text=True).stdout.splitlines()[-1])
                  for _ in range(rounds)]
        workers = [gunicorn_round(environment) for _ in range(rounds)]
    print(f"interpreter: setup + every URL + studio.wsgi  {statistics.median(p['seconds'] for p in probes):.2f} s, "
          f"peak RSS {statistics.median(p['rss_mb'] for p in probes):,.0f} MB, training stack loaded: "
          f"{', '.join(probes[0]['heavy']) or 'none'}")
    print(f"gunicorn worker: first answer {statistics.median(w[0] for w in workers):.2f} s after start, "
          f"RSS {statistics.median(w[1] for w in workers):,.0f} MB (median of {rounds})")


if __name__ == "__main__":
    main()
