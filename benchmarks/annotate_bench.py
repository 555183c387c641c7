"""Annotation loop latency over the HTTP API, served the way production runs (gunicorn).

Builds a project of synthetic notes in the configured database (PostgreSQL for the figures that
matter: DATABASE_URL=postgres://...), starts gunicorn, and lets concurrent annotators each loop
next-document + submit with their API tokens. Prints p50/p95/p99 per call and per annotation,
and annotations/s, and the server's CPU time per annotation (gunicorn's processes, read from /proc).
Each gunicorn worker answers a few requests before the clock starts, so no measured request waits for a
cold start. gunicorn runs with studio/gunicorn_conf.py, as production does. Annotators loop with no pause
by default, which measures the server saturated (the figure to compare with other tools); `--think`
gives them a pause after each note, as people take. Targets on a 2-core machine: 100,000 documents,
8 annotators, p95 ≤ 50 ms for next + submit; at 1,000,000 documents next-document p95 ≤ 30 ms.

    .venv/bin/python benchmarks/annotate_bench.py [--documents 100000] [--annotators 8] [--seconds 30] [--port 8123] [--think 2]

It deletes its project afterwards.
"""

import argparse
import http.client
import json
import os
import random
import sys
import threading
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
from rest_framework.authtoken.models import Token  # noqa: E402

from labeling.models import Corpus, Document, Label, LabelSchema, Membership, Project, Role  # noqa: E402
from labeling.services import corpora  # noqa: E402
from labeling.services.document_writer import insert_documents  # noqa: E402
from studio import gunicorn_conf  # noqa: E402
from _server import cpu_seconds, free_port, start_gunicorn  # noqa: E402


def build_project(documents, annotators):
    users = []
    for index in range(annotators):
        user, _ = get_user_model().objects.get_or_create(username=f"annotate-bench-{index}")
        users.append(user)
    project = Project.objects.create(name="annotate benchmark", overlap=1)
    for user in users:
        Membership.objects.create(project=project, user=user, role=Role.ANNOTATOR)
    schema = LabelSchema.objects.create(project=project, kind=LabelSchema.Kind.SINGLE)
    labels = [Label.objects.create(schema=schema, name=f"Label {n}", hotkey=str(n), position=n).pk for n in range(1, 6)]
    corpus = Corpus.objects.create(project=project, name="notes", status=Corpus.Status.IMPORTING)
    floor = (Document.objects.aggregate(last=Max("id"))["last"] or 0) + 1
    text = "Patient reviewed in clinic; plan discussed and agreed. " * 4
    for start in range(0, documents, 10_000):
        insert_documents([(corpus.pk, f"n{index}", text, "{}", f"{index:064d}", len(text), "")
                          for index in range(start, min(start + 10_000, documents))])
    Corpus.objects.filter(pk=corpus.pk).update(
        status=Corpus.Status.READY, document_count=documents, id_floor=floor,
        id_ceiling=Document.objects.aggregate(last=Max("id"))["last"])
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE) labeling_document")
    tokens = [Token.objects.get_or_create(user=user)[0].key for user in users]
    return project, labels, tokens


def warm_up(port, project_pk, token, labels, requests):
    """A few rounds of the annotation loop, each on a new connection (which may reach another worker and thread),
    so that every worker has run its code and opened its database connection before the clock starts."""
    headers = {"Authorization": f"Token {token}", "Host": "127.0.0.1", "Content-Type": "application/json"}
    for _ in range(requests):
        client = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        client.request("GET", f"/api/projects/{project_pk}/tasks/next/", headers=headers)
        document = json.loads(client.getresponse().read())["document"]["id"]
        client.close()
        client = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        client.request("POST", f"/api/projects/{project_pk}/documents/{document}/annotation/",
                       json.dumps({"labels": [labels[0]]}), headers)
        client.getresponse().read()
        client.close()


def annotator(port, project_pk, token, labels, seconds, timings, errors, think=0.0):
    client = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json", "Host": "127.0.0.1"}
    pause = random.Random(token)
    time.sleep(pause.uniform(0, think))  # annotators start at different moments
    stop = time.monotonic() + seconds
    count = 0
    while time.monotonic() < stop:
        started = time.perf_counter()
        client.request("GET", f"/api/projects/{project_pk}/tasks/next/", headers=headers)
        response = client.getresponse()
        body = response.read()
        got = time.perf_counter()
        if response.status == 204:
            break
        if response.status != 200:
            errors.append(f"next: {response.status} {body[:200]!r}")
            break
        document = json.loads(body)["document"]["id"]
        payload = json.dumps({"labels": [labels[count % len(labels)]]})
        client.request("POST", f"/api/projects/{project_pk}/documents/{document}/annotation/", payload, headers)
        response = client.getresponse()
        body = response.read()
        done = time.perf_counter()
        if response.status != 201:
            errors.append(f"submit: {response.status} {body[:200]!r}")
            break
        timings.append((got - started, done - got, done - started))
        count += 1
        time.sleep(pause.uniform(0.5, 1.5) * think)  # reading the next note; people do not keep in step
    client.close()


def percentiles(values):
    ordered = sorted(values)
    pick = lambda share: ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000  # noqa: E731
    return f"p50 {pick(0.50):.1f} ms, p95 {pick(0.95):.1f} ms, p99 {pick(0.99):.1f} ms"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--annotators", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--workers", type=int, default=gunicorn_conf.workers, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=gunicorn_conf.threads, help="threads per gunicorn worker")
    parser.add_argument("--think", type=float, default=0.0,
                        help="seconds each annotator pauses after a submit, on average (0: as fast as the server answers)")
    parser.add_argument("--port", type=int, default=0, help="port for gunicorn (default: a free one)")
    parser.add_argument("--no-preload", action="store_true", help="let each worker load the app itself")
    args = parser.parse_args()
    print(f"database: {connection.vendor}; building {args.documents:,} documents")
    project, labels, tokens = build_project(args.documents, args.annotators)
    port = args.port or free_port()
    server = start_gunicorn(port, args.workers, args.threads, preload=not args.no_preload)
    try:
        warm_up(port, project.pk, tokens[0], labels, 4 * args.workers * args.threads)
        cpu_before = cpu_seconds(server.pid)
        timings, errors = [], []
        threads = [threading.Thread(target=annotator, args=(port, project.pk, token, labels, args.seconds, timings, errors,
                                                          args.think))
                   for token in tokens]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
        cpu = cpu_seconds(server.pid) - cpu_before
        if errors:
            print("errors:", *errors[:5], sep="\n  ")
        print(f"{args.annotators} annotators pausing {args.think:g} s, gunicorn {args.workers}×{args.threads}, "
              f"{len(timings):,} annotations "
              f"in {elapsed:.1f} s = {len(timings) / elapsed:.1f} annotations/s")
        print(f"  next document:  {percentiles([t[0] for t in timings])}")
        print(f"  submit:         {percentiles([t[1] for t in timings])}")
        print(f"  next + submit:  {percentiles([t[2] for t in timings])}")
        if timings:
            print(f"  server CPU:     {cpu / len(timings) * 1000:.1f} ms per annotation (next + submit), "
                  f"{cpu / elapsed:.2f} cores busy; load average {os.getloadavg()[0]:.2f}")
    finally:
        server.terminate()
        server.wait(30)
        corpora.delete_project_data(project)


if __name__ == "__main__":
    main()
