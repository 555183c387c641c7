"""Corpus import speed and memory as a user meets them: the upload over HTTP, the import job, a worker.

Generates synthetic notes (about 1 KB each by default) as JSONL and CSV, and for each file, against
gunicorn and a real Celery worker process on the configured database (PostgreSQL in production:
DATABASE_URL=postgres://... CELERY_BROKER_URL=redis://...): uploads it through the API (streamed, as a
client sends it), starts the import through the API and waits for its job to finish. Prints the upload's
and the import's seconds, documents/s for the whole (the clock runs from the first byte sent to the job's
end, as Label Studio's import call is timed): until the corpus is ready to label, and until the job has
also indexed it for search (searches find every note meanwhile, more slowly); and the worker's peak RSS. Targets on a 2-core machine:
100,000 documents of 1 KB in ≤ 20 s; 100,000 of 200 characters at ≥ 5× Label Studio's 8,171–8,508/s;
worker peak ≤ 200 MB.

    .venv/bin/python benchmarks/import_bench.py [--documents 100000] [--chars 1000] [--formats jsonl,csv] [--browse]

The shape Label Studio was measured with: --chars 200 --formats json.

Uses the configured database (run `manage.py migrate` first); it creates a project
"import benchmark" and deletes it afterwards.
"""

import argparse
import csv
import http.client
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

from rest_framework.authtoken.models import Token  # noqa: E402

from labeling.models import Corpus, Project  # noqa: E402
from labeling.services import corpora  # noqa: E402
from _server import free_port, start_gunicorn  # noqa: E402
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


class _Multipart:
    """A file as a multipart/form-data body (field `file`), read in blocks: nothing is held in memory."""

    BOUNDARY = "studio-benchmark-boundary"

    def __init__(self, path):
        self.parts = [f"--{self.BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{path.name}\"\r\n"
                      "Content-Type: application/octet-stream\r\n\r\n".encode(), open(path, "rb"),
                      f"\r\n--{self.BOUNDARY}--\r\n".encode()]
        self.length = len(self.parts[0]) + path.stat().st_size + len(self.parts[2])

    def read(self, size=-1):
        while self.parts:
            part = self.parts[0]
            if isinstance(part, bytes):
                self.parts.pop(0)
                return part
            block = part.read(size)
            if block:
                return block
            part.close()
            self.parts.pop(0)
        return b""


class Api:
    def __init__(self, port, token):
        self.port, self.headers = port, {"Authorization": f"Token {token}", "Host": "127.0.0.1"}

    def call(self, method, path, body=None, headers=()):
        client = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600, blocksize=1 << 20)
        client.request(method, path, body, {**self.headers, **dict(headers)})
        response = client.getresponse()
        answer = response.read()
        client.close()
        if response.status >= 400:
            raise SystemExit(f"{method} {path}: {response.status} {answer[:300]!r}")
        return json.loads(answer)

    def upload(self, project, path):
        body = _Multipart(path)
        return self.call("POST", f"/api/projects/{project.pk}/uploads/", body, {
            "Content-Type": f"multipart/form-data; boundary={body.BOUNDARY}", "Content-Length": str(body.length)})

    def start_import(self, project, upload, name, kind):
        mapping = {"upload": upload["id"], "name": name, "format": kind, "text_field": "text", "id_field": "id",
                   "meta_fields": ["ward"]}
        return self.call("POST", f"/api/projects/{project.pk}/corpora/", json.dumps(mapping),
                         {"Content-Type": "application/json"})


def import_once(api, project, path, kind, worker, browse=False, user=None):
    """Upload `path` and import it through the API; the documents, the seconds of each step and the worker's RSS."""
    baseline = peak_rss_mb(worker.pid)
    started = time.monotonic()
    upload = api.upload(project, path)
    uploaded = time.monotonic()
    answer = api.start_import(project, upload, path.name, kind)
    job, corpus, ready = Job.objects.get(pk=answer["job"]["id"]), Corpus.objects.get(pk=answer["corpus"]["id"]), None
    while not job.is_finished:
        time.sleep(0.02)
        job.refresh_from_db(fields=["status", "finished_at"])
        if ready is None and Corpus.objects.filter(pk=corpus.pk, status=Corpus.Status.READY).exists():
            ready = time.monotonic()
    finished = time.monotonic()
    job.refresh_from_db()
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
    return (corpus.document_count, uploaded - started, (ready or finished) - uploaded, finished - uploaded, baseline,
            peak_rss_mb(worker.pid))


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
    token, _ = Token.objects.get_or_create(user=user)
    project = Project.objects.create(name="import benchmark", created_by=user)
    project.memberships.create(user=user, role="manager")
    app.control.purge()
    worker = start_worker(app, "-P", "solo")  # the job runs in the worker process: its peak RSS is the job's
    port = free_port()
    server = start_gunicorn(port, 1, 2, preload=True)
    api = Api(port, token.key)
    api.call("GET", f"/api/projects/{project.pk}/")  # the server is up and has answered, as it is when people upload
    try:
        with tempfile.TemporaryDirectory() as folder:
            files = write_files(Path(folder), args.documents, args.chars, args.formats.split(","))
            print(f"database: {connection.vendor}; {args.documents:,} documents of {args.chars} characters; "
                  f"load average before {os.getloadavg()[0]:.2f}")
            for kind in args.formats.split(","):
                count, upload, ready, indexed, before, peak = import_once(api, project, files[kind], kind, worker,
                                                                          args.browse, user)
                print(f"{kind:>5}: {count:,} documents, {files[kind].stat().st_size / 1e6:.0f} MB: upload {upload:.2f} s "
                      f"+ import {ready:.2f} s = ready to label in {upload + ready:.2f} s, "
                      f"{count / (upload + ready):,.0f} documents/s; search index complete at {upload + indexed:.2f} s "
                      f"({count / (upload + indexed):,.0f} documents/s); worker peak RSS {peak:.0f} MB (idle "
                      f"{before:.0f} MB); load average {os.getloadavg()[0]:.2f}")
    finally:
        server.terminate()
        worker.terminate()
        server.wait(30)
        worker.wait(30)
        corpora.delete_project_data(project)


if __name__ == "__main__":
    main()
