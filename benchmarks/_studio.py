"""The studio's API and job path as benchmarks use them: Django set up on the local settings, a
token-authenticated test client, jobs run in this process through the real execution path."""

import csv
import io
import json
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

from studio.jobs import execution  # noqa: E402
from studio.models import Job  # noqa: E402

# The project's public data sets, beside the repository unless STUDIO_SHARED_DATA says where.
SHARED_DATA = Path(os.environ.get("STUDIO_SHARED_DATA", ROOT.parent / "shared" / "data"))
MEDICAL_ABSTRACTS = SHARED_DATA / "medical_abstracts" / "medical_tc_test.csv"


class Studio:
    def __init__(self, username):
        self.user, _ = get_user_model().objects.get_or_create(username=username)
        self.user.user_permissions.add(Permission.objects.get(codename="add_project",
                                                              content_type__app_label="labeling"))
        self.client = Client(HTTP_HOST="localhost",
                             HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=self.user)[0].key}")

    def post(self, path, payload, status=201, **kwargs):
        response = (self.client.post(path, payload, **kwargs) if kwargs else
                    self.client.post(path, payload, content_type="application/json"))
        if response.status_code != status:
            raise SystemExit(f"{path}: {response.status_code} {response.content[:300]!r}")
        return response.json()

    def import_csv(self, project, name, data_bytes, label_fields, text_field="medical_abstract"):
        """(corpus id, seconds) of a CSV uploaded and imported through the API."""
        handle = io.BytesIO(data_bytes)
        handle.name = name
        upload = self.post(f"/api/projects/{project}/uploads/", {"file": handle}, format="multipart")
        started = self.post(f"/api/projects/{project}/corpora/", {
            "upload": upload["id"], "name": name, "format": "csv", "text_field": text_field, "id_field": "id",
            "label_fields": label_fields})
        return started["corpus"]["id"], run_job(started["job"]["id"])

    def import_json_lines(self, project, name, rows):
        """(corpus id, seconds) of JSON Lines rows {id, text, spans} uploaded and imported with their spans."""
        handle = io.BytesIO("\n".join(json.dumps(row) for row in rows).encode())
        handle.name = name
        upload = self.post(f"/api/projects/{project}/uploads/", {"file": handle}, format="multipart")
        started = self.post(f"/api/projects/{project}/corpora/", {
            "upload": upload["id"], "name": name, "format": "jsonl", "text_field": "text", "id_field": "id",
            "span_field": "spans"})
        return started["corpus"]["id"], run_job(started["job"]["id"])

    def finetune(self, project, snapshot, **settings):
        """A fine-tune started through the API and run here, then the evaluation it started:
        (Finetuning, its seconds, EvaluationReport, its seconds)."""
        from training.models import EvaluationReport, Finetuning

        started = self.post(f"/api/projects/{project}/finetuning/", {"snapshot": snapshot, "queue": "cpu", **settings})
        seconds = run_job(started["job"])
        run = Finetuning.objects.select_related("output").get(pk=started["id"])
        report = EvaluationReport.objects.get(model_version=run.output)
        evaluation_seconds = run_job(report.job_id)
        report.refresh_from_db()
        return run, seconds, report, evaluation_seconds

    def labeled_snapshot(self, project, rows, train, validation, test, seed=42):
        """Abstracts imported with their condition as a label, then frozen into a snapshot:
        (import seconds, snapshot seconds, snapshot as the API returned it)."""
        body = io.StringIO()
        writer = csv.writer(body)
        writer.writerow(["id", "medical_abstract", "condition"])
        for number, row in enumerate(rows):
            writer.writerow([f"a{number}", row["medical_abstract"], f"condition {row['condition_label']}"])
        _corpus, seconds = self.import_csv(project, "medical abstracts.csv", body.getvalue().encode(), ["condition"])
        snapshot = self.post(f"/api/projects/{project}/snapshots/", {
            "name": f"abstracts {train:g}/{validation:g}/{test:g}", "train_ratio": train,
            "validation_ratio": validation, "test_ratio": test, "seed": seed})
        return seconds, run_job(snapshot["job"]), snapshot


def build_base(folder, texts, preset, length):
    """A freshly initialised encoder of the preset and a WordPiece vocabulary learned on `texts`,
    saved as a Hugging Face folder (what an operator would place under the base models folder)."""
    from transformers import BertForMaskedLM

    from training.pretraining.presets import bert_config
    from training.pretraining.tokenizer import train_wordpiece

    tokenizer = train_wordpiece(texts, 8000)
    BertForMaskedLM(bert_config(len(tokenizer), preset, max_length=length)).save_pretrained(folder)
    tokenizer.save_pretrained(folder)


def read_abstracts(path=MEDICAL_ABSTRACTS, limit=None):
    with open(path, encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return rows[:limit] if limit else rows


def base_folder(source):
    """The name of a base models folder, registered from `source` (a folder or package:<module>) unless it is
    there already."""
    from training.pretraining.config import base_folders
    from training.registry.base_folders import register

    name = source.removeprefix("package:").replace("_", "-") if source.startswith("package:") else Path(source).name
    if name not in base_folders():
        register(source, name)
    return name


def machine():
    """This machine in a line, as each benchmark's results file opens with it."""
    import platform

    import torch

    return (f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPU cores, torch {torch.__version__}, "
            f"{'a GPU' if torch.cuda.is_available() else 'no GPU'}")


def publish(path, lines):
    """Print a benchmark's results and write them to `path`."""
    text = "\n".join(lines) + "\n"
    print(text)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def run_job(job_id):
    """Seconds the job took, run here through the worker's code path; exits when it failed."""
    started = time.monotonic()
    execution.execute(job_id, "bench@host", {})
    job = Job.objects.get(pk=job_id)
    if job.status != Job.Status.SUCCEEDED:
        raise SystemExit(f"job {job.kind} #{job.pk} failed: {job.error}")
    return time.monotonic() - started
