"""Cleaning speed and memory through the real job path: a corpus → the `clean` job → a worker.

Builds a corpus of synthetic notes of about 1 KB, each carrying planted identifiers, with 10%
near-copies of earlier notes (a few words changed, Jaccard similarity of shingles ≥ 0.8); runs the full default recipe (near-duplicates
and de-identification included) in a worker and prints the time, documents/s per step, the
worker's peak RSS, and how many planted near-copies were caught. Targets on a 2-core machine:
100,000 documents in ≤ 120 s, peak RSS ≤ 1 GB.

    .venv/bin/python benchmarks/clean_bench.py [--documents 100000]

It deletes its project afterwards.
"""

import argparse
import os
import random
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
from django.db.models import Max  # noqa: E402

from _worker import peak_rss_mb, start_worker  # noqa: E402
from labeling.models import Corpus, Document, Project  # noqa: E402
from labeling.services import corpora  # noqa: E402
from labeling.services.document_writer import insert_documents  # noqa: E402
from studio.celery import app  # noqa: E402
from studio.models import Job  # noqa: E402
from tests.support.phi_notes import LISTED, body, generate, near_copy  # noqa: E402
from training.cleaning.near_duplicates import MinHasher, jaccard  # noqa: E402
from training.cleaning.service import start_cleaning  # noqa: E402
from training.cleaning.text import words  # noqa: E402
from training.models import CleaningOutcome  # noqa: E402


def build_corpus(project, count, seed=1):
    """The corpus and {near-copy external id: its original's external id}."""
    rng = random.Random(seed)
    corpus = Corpus.objects.create(project=project, name="clean benchmark", status=Corpus.Status.IMPORTING)
    floor = (Document.objects.aggregate(last=Max("id"))["last"] or 0) + 1
    texts, planted = [], {}
    hasher = MinHasher()
    for index, (note, _spans) in enumerate(generate(count, seed=seed)):
        if index >= 100 and rng.random() < 0.1:
            original = rng.randrange(index)
            while True:  # a near-copy: a few words changed, keeping the Jaccard similarity at 0.8 or more
                copy = near_copy(texts[original], rng, rng.randint(1, 4))
                if jaccard(*(hasher.shingles(words(text)) for text in (copy, texts[original]))) >= 0.8:
                    break
            planted[f"n{index}"] = f"n{original}"
            texts.append(copy)
        else:
            texts.append(f"{note}{body(rng, 3)}")
    for start in range(0, count, 10_000):
        insert_documents([(corpus.pk, f"n{index}", texts[index], "{}", str(index), len(texts[index]), "")
                          for index in range(start, min(start + 10_000, count))])
    Corpus.objects.filter(pk=corpus.pk).update(
        status=Corpus.Status.READY, document_count=count, id_floor=floor,
        id_ceiling=Document.objects.aggregate(last=Max("id"))["last"])
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE) labeling_document")
    corpus.refresh_from_db()
    return corpus, planted, sum(map(len, texts)) / count


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=100_000)
    args = parser.parse_args()
    user, _ = get_user_model().objects.get_or_create(username="clean-benchmark")
    project = Project.objects.create(name="clean benchmark", created_by=user)
    app.control.purge()
    worker = start_worker(app, "-P", "solo")  # the job runs in the worker process: its peak RSS is the job's
    try:
        corpus, planted, mean_chars = build_corpus(project, args.documents)
        print(f"database: {connection.vendor}; {args.documents:,} notes of {mean_chars:.0f} characters on average, "
              f"{len(planted):,} planted near-copies")
        idle = peak_rss_mb(worker.pid)
        started = time.monotonic()
        run = start_cleaning(user, project, corpus, {"names": LISTED})
        job = Job.objects.get(pk=run.job_id)
        while not job.is_finished:
            time.sleep(0.2)
            job.refresh_from_db()
        seconds = time.monotonic() - started
        if job.status != Job.Status.SUCCEEDED:
            raise SystemExit(f"cleaning failed: {job.error}")
        run.refresh_from_db()
        print(f"cleaned {run.documents_in:,} → {run.documents_out:,} notes in {seconds:.1f} s = "
              f"{run.documents_in / seconds:,.0f} notes/s; worker peak RSS {peak_rss_mb(worker.pid):.0f} MB "
              f"(idle {idle:.0f} MB)")
        for step, spent in sorted(run.timings.items(), key=lambda item: -item[1]):
            print(f"  {step:>16}: {spent:6.1f} s = {run.documents_in / spent:>10,.0f} notes/s" if spent else
                  f"  {step:>16}: 0 s")
        print(f"  drops: {run.drops}")
        print(f"  de-identified: {run.deidentified}")
        ids = dict(corpus.documents.values_list("external_id", "id"))
        outcome = {row.source_id: row for row in CleaningOutcome.objects.filter(run=run)}
        caught = sum(1 for copy, original in planted.items()
                     if outcome[ids[copy]].dropped_by == "exact_duplicate"
                     or outcome[ids[copy]].cluster is not None
                     and outcome[ids[copy]].cluster == (outcome[ids[original]].cluster or ids[original]))
        merged = CleaningOutcome.objects.filter(run=run, dropped_by="near_duplicate").count()
        planted_ids = {ids[copy] for copy in planted}
        others = CleaningOutcome.objects.filter(run=run, dropped_by="near_duplicate").exclude(
            source_id__in=planted_ids).count()
        print(f"  planted near-copies caught: {caught:,} of {len(planted):,} ({caught / max(len(planted), 1):.1%}); "
              f"near-duplicate drops {merged:,}, of which not planted {others:,}")
    finally:
        worker.terminate()
        worker.wait(30)
        corpora.delete_project_data(project)


if __name__ == "__main__":
    main()
