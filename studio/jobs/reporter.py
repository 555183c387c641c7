"""How a long-running function tells the studio what it is doing, cheaply.

Calls are cheap enough for a training loop's inner step: they only record in memory, and
the database sees one flush (a heartbeat, progress, new log lines and metric points, and
a read of the cancel flag) at most once per `interval` seconds whatever the caller does.

In a worker the flush runs on a writer thread (`background=True`), which also beats the
job's heartbeat through long silent stretches: a training step never waits on the database.
"""

import logging
import queue
import threading
import time
from array import array
from datetime import datetime
from math import isfinite

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.utils import timezone

from ..models import Job, MetricPoint
from ..redaction import redact

logger = logging.getLogger(__name__)

# Per metric and flush; a metric logged faster is thinned evenly, always keeping the latest point.
MAX_POINTS_PER_FLUSH = 50
_ROWS_PER_INSERT = 500


def _insert_points(rows):
    """Multi-row INSERTs of (job_id, name, step, value): one round trip per 500 points.

    Neither bulk_create (it builds a model instance per point) nor executemany (a round trip
    per point on PostgreSQL) is cheap enough to run every second beside a training loop.
    """
    table = connection.ops.quote_name(MetricPoint._meta.db_table)
    with connection.cursor() as cursor:
        for start in range(0, len(rows), _ROWS_PER_INSERT):
            chunk = rows[start:start + _ROWS_PER_INSERT]
            values = ", ".join(["(%s, %s, %s, %s)"] * len(chunk))
            cursor.execute(
                f"INSERT INTO {table} (job_id, name, step, value) VALUES {values}",
                [field for row in chunk for field in row],
            )


DROPPED_LINES_NOTE = "[earlier lines dropped: the log keeps its last {size} bytes]"


class JobCancelled(Exception):
    """Raised by `check_cancel()` when someone asked the job to stop."""


class JobLost(Exception):
    """This run no longer owns the job: another worker took it over after a missed heartbeat."""


