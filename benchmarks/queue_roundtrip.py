"""Round-trip latency through the broker: a task sent to a queue, completed by a worker in the database.

Prints the latency a user waits between starting a job and a worker picking it up, for
whatever broker and database the environment names (the embedded default: filesystem
broker and SQLite). Uses the configured database; run `manage.py migrate` first.

    .venv/bin/python benchmarks/queue_roundtrip.py [--checks 30] [--burst 30]
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

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402

from _worker import start_worker  # noqa: E402
from studio.celery import app  # noqa: E402
from studio.models import QueueCheck  # noqa: E402
from studio.services import queue_checks  # noqa: E402


def wait_done(ids, timeout=300):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if QueueCheck.objects.filter(pk__in=ids, completed_at__isnull=True).count() == 0:
            return
        time.sleep(0.05)
    raise SystemExit("checks did not complete in time")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checks", type=int, default=30, help="sequential round trips")
    parser.add_argument("--burst", type=int, default=30, help="checks sent at once")
    args = parser.parse_args()
    user = get_user_model().objects.filter(is_staff=True).first()
    app.control.purge()
    worker = start_worker(app, "-c", "1")
    try:
        latencies = []
        for _ in range(args.checks):
            check = queue_checks.request_check(user, "cpu")
            wait_done([check.pk])
            check.refresh_from_db()
            latencies.append(check.round_trip_seconds)
        started = time.monotonic()
        ids = [queue_checks.request_check(user, "cpu").pk for _ in range(args.burst)]
        wait_done(ids)
        burst_seconds = time.monotonic() - started
    finally:
        worker.terminate()
        worker.wait(30)
    latencies.sort()
    print(f"database: {connection.vendor}  broker: {app.conf.broker_url.split('://')[0]}")
    print(f"sequential round trips: {len(latencies)}")
    print(f"  median {statistics.median(latencies) * 1000:.0f} ms, "
          f"p95 {latencies[int(0.95 * (len(latencies) - 1))] * 1000:.0f} ms, max {latencies[-1] * 1000:.0f} ms")
    print(f"burst of {args.burst}: {burst_seconds:.2f} s, {args.burst / burst_seconds:.1f} tasks/s with one worker process")


if __name__ == "__main__":
    main()
