"""Predict API latency and throughput with a `mini` encoder classifier in production.

Imports medical abstracts with their labels through the API, freezes a snapshot (70/15/15,
seed 42), fine-tunes a fresh `mini` encoder on it for one epoch (`--epochs`), evaluates it on the
gold snapshot and promotes it — all through the studio's job path — then calls
`POST /api/projects/{id}/predict` in this process (Django's test client: the view, DRF, alias
lookup and model; no HTTP server): one note per request (p50/p95/p99, target p95 ≤ 50 ms) and
batches of 64 notes (notes/s). The first call loads the model; it is timed apart.

    .venv/bin/python benchmarks/predict_bench.py [--documents 600] [--requests 200] [--batches 20] [--length 128]
"""

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
from _studio import Studio, build_base, read_abstracts  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402

from labeling.models import Project  # noqa: E402
from labeling.services import corpora  # noqa: E402
from training.registry import aliases  # noqa: E402


def percentile(values, share):
    return float(np.percentile(values, share)) * 1000


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=600)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--batches", type=int, default=20)
    parser.add_argument("--length", type=int, default=128)
    parser.add_argument("--epochs", type=float, default=1)
    args = parser.parse_args()
    rows = read_abstracts(limit=args.documents)
    studio = Studio("predict-benchmark")
    project_id = studio.post("/api/projects/", {"name": "predict benchmark"})["id"]
    project = Project.objects.get(pk=project_id)
    try:
        with tempfile.TemporaryDirectory() as models:
            settings.STUDIO_BASE_MODELS_DIR = Path(models)
            build_base(Path(models) / "mini", [row["medical_abstract"] for row in rows], "mini", args.length)
            _seconds, _snapshot_seconds, snapshot = studio.labeled_snapshot(project_id, rows, 0.7, 0.15, 0.15)
            run, _seconds, _report, _evaluation_seconds = studio.finetune(
                project_id, snapshot["id"], base="folder:mini", epochs=args.epochs, max_length=args.length,
                learning_rate=1e-4, model_name="triage")
        version = run.output
        name = str(version)
        project.gold_snapshot_id = snapshot["id"]
        project.save()
        admin = get_user_model().objects.get_or_create(username="predict-benchmark-admin",
                                                       defaults={"is_superuser": True, "is_staff": True})[0]
        aliases.promote(admin, version)
        url = f"/api/projects/{project_id}/predict"
        texts = [row["medical_abstract"] for row in rows]
        rng = random.Random(5)

        def call(payload):
            response = studio.client.post(url, payload, content_type="application/json")
            if response.status_code != 200:
                raise SystemExit(f"predict: {response.status_code} {response.content[:300]!r}")
            return response

        started_at = time.perf_counter()
        call({"text": texts[0]})
        first = time.perf_counter() - started_at
        for _ in range(5):
            call({"text": rng.choice(texts)})
        single = []
        for _ in range(args.requests):
            text = rng.choice(texts)
            started_at = time.perf_counter()
            call({"text": text})
            single.append(time.perf_counter() - started_at)
        batch_seconds = []
        for _ in range(args.batches):
            batch = rng.sample(texts, 64)
            started_at = time.perf_counter()
            call({"texts": batch})
            batch_seconds.append(time.perf_counter() - started_at)
    finally:
        corpora.delete_project_data(project)
    print(f"{name} (mini, ≤{args.length} tokens) on the CPU, abstracts of about "
          f"{np.mean([len(text) for text in texts]):.0f} characters:")
    print(f"  first request (loads and fingerprints the model): {first * 1000:.0f} ms")
    print(f"  one note a request, {args.requests} requests: p50 {percentile(single, 50):.1f} ms, "
          f"p95 {percentile(single, 95):.1f} ms, p99 {percentile(single, 99):.1f} ms (target p95 ≤ 50 ms)")
    print(f"  64 notes a request, {args.batches} requests: p50 {percentile(batch_seconds, 50):.0f} ms, "
          f"{64 * args.batches / sum(batch_seconds):,.0f} notes/s")


if __name__ == "__main__":
    main()
