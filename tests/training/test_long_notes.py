"""Long notes: a fine-tune that reads each note in overlapping windows finds a signal planted past the first
`max_length` tokens, which truncation cannot see; the version says how it reads notes and which attention ran;
evaluation, the predict API, explanations and an ONNX export read notes the same way; what cannot read windows is
refused."""

import pytest
import torch
from django.urls import reverse
from transformers import AutoTokenizer

from studio.jobs import execution
from studio.models import Job
from studio.settings_schema import SettingsError
from tests.support.classifiers import SIGNALS, finetune, labeled_snapshot
from training.finetuning import windows
from training.finetuning.classifier import Classifier
from training.finetuning.classifier_file import read_settings
from training.finetuning.service import start_finetuning
from training.models import ModelVersion
from training.onnx_export.service import start_export

pytestmark = pytest.mark.django_db
WINDOWS = {"long_notes": "windows", "stride": 16, "max_length": 32}
TRAINING = {"base": "folder:tiny", "learning_rate": 1e-3, "epochs": 20, "batch_size": 16, "early_stopping": 0}


def test_windows_cover_a_note_stride_by_stride_up_to_their_number(tiny):
    tokenizer = AutoTokenizer.from_pretrained(tiny)
    long_note, short_note = " ".join(f"word{number}" for number in range(200)), "chest pain"
    found, notes = windows.split(tokenizer, [long_note, short_note], 32,
                                 {"stride": 20, "max_windows": 100, "pooling": "max"})
    body = [ids[1:-1] for ids, note in zip(found["input_ids"], notes) if note == 0]
    assert notes.count(1) == 1 and all(len(ids) <= 32 for ids in found["input_ids"])
    whole = tokenizer(long_note, add_special_tokens=False)["input_ids"]
    assert [window[0] for window in body] == whole[::20][:len(body)]  # each window starts 20 tokens on
    assert body[-1][-1] == whole[-1]  # the last window reaches the note's end
    capped, notes = windows.split(tokenizer, [long_note], 32, {"stride": 20, "max_windows": 3, "pooling": "max"})
    assert notes == [0, 0, 0]


def test_window_logits_combine_by_max_mean_or_learnt_attention():
    logits = torch.tensor([[1.0, 0.0], [3.0, -1.0], [0.0, 2.0]])
    note = torch.tensor([0, 0, 1])

    def combined(pooling, scores=None):
        model = windows.WindowedClassifier.__new__(windows.WindowedClassifier)
        model.reading = {"pooling": pooling}
        return windows.WindowedClassifier.combine(model, logits, scores, note)

    assert combined("max").tolist() == [[3.0, 0.0], [0.0, 2.0]]
    assert combined("mean").tolist() == [[2.0, -0.5], [0.0, 2.0]]
    weights = torch.softmax(torch.tensor([0.0, torch.log(torch.tensor(3.0))]), dim=0)  # 1/4 and 3/4
    assert torch.allclose(combined("attention", torch.tensor([0.0, float(torch.log(torch.tensor(3.0))), 5.0])),
                          torch.stack([weights[0] * logits[0] + weights[1] * logits[1], logits[2]]))


