"""Corpus import speed and memory through the real job path: upload → import job → a worker.

Generates synthetic notes (about 1 KB each by default) as JSONL and CSV, imports each through
a real Celery worker process into the configured database (PostgreSQL in production:
DATABASE_URL=postgres://... CELERY_BROKER_URL=redis://...), and prints documents/s and the
worker's peak RSS. Targets on a 2-core machine: 100,000 documents in ≤ 20 s, peak RSS ≤ 400 MB.

    .venv/bin/python benchmarks/import_bench.py [--documents 100000] [--chars 1000] [--formats jsonl,csv] [--browse]

The shape Label Studio was measured with: --chars 200 --formats json.

Uses the configured database (run `manage.py migrate` first); it creates a project
"import benchmark" and deletes it afterwards.
"""

import argparse
import csv
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studio.settings.local")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402

from labeling.models import Project  # noqa: E402
from labeling.services import corpora, imports, uploads  # noqa: E402
from _worker import peak_rss_mb, start_worker  # noqa: E402
from studio.celery import app  # noqa: E402
from studio.models import Job  # noqa: E402

WORDS = ("patient presents with chest pain dyspnoea fever cough abdominal tenderness plan review "
         "follow-up ECG troponin x-ray stable discharged admitted medication dose daily twice").split()


def note(rng, chars):
    words, size = [], 0
    while size < chars:
        word = rng.choice(WORDS)
        words.append(word)
        size += len(word) + 1
    return " ".join(words)[:chars]


def write_files(folder, count, chars, kinds):
    """The same notes in each format asked for; JSON is one array, the shape other tools import."""
    rng = random.Random(7)
    paths = {kind: folder / f"notes.{kind}" for kind in kinds}
    outs = {kind: open(path, "w", newline="") for kind, path in paths.items()}
    try:
        writer = csv.writer(outs["csv"]) if "csv" in outs else None
        if writer:
            writer.writerow(["id", "text", "ward"])
        if "json" in outs:
            outs["json"].write("[\n")
        for index in range(count):
            text, ward = note(rng, chars), f"ward-{index % 7}"
            record = json.dumps({"id": f"n{index}", "text": text, "ward": ward})
            if "jsonl" in outs:
                outs["jsonl"].write(record + "\n")
            if "json" in outs:
                outs["json"].write(("," if index else "") + record + "\n")
            if writer:
                writer.writerow([f"n{index}", text, ward])
        if "json" in outs:
            outs["json"].write("]\n")
    finally:
        for out in outs.values():
            out.close()
    return paths


def import_once(user, project, path, kind, worker, browse=False):
    with open(path, "rb") as source:
        upload = uploads.store_upload(user, project, path.name, iter(lambda: source.read(1 << 20), b""))
    baseline = peak_rss_mb(worker.pid)
    started = time.monotonic()
    corpus, job = imports.start_import(user, upload, name=path.name, format=kind, text_field="text",
                                       id_field="id", meta_fields=["ward"])
    while True:
        job.refresh_from_db()
        if job.is_finished:
            break
        time.sleep(0.1)
    seconds = time.monotonic() - started
    if job.status != Job.Status.SUCCEEDED:
        raise SystemExit(f"import failed: {job.error}")
    corpus.refresh_from_db()
    if browse:
        if connection.vendor == "postgresql":
            # Measure the steady state: autovacuum visits a freshly imported table soon after
            # an import, and competes for the two cores while it does.
            with connection.cursor() as cursor:
                cursor.execute("VACUUM (ANALYZE) labeling_document")
        for label, (p50, p95) in browse_latency(user, corpus).items():
            print(f"       browser {label} at {corpus.document_count:,} documents: p50 {p50:.0f} ms, p95 {p95:.0f} ms")
    return corpus.document_count, seconds, baseline, peak_rss_mb(worker.pid), path.stat().st_size


def browse_latency(user, corpus, repeats=30):
    """p50/p95 of the corpus page (first page of documents) and of a search, through the real views."""
    from django.test import Client

    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    url = f"/projects/{corpus.project_id}/corpora/{corpus.pk}/"
    results = {}
    first_id = corpus.documents.order_by("corpus_id", "id").values_list("id", flat=True).first()
    cases = (("first page", {}), ("search", {"q": "troponin stable"}), ("search, no match", {"q": "pneumothorax"}),
             ("deep page", {"after": first_id + corpus.document_count // 2}), ("repeats only", {"duplicates": "yes"}))
    for label, params in cases:
        timings = []
        for _ in range(repeats):
            started = time.perf_counter()
            response = client.get(url, params)
            timings.append(time.perf_counter() - started)
            assert response.status_code == 200, response.status_code
        timings.sort()
        results[label] = (timings[len(timings) // 2] * 1000, timings[int(0.95 * (len(timings) - 1))] * 1000)
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--chars", type=int, default=1000)
    parser.add_argument("--formats", default="jsonl,csv", help="any of jsonl, csv, json")
    parser.add_argument("--browse", action="store_true", help="also time the document browser on the imported corpus")
    args = parser.parse_args()
    user, _ = get_user_model().objects.get_or_create(username="import-benchmark")
    project = Project.objects.create(name="import benchmark", created_by=user)
    project.memberships.create(user=user, role="manager")
    app.control.purge()
    worker = start_worker(app, "-P", "solo")  # the job runs in the worker process: its peak RSS is the job's
    try:
        with tempfile.TemporaryDirectory() as folder:
            files = write_files(Path(folder), args.documents, args.chars, args.formats.split(","))
            print(f"database: {connection.vendor}; {args.documents:,} documents of {args.chars} characters")
            for kind in args.formats.split(","):
                count, seconds, before, peak, size = import_once(user, project, files[kind], kind, worker, args.browse)
                print(f"{kind:>5}: {count:,} documents, {size / 1e6:.0f} MB in {seconds:.1f} s = "
                      f"{count / seconds:,.0f} documents/s; worker peak RSS {peak:.0f} MB (idle {before:.0f} MB)")
    finally:
        worker.terminate()
        worker.wait(30)
        corpora.delete_project_data(project)


if __name__ == "__main__":
    main()
