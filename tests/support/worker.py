"""Start a real Celery worker process against the test database and the configured broker."""

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def test_database_url():
    """DATABASE_URL of the database the tests use now (the test database, not the configured one)."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"


def child_environment(**extra):
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "studio.settings.test",
        "DATABASE_URL": test_database_url(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        **extra,
    }


# Quick recovery, so that crash tests take seconds: beat every second, presume a worker
# dead after three silent seconds, look for such jobs every second.
FAST_RECOVERY = {
    "STUDIO_JOB_HEARTBEAT_SECONDS": "1",
    "STUDIO_JOB_STALE_SECONDS": "3",
    "STUDIO_JOB_REAPER_SECONDS": "1",
    "STUDIO_JOB_MAX_STARTS": "3",
    "STUDIO_REPORTER_INTERVAL_MS": "200",
}


class WorkerProcess:
    def __init__(self, queues="cpu,gpu", concurrency=1, artifacts_dir=None, base_models_dir=None):
        self.name = f"test-{uuid.uuid4().hex[:8]}@{os.uname().nodename}"
        self.queues = queues
        self.concurrency = concurrency
        self.env = dict(FAST_RECOVERY)
        if artifacts_dir is not None:
            self.env["STUDIO_ARTIFACTS_DIR"] = str(artifacts_dir)
        if base_models_dir is not None:
            self.env["STUDIO_BASE_MODELS_DIR"] = str(base_models_dir)
        self.output = []
        self._ready = threading.Event()

    def start(self, timeout=90):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "studio", "worker", "-Q", self.queues, "-c", str(self.concurrency),
             "-n", self.name, "--loglevel", "INFO", "--without-gossip", "--without-mingle"],
            cwd=ROOT, env=child_environment(**self.env), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            start_new_session=True,
        )
        threading.Thread(target=self._read, daemon=True).start()
        if not self._ready.wait(timeout):
            self.stop()
            raise RuntimeError("The worker did not become ready:\n" + "".join(self.output[-40:]))
        return self

    def _read(self):
        for line in self.process.stdout:
            self.output.append(line)
            if " ready." in line:
                self._ready.set()

    def kill(self):
        """What a machine losing power looks like: the worker and its pool processes die at once."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def log(self, lines=40):
        return "".join(self.output[-lines:])

    def stop(self, timeout=30):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def wait_for(predicate, timeout=30, interval=0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return predicate()
