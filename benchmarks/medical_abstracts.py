"""The seed's claim on real data: baseline vs domain-pretrained-then-fine-tuned, through the
studio's own API and jobs.

Imports `medical_tc_test.csv` (2,888 abstracts, 5 conditions) with its label column, freezes a
stratified 80/20 snapshot (seed 42), and runs in this process, through the job code path:
the baseline fine-tune and its evaluation; then pretraining (mini preset) on the training
abstracts only, a fine-tune from that encoder, and its evaluation. Prints a table of accuracy,
macro F1 and each job's wall time, and scikit-learn's TF-IDF + logistic regression on the same
split for reference.

    .venv/bin/python benchmarks/medical_abstracts.py [--data PATH] [--pretrain-steps 300] [--epochs 2]
"""

import argparse
import csv
import io
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _studio import MEDICAL_ABSTRACTS, Studio, read_abstracts, run_job  # noqa: E402
from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.metrics import accuracy_score, f1_score  # noqa: E402

from labeling.models import DatasetSnapshot, Project  # noqa: E402
from labeling.services import corpora  # noqa: E402
from training.finetuning import data  # noqa: E402
from training.models import Pretraining  # noqa: E402


def finetune_and_evaluate(studio, project, snapshot, **settings):
    _run, seconds, report, evaluation_seconds = studio.finetune(project, snapshot, **settings)
    return report.metrics, seconds, evaluation_seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=MEDICAL_ABSTRACTS)
    parser.add_argument("--pretrain-steps", type=int, default=300)
    parser.add_argument("--epochs", type=float, default=2)
    args = parser.parse_args()
    rows = read_abstracts(args.data)
    studio = Studio("abstracts-benchmark")
    project = studio.post("/api/projects/", {"name": "medical abstracts benchmark"})["id"]
    table = []
    try:
        seconds, snapshot_seconds, snapshot = studio.labeled_snapshot(project, rows, 0.8, 0.0, 0.2)
        table.append(("import (labels as annotations)", seconds, None, None))
        table.append(("snapshot", snapshot_seconds, None, None))
        frozen = DatasetSnapshot.objects.get(pk=snapshot["id"])
        labels, multi = data.snapshot_labels(frozen)
        train, test = (data.read_split(frozen, split, labels, multi) for split in ("train", "test"))

        reference = make_reference(train, test)
        figures, seconds, evaluation = finetune_and_evaluate(studio, project, snapshot["id"], base="baseline",
                                                             model_name="baseline")
        table.append(("fine-tune: baseline", seconds, figures["accuracy"], figures["macro_f1"]))
        table.append(("  evaluation", evaluation, None, None))

        training_only = io.StringIO()
        writer = csv.writer(training_only)
        writer.writerow(["id", "medical_abstract"])
        for external_id, text in zip(train.external_ids, train.texts):
            writer.writerow([external_id, text])
        pretraining_corpus, seconds = studio.import_csv(project, "training abstracts.csv",
                                                 training_only.getvalue().encode(), [])
        pretraining = studio.post(f"/api/projects/{project}/pretraining/", {
            "corpora": [pretraining_corpus], "preset": "mini", "vocab_size": 12000, "max_length": 128,
            "batch_size": 32, "max_steps": args.pretrain_steps, "learning_rate": 5e-4, "eval_share": 0.05,
            "checkpoint_every": 1000, "queue": "cpu", "model_name": "abstracts encoder"})
        seconds = run_job(pretraining["job"])
        encoder = Pretraining.objects.get(pk=pretraining["id"]).output
        table.append((f"pretrain mini, {args.pretrain_steps} steps (perplexity "
                      f"{encoder.metrics['perplexity_before']:.0f} → {encoder.metrics['perplexity_after']:.0f})",
                      seconds, None, None))
        figures, seconds, evaluation = finetune_and_evaluate(
            studio, project, snapshot["id"], base=f"version:{encoder.pk}", epochs=args.epochs, max_length=128,
            batch_size=16, learning_rate=1e-4, model_name="domain-pretrained")
        table.append(("fine-tune: domain-pretrained mini", seconds, figures["accuracy"], figures["macro_f1"]))
        table.append(("  evaluation", evaluation, None, None))
    finally:
        corpora.delete_project_data(Project.objects.get(pk=project))
    print(f"{len(rows):,} abstracts, {len(labels)} classes; snapshot {len(train.texts)} train / {len(test.texts)} test")
    print(f"scikit-learn TF-IDF + logistic regression on the same split: accuracy {reference[0]:.3f}, "
          f"macro F1 {reference[1]:.3f}")
    print(f"{'step':<62} {'seconds':>8} {'accuracy':>9} {'macro F1':>9}")
    for step, seconds, accuracy, macro in table:
        print(f"{step:<62} {seconds:8.1f} {'' if accuracy is None else f'{accuracy:.3f}':>9} "
              f"{'' if macro is None else f'{macro:.3f}':>9}")


def make_reference(train, test):
    vectorizer = TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2), min_df=2)
    model = LogisticRegression(max_iter=2000).fit(vectorizer.fit_transform(train.texts), train.targets)
    predicted = model.predict(vectorizer.transform(test.texts))
    return accuracy_score(test.targets, predicted), f1_score(test.targets, predicted, average="macro")


if __name__ == "__main__":
    main()