def test_a_signal_past_the_first_window_is_found_by_windows_and_missed_by_truncation(
        project, manager, artifacts, tiny, client, django_capture_on_commit_callbacks):
    snapshot = labeled_snapshot(project, manager, django_capture_on_commit_callbacks, sentences=4)
    tokenizer = AutoTokenizer.from_pretrained(tiny)
    texts = list(snapshot.project.corpora.first().documents.values_list("text", flat=True))
    before = [len(tokenizer(text.rsplit(". ", 1)[0], add_special_tokens=False)["input_ids"]) for text in texts]
    assert min(before) > 32  # each note's signal ends it, past the first 32 tokens truncation reads
    note = texts[0]
    cut, cut_report = finetune(manager, project, snapshot, django_capture_on_commit_callbacks, **TRAINING,
                               max_length=32)
    read, read_report = finetune(manager, project, snapshot, django_capture_on_commit_callbacks, **TRAINING,
                                 **WINDOWS)
    assert cut_report.metrics["macro_f1"] < 0.6 < 0.9 < read_report.metrics["macro_f1"], (
        cut_report.metrics, read_report.metrics)
    version = read.output
    assert read_settings(version.path)["reading"] == {"stride": 16, "max_windows": 16, "pooling": "max"}
    assert version.lineage["long_notes"]["pooling"] == "max" and version.lineage["attention"] == "sdpa"
    assert cut.output.lineage["long_notes"] == {"truncated_at": 32}
    client.force_login(manager)
    page = client.get(reverse("model-version", args=[project.pk, version.pk])).content.decode()
    assert "reads long notes whole: windows of 32 tokens, each 16 on from the last" in page
    assert "attention ran as sdpa" in page
    job_page = client.get(reverse("job-detail", args=[read.job_id])).content.decode()
    assert "Windows per note" in job_page and "sdpa" in job_page
    # The predict API reads the note the same way, and explains it over all its windows
    planted = f"{note.rsplit('. ', 1)[0]}. {SIGNALS['Neurology']}."
    answer = client.post(reverse("api-predict", args=[project.pk]),
                         {"texts": [planted], "version": version.pk, "explain": True}, content_type="application/json")
    assert answer.status_code == 200, answer.content
    prediction = answer.json()["predictions"][0]
    assert prediction["labels"] == ["Neurology"]
    strongest = sorted(prediction["explanation"]["words"], key=lambda word: -word["weight"])[:3]
    assert strongest[0]["start"] > len(planted) // 2  # in the last windows, where the signal is
    assert {planted[word["start"]:word["end"]] for word in strongest} & set(SIGNALS["Neurology"].split()), strongest
    assert onnx_scores(manager, project, version, [planted, note]) == pytest.approx(
        Classifier(version.path).scores([planted, note]), abs=1e-4)  # ONNX Runtime reads the same windows


def onnx_scores(manager, project, version, texts, precision="fp32"):
    """The scores of the version's ONNX export (made by a real export job) for `texts`."""
    job = start_export(manager, project, version, [precision])
    execution.execute(job.pk, "w@host", {})
    exported = ModelVersion.objects.get(pk=Job.objects.get(pk=job.pk).metrics["model_versions"][0])
    assert exported.lineage["runtime"] == "onnx" and exported.lineage["long_notes"] == version.lineage["long_notes"]
    return Classifier(exported.path).scores(texts)


def test_attention_pooling_learns_its_window_weights_and_loads_them_back(
        project, manager, artifacts, tiny, django_capture_on_commit_callbacks):
    snapshot = labeled_snapshot(project, manager, django_capture_on_commit_callbacks, count=60, sentences=4)
    run, report = finetune(manager, project, snapshot, django_capture_on_commit_callbacks,
                           **{**TRAINING, **WINDOWS, "window_pooling": "attention", "epochs": 1, "stride": 0})
    assert (run.output.path / windows.ATTENTION_FILE).is_file() and report.metrics["macro_f1"] is not None
    assert read_settings(run.output.path)["reading"]["stride"] == 16  # 0: half of max_length
    classifier = Classifier(run.output.path)
    texts = ["chest pain " * 40, "wheeze", f"{'Reviewed. ' * 30}{SIGNALS['Respiratory']}"]
    scores = classifier.scores(texts)
    assert scores.shape == (3, 3) and abs(scores.sum(axis=1) - 1).max() < 1e-5
    assert onnx_scores(manager, project, run.output, texts) == pytest.approx(scores, abs=1e-4)  # its window scores


@pytest.mark.parametrize("config, message", [
    ({"base": "baseline"}, "encoder classifier"),
    ({"base": "folder:tiny", "stride": 31}, "at most max_length"),
    ({"base": "folder:tiny", "teacher": 1}, "student reads"),
])
def test_what_cannot_read_windows_is_refused(project, manager, artifacts, tiny, config, message,
                                             django_capture_on_commit_callbacks):
    snapshot = labeled_snapshot(project, manager, django_capture_on_commit_callbacks, count=30)
    with pytest.raises(SettingsError, match=message):
        start_finetuning(manager, project, snapshot, {**WINDOWS, **config})
