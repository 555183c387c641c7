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
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studio.settings.local")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Permission  # noqa: E402
from django.test import Client  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402
from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.metrics import accuracy_score, f1_score  # noqa: E402

from labeling.models import DatasetSnapshot, Project  # noqa: E402
from labeling.services import corpora  # noqa: E402
from studio.jobs import execution  # noqa: E402
from studio.models import Job  # noqa: E402
from training.finetuning import data  # noqa: E402
from training.models import EvaluationReport, Finetuning, Pretraining  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "medical_abstracts" / "medical_tc_test.csv"


class Studio:
    def __init__(self, user):
        self.client = Client(HTTP_HOST="localhost",
                             HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")

    def post(self, path, payload, status=201, **kwargs):
        response = (self.client.post(path, payload, **kwargs) if kwargs else
                    self.client.post(path, payload, content_type="application/json"))
        if response.status_code != status:
            raise SystemExit(f"{path}: {response.status_code} {response.content[:300]!r}")
        return response.json()


def run_job(job_id):
    started = time.monotonic()
    execution.execute(job_id, "bench@host", {})
    job = Job.objects.get(pk=job_id)
    if job.status != Job.Status.SUCCEEDED:
        raise SystemExit(f"job {job.kind} #{job.pk} failed: {job.error}")
    return time.monotonic() - started


def import_csv(studio, project, name, data_bytes, label_fields):
    upload = studio.post(f"/api/projects/{project}/uploads/", {"file": _file(name, data_bytes)}, format="multipart")
    started = studio.post(f"/api/projects/{project}/corpora/", {
        "upload": upload["id"], "name": name, "format": "csv", "text_field": "medical_abstract", "id_field": "id",
        "label_fields": label_fields})
    return started["corpus"]["id"], run_job(started["job"]["id"])


def _file(name, data_bytes):
    handle = io.BytesIO(data_bytes)
    handle.name = name
    return handle


def finetune_and_evaluate(studio, project, snapshot, **settings):
    run = studio.post(f"/api/projects/{project}/finetuning/", {"snapshot": snapshot, "queue": "cpu", **settings})
    seconds = run_job(run["job"])
    report = EvaluationReport.objects.get(model_version=Finetuning.objects.get(pk=run["id"]).output)
    evaluation_seconds = run_job(report.job_id)
    report.refresh_from_db()
    return report.metrics, seconds, evaluation_seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--pretrain-steps", type=int, default=300)
    parser.add_argument("--epochs", type=float, default=2)
    args = parser.parse_args()
    rows = list(csv.DictReader(args.data.open(encoding="utf-8")))
    user, _ = get_user_model().objects.get_or_create(username="abstracts-benchmark")
    user.user_permissions.add(Permission.objects.get(codename="add_project", content_type__app_label="labeling"))
    studio = Studio(user)
    project = studio.post("/api/projects/", {"name": "medical abstracts benchmark"})["id"]
    table = []
    try:
        body = io.StringIO()
        writer = csv.writer(body)
        writer.writerow(["id", "medical_abstract", "condition"])
        for number, row in enumerate(rows):
            writer.writerow([f"a{number}", row["medical_abstract"], f"condition {row['condition_label']}"])
        corpus, seconds = import_csv(studio, project, "medical abstracts.csv", body.getvalue().encode(), ["condition"])
        table.append(("import (labels as annotations)", seconds, None, None))
        snapshot = studio.post(f"/api/projects/{project}/snapshots/", {
            "name": "abstracts 80/20", "train_ratio": 0.8, "validation_ratio": 0.0, "test_ratio": 0.2, "seed": 42})
        table.append(("snapshot", run_job(snapshot["job"]), None, None))
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
        pretraining_corpus, seconds = import_csv(studio, project, "training abstracts.csv",
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
