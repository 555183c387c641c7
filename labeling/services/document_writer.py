"""Writing imported documents, and the labels that came with them, a batch at a time.

On PostgreSQL the batches go out on connections of their own, one per writer thread, while the
reader parses the next batch: the database's share of an import (its indexes and checks) then runs
on more than one core. Elsewhere, or inside a transaction, the caller's thread writes.
"""

import queue
import threading

from django.db import connection, transaction

from ..models import Annotation, Document, Span

WRITER_THREADS = 3  # measured on two cores: a third connection keeps the database busy while one commits
COLUMNS = ("corpus_id", "external_id", "text", "meta", "content_hash", "length", "split")


def insert_documents(rows):
    """Write document rows (tuples in COLUMNS order) in one statement.

    PostgreSQL takes them with COPY; other databases with one executemany. Model instances and
    the ORM's per-value preparation cost more than parsing the file did.
    """
    if not rows:
        return
    table = Document._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The driver's own cursor: its errors become Django's (an IntegrityError for a repeated id) here.
            with connection.wrap_database_errors, \
                    cursor.cursor.copy(f"COPY {table} ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            placeholders = ", ".join(["%s"] * len(COLUMNS))
            cursor.executemany(f"INSERT INTO {table} ({', '.join(COLUMNS)}) VALUES ({placeholders})", rows)


def insert_imported_labels(corpus_id, answers):
    """Imported annotations for documents just written: `answers` maps external id → (label ids, [(start, end,
    span label)])."""
    if not answers:
        return
    ids = dict(Document.objects.filter(corpus_id=corpus_id, external_id__in=list(answers))
               .values_list("external_id", "id"))
    external_ids = list(answers)
    annotations = Annotation.objects.bulk_create(
        [Annotation(document_id=ids[external_id], source=Annotation.Source.IMPORTED) for external_id in external_ids]
    )
    through = Annotation.labels.through
    through.objects.bulk_create([
        through(annotation_id=annotation.pk, label_id=label_id)
        for annotation, external_id in zip(annotations, external_ids) for label_id in answers[external_id][0]
    ])
    Span.objects.bulk_create([
        Span(annotation_id=annotation.pk, start=start, end=end, label=label)
        for annotation, external_id in zip(annotations, external_ids) for start, end, label in answers[external_id][1]
    ])


def unflushed_commit():
    """In a transaction that writes part of a corpus not yet ready: its commit need not wait for the disk. The
    commit that makes the corpus ready waits, and flushes every earlier one with it; a crash before that leaves
    a corpus its job writes again from the start (or indexes again), never one shown as ready with notes lost."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")


def write_batch(corpus_id, rows, labels, guard=None):
    """One batch in one transaction; `guard()` first, in it (a run checks that it still holds its job)."""
    with transaction.atomic():
        unflushed_commit()
        if guard is not None:
            guard()
        insert_documents(rows)
        insert_imported_labels(corpus_id, labels)


class BatchWriter:
    """`write()` hands a batch over (to `write_batch`, or the `work` given); leaving the `with` block waits for
    every batch to be written and raises the first error a writer met. At most one batch per writer waits in
    memory."""

    def __init__(self, threads=WRITER_THREADS, guard=None, work=None):
        self.guard = guard
        self.work = work or write_batch  # called with write()'s arguments and the guard
        self.parallel = threads > 1 and self._may_use_threads()
        self.failure = None
        self.threads = []
        if self.parallel:
            self.batches = queue.Queue(maxsize=threads)
            self.threads = [threading.Thread(target=self._run, name=f"import-writer-{n}", daemon=True)
                            for n in range(threads)]

    @staticmethod
    def _may_use_threads():
        """Only PostgreSQL takes concurrent writers, and only committed rows are visible to other connections."""
        return connection.vendor == "postgresql" and not connection.in_atomic_block

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def write(self, *batch):
        if not self.parallel:
            self.work(*batch, self.guard)
            return
        self._raise_failure()
        self.batches.put(batch)

    def __exit__(self, kind, error, traceback):
        for _thread in self.threads:
            self.batches.put(None)
        for thread in self.threads:
            thread.join()
        if kind is None:
            self._raise_failure()
        return False

    def _raise_failure(self):
        if self.failure is not None:
            raise self.failure

    def _run(self):
        try:
            while (batch := self.batches.get()) is not None:
                if self.failure is None:  # after a failure, keep taking batches so the reader never blocks
                    try:
                        self.work(*batch, self.guard)
                    except BaseException as error:  # noqa: BLE001 - handed to the reader's thread
                        self.failure = error
        finally:
            connection.close()  # this thread's own connection
