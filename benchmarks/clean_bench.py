"""Cleaning speed and memory through the real job path: a corpus → the `clean` job → workers.

Builds a corpus of synthetic notes of about 1 KB, each carrying planted identifiers, with 10%
near-copies of earlier notes (a few words changed, Jaccard similarity of shingles ≥ 0.8); runs the full default recipe (near-duplicates
and de-identification included) once for each number of workers given (each a worker process of its own, which
take the cleaning's shards) and prints the time, documents/s per step, each worker's peak RSS, how many planted
near-copies were caught, and a sha256 of everything the cleaning wrote (the notes in order, each source note's
outcome, the report but its timings): the same for every number of workers, or the script says so and fails.
Targets on a 2-core machine: 100,000 documents in ≤ 120 s with one worker, peak RSS ≤ 1 GB.

    .venv/bin/python benchmarks/clean_bench.py [--documents 100000] [--workers 1,2]

It deletes its project afterwards.
"""

import hashlib
import json

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

from django.conf import settings  # noqa: E402
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
from training.models import CleaningOutcome, CleaningRun  # noqa: E402


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


def written_digest(run):
    """sha256 of what the cleaning wrote, by external id (document ids differ between runs)."""
    digest = hashlib.sha256()
    source = dict(Document.objects.filter(corpus=run.source).values_list("id", "external_id").iterator(10_000))
    derived = dict(Document.objects.filter(corpus=run.output).values_list("id", "external_id").iterator(10_000))
    for row in run.output.documents.order_by("id").values_list("external_id", "text", "meta", "split").iterator(10_000):
        digest.update(json.dumps(row).encode())
    for outcome in CleaningOutcome.objects.filter(run=run).order_by("source_id").values_list(
            "source_id", "document_id", "dropped_by", "changed_by", "cluster").iterator(10_000):
        pk, document, dropped_by, changed_by, cluster = outcome
        digest.update(json.dumps([source[pk], derived.get(document), dropped_by, changed_by,
                                  source.get(cluster)]).encode())
    report = CleaningRun.objects.filter(pk=run.pk).values(
        "documents_in", "documents_out", "drops", "changes", "deidentified", "clusters", "found_by", "boilerplate",
        "samples").get()
    for sample in report["samples"]:
        sample["source"] = source[sample["source"]]
    digest.update(json.dumps(report, sort_keys=True).encode())
    return digest.hexdigest()


def clean_with(workers, user, project, corpus, planted):
    """Clean the corpus with this many worker processes; the digest of what it wrote."""
    app.control.purge()
    # Each worker runs tasks in its own process (solo pool): its peak RSS is what it did.
    processes = [start_worker(app, "-P", "solo") for _ in range(workers)]
    try:
        idle = [peak_rss_mb(process.pid) for process in processes]
        started = time.monotonic()
        run = start_cleaning(user, project, corpus, {"names": LISTED})
        job = Job.objects.get(pk=run.job_id)
        while not job.is_finished:
            time.sleep(0.2)
            job.refresh_from_db()
        seconds = time.monotonic() - started
        if job.status != Job.Status.SUCCEEDED:
            raise SystemExit(f"cleaning failed: {job.error}")
        peaks = [peak_rss_mb(process.pid) for process in processes]
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(60)
    run.refresh_from_db()
    print(f"\n{workers} worker{'s' if workers > 1 else ''}: cleaned {run.documents_in:,} → {run.documents_out:,} "
          f"notes in {seconds:.1f} s = {run.documents_in / seconds:,.0f} notes/s; peak RSS per worker "
          + ", ".join(f"{peak:,.0f} MB (idle {rest:.0f} MB)" for peak, rest in zip(peaks, idle)))
    print(f"  {run.shards.count()} shards: " + "; ".join(
        line.split(" INFO ", 1)[-1] for line in job.log.splitlines() if " shards, done by " in line))
    print("  seconds summed over the workers, per step:")
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
    digest = written_digest(run)
    print(f"  sha256 of what it wrote: {digest}")
    return digest


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--workers", default="1", help="Numbers of workers to clean with, comma-separated (1,2).")
    args = parser.parse_args()
    counts = [int(count) for count in args.workers.split(",")]
    user, _ = get_user_model().objects.get_or_create(username="clean-benchmark")
    project = Project.objects.create(name="clean benchmark", created_by=user)
    try:
        corpus, planted, mean_chars = build_corpus(project, args.documents)
        print(f"database: {connection.vendor}; {args.documents:,} notes of {mean_chars:.0f} characters on average, "
              f"{len(planted):,} planted near-copies; shards of {settings.STUDIO_CLEAN_SHARD_DOCUMENTS:,} notes")
        digests = {count: clean_with(count, user, project, corpus, planted) for count in counts}
    finally:
        corpora.delete_project_data(project)
    if len(set(digests.values())) > 1:
        raise SystemExit(f"\nThe cleanings wrote different results: {digests}")
    print(f"\nThe same result byte for byte with {', '.join(map(str, counts))} workers.")


if __name__ == "__main__":
    main()