def _thin(steps, values):
    """At most MAX_POINTS_PER_FLUSH evenly spaced points, always ending with the latest."""
    count = len(steps)
    stride = -(-count // MAX_POINTS_PER_FLUSH)
    return ((steps[index], values[index]) for index in range((count - 1) % stride, count, stride))


def cap_log(text, max_bytes):
    if len(text.encode()) <= max_bytes:
        return text
    tail = text.encode()[-max_bytes:].decode(errors="ignore")
    tail = tail.split("\n", 1)[-1]
    return DROPPED_LINES_NOTE.format(size=max_bytes) + "\n" + tail


class Reporter:
    def __init__(self, job, *, interval=None, clock=time.monotonic, background=False):
        self.job_id = job.pk
        self.claim = job.claim
        self.interval = settings.STUDIO_REPORTER_INTERVAL_SECONDS if interval is None else interval
        self.logger = logging.getLogger(f"jobs.{job.kind}")
        self.cancel_requested = job.cancel_requested
        self.lost = False
        self.flushes = 0
        self._clock = clock
        self._started = clock()
        self._next_flush = self._started + self.interval
        self._start_progress = job.progress
        self._progress = job.progress
        self._message = job.message
        self._dirty = False
        self._log = job.log
        self._new_lines = []
        self._points = {}  # name -> (steps, values) since the last flush
        self._series_name = None
        # Writes come from this thread (flush, stage, close) and the writer's: one at a time, and a state taken
        # earlier never overwrites one taken later (its points are still written).
        self._write_lock = threading.Lock()
        self._taken = self._written = 0
        self._writer = _Writer(self) if background else None

    # --- what the job calls ---------------------------------------------------------------

    def progress(self, fraction, message=None):
        # Kept to a few attribute stores: this runs on every step of a training loop.
        # Values are checked and clamped when written.
        self._progress = fraction
        if message is not None:
            self._message = message
        self._dirty = True
        if self._clock() >= self._next_flush:
            self._due()

    def stage(self, fraction, message):
        """A new stage of the job (a handful per job: "Fitting the model"): logged and written now, on this
        thread, not at the next flush, so that a long silent step that follows shows what it is doing. Call it
        outside transactions: one would hold the job's row, and the writer's heartbeats, until it commits."""
        self.progress(fraction, message)
        self.log(message)
        self.flush()

    def span(self, low, high):
        """This reporter for one part of the job: its progress 0–1 fills [low, high] of the whole."""
        return Span(self, low, high)

    def metric(self, name, step, value):
        # Raw arrays, no object per point: cheap to append and light on the caches of the loop
        # around it. Thinned to MAX_POINTS_PER_FLUSH per metric when written.
        if not isfinite(value):  # a diverging loss: said in the log, since a curve cannot show it
            self.log(f"{name} at step {step} is {value}", logging.WARNING)
            return
        if name is not self._series_name:
            self._select_series(name)
        self._series_steps.append(step)
        self._series_values.append(value)
        if self._clock() >= self._next_flush:
            self._due()

    def log(self, message, level=logging.INFO):
        stamp = datetime.now().strftime("%H:%M:%S")
        self._new_lines.append(f"{stamp} {logging.getLevelName(level)} {message}")
        if self._clock() >= self._next_flush:
            self._due()

    def check_cancel(self):
        if self._clock() >= self._next_flush:
            self._due()
        if self.lost:
            raise JobLost(f"Job {self.job_id} was taken over by another run.")
        if self.cancel_requested:
            raise JobCancelled("Cancelled on request.")

    def discard_metrics_after(self, step):
        """Forget points past `step` (a job resuming from a checkpoint will log them again)."""
        MetricPoint.objects.filter(job_id=self.job_id, step__gt=step).delete()
        self._points = {}
        self._series_name = None

    def as_trainer_callback(self):
        """This reporter as a transformers `TrainerCallback` (imports transformers only when asked)."""
        from .trainer_callback import ReporterCallback

        return ReporterCallback(self)

    # --- writing --------------------------------------------------------------------------

    def _select_series(self, name):
        series = self._points.get(name)
        if series is None:
            series = self._points[name] = (array("q"), array("d"))
        self._series_name = name
        self._series_steps, self._series_values = series

    def _due(self):
        if self._writer is None:
            self.flush()
        else:
            self._next_flush = self._clock() + self.interval
            self._writer.hand_over(self._take())

    def _take(self):
        """What was recorded since the last write, leaving empty buffers for the loop."""
        now = self._clock()
        snapshot = {"heartbeat_at": timezone.now()}
        if self._dirty:
            self._dirty = False
            self._progress = min(1.0, max(0.0, float(self._progress)))
            self._message = str(self._message)[:300]
            snapshot.update(progress=self._progress, message=self._message, eta_seconds=self._estimate(now))
        if self._new_lines:
            lines = redact("\n".join(self._new_lines))
            self._new_lines = []
            self._log = cap_log(f"{self._log}\n{lines}" if self._log else lines, settings.STUDIO_JOB_LOG_MAX_BYTES)
            snapshot["log"] = self._log
        points, self._points, self._series_name = self._points, {}, None
        self._taken += 1
        return snapshot, points, self._taken

    def flush(self):
        """Write now, on this thread."""
        self._next_flush = self._clock() + self.interval
        self._write(*self._take())

    def close(self, **final_fields):
        """Stop the writer and write the rest, with `final_fields` (the outcome) set on the job."""
        if self._writer is not None:
            self._writer.stop()
            self._writer = None
        if self.lost:
            raise JobLost(f"Job {self.job_id} was taken over by another run.")
        fields, points, taken = self._take()
        self._write({**fields, **final_fields}, points, taken)

    def _write(self, fields, points, taken=None):
        with self._write_lock:
            if taken is not None and taken < self._written:
                fields = {"heartbeat_at": fields["heartbeat_at"]}
            self._written = max(self._written, taken or 0)
            self._write_now(fields, points)

    def _write_now(self, fields, points):
        self.flushes += 1
        rows = [
            (self.job_id, name, step, value)
            for name, (steps, values) in points.items() for step, value in _thin(steps, values)
        ]
        with transaction.atomic():
            if connection.vendor == "postgresql" and "status" not in fields:
                # Progress is not worth an fsync: a database crash may lose the last second of it.
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL synchronous_commit TO OFF")
            if not Job.objects.filter(pk=self.job_id, claim=self.claim).update(**fields):
                self.lost = True
                raise JobLost(f"Job {self.job_id} was taken over by another run.")
            if rows:
                _insert_points(rows)
        self.cancel_requested = bool(
            Job.objects.filter(pk=self.job_id).values_list("cancel_requested", flat=True).first()
        )

    def _estimate(self, now):
        done = self._progress - self._start_progress
        elapsed = now - self._started
        if done <= 0 or elapsed <= 0 or self._progress >= 1:
            return None
        return elapsed / done * (1 - self._progress)


class Span:
    """A part of a job's progress (see `Reporter.span`): what runs inside reports 0–1 as if it ran alone."""

    def __init__(self, reporter, low, high):
        self._reporter, self.low, self.high = reporter, low, high

    def _at(self, fraction):
        return self.low + (self.high - self.low) * min(1.0, max(0.0, float(fraction)))

    def progress(self, fraction, message=None):
        self._reporter.progress(self._at(fraction), message)

    def stage(self, fraction, message):
        self._reporter.stage(self._at(fraction), message)

    def span(self, low, high):
        return Span(self._reporter, self._at(low), self._at(high))

    def as_trainer_callback(self):
        from .trainer_callback import ReporterCallback

        return ReporterCallback(self)

    def __getattr__(self, name):  # log, metric, check_cancel, logger…: the whole job's
        return getattr(self._reporter, name)


class _Writer(threading.Thread):
    """Writes what the loop hands over, and beats the heartbeat when the loop is silent."""

    _STOP = object()

    def __init__(self, reporter):
        super().__init__(name=f"job-{reporter.job_id}-writer", daemon=True)
        self.reporter = reporter
        self.inbox = queue.SimpleQueue()
        self.start()

    def hand_over(self, snapshot):
        self.inbox.put(snapshot)

    def stop(self):
        self.inbox.put(self._STOP)
        self.join(timeout=60)

    def run(self):
        reporter = self.reporter
        try:
            while not reporter.lost:
                try:
                    item = self.inbox.get(timeout=settings.STUDIO_JOB_HEARTBEAT_SECONDS)
                except queue.Empty:
                    item = ({"heartbeat_at": timezone.now()}, {})
                if item is self._STOP:
                    return
                try:
                    reporter._write(*item)
                except JobLost:
                    return
                except Exception:  # a database hiccup must not end the job; the next write retries
                    logger.exception("Writing progress of job %s failed", reporter.job_id)
        finally:
            close_old_connections()
