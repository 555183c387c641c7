"""Pretraining at tiny sizes on the CPU: tokenizer, MLM from scratch and from a local base,
contrastive, resume from a checkpoint, and an artifact without pickles."""

import random

import shutil

import pytest
import torch
from transformers import AutoModel, AutoTokenizer, BertConfig, BertForMaskedLM

from labeling.models import Corpus, Document
from studio.jobs import execution
from studio.jobs import service as jobs_service
from studio.models import Job
from tests.support.phi_notes import body
from training.models import ModelVersion, Pretraining
from training.pretraining import config as configs
from training.pretraining.contrastive import embed
from training.pretraining.service import start_pretraining

TINY = {"preset": "tiny", "hidden": 64, "heads": 2, "layers": 2, "vocab_size": 600, "max_length": 32, "batch_size": 16,
        "learning_rate": 2e-3, "max_steps": 60, "checkpoint_every": 20, "eval_share": 0.1, "queue": "cpu"}


@pytest.fixture
def notes(project, artifacts):
    rng = random.Random(4)
    corpus = Corpus.objects.create(project=project, name="Ward notes", status=Corpus.Status.READY, document_count=300)
    Document.objects.bulk_create(Document(corpus=corpus, external_id=f"n{i}", text=body(rng, 4), content_hash=str(i),
                                          length=100) for i in range(300))
    return corpus


def pretrain(manager, project, django_capture_on_commit_callbacks, **settings):
    with django_capture_on_commit_callbacks(execute=True):
        run = start_pretraining(manager, project, {**TINY, **settings})
    status = execution.execute(run.job_id, "w@host", {})
    run.refresh_from_db()
    return run, status


@pytest.mark.django_db
def test_from_scratch_trains_a_tokenizer_and_an_encoder_that_learns(
        project, manager, notes, django_capture_on_commit_callbacks):
    run, _status = pretrain(manager, project, django_capture_on_commit_callbacks)
    job = Job.objects.get(pk=run.job_id)
    assert run.status == "done", job.error
    version = run.output
    assert version.registered_model.kind == "encoder" and version.registered_model.name == "Ward notes encoder"
    metrics = version.metrics
    assert metrics["perplexity_after"] < metrics["perplexity_before"] / 2
    assert job.metrics["attention"] == "sdpa" and "Attention: sdpa" in job.log  # PyTorch's fused kernel ran
    losses = [point.value for point in job.metric_points.filter(name="loss").order_by("step")]
    assert len(losses) >= 3 and losses[-1] < losses[0]
    files = {path.name for path in version.path.iterdir()}
    assert {"config.json", "model.safetensors", "tokenizer.json"} <= files
    assert not [name for name in files if name.endswith((".bin", ".pt", ".pth", ".pkl", ".pickle"))]
    tokenizer = AutoTokenizer.from_pretrained(version.path)
    assert len(tokenizer) <= 600 and "chest" in tokenizer.get_vocab()
    assert AutoModel.from_pretrained(version.path).config.hidden_size == 64
    assert version.lineage["corpora"][0]["id"] == notes.pk and version.lineage["device"] == "cpu"


@pytest.mark.django_db
def test_continue_from_a_local_base_folder_with_domain_words(
        project, manager, notes, django_capture_on_commit_callbacks, settings, tmp_path):
    settings.STUDIO_BASE_MODELS_DIR = tmp_path / "base-models"
    base = settings.STUDIO_BASE_MODELS_DIR / "tiny-general"
    from training.pretraining.tokenizer import train_wordpiece
    general = train_wordpiece(["the patient was seen today and is well"] * 50 + ["a b c d e f g"] * 20, 120)
    general.save_pretrained(base)
    BertForMaskedLM(BertConfig(vocab_size=len(general), hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                               intermediate_size=64)).save_pretrained(base)
    assert configs.base_folders() == ["tiny-general"]
    run, _status = pretrain(manager, project, django_capture_on_commit_callbacks, start="base",
                            base="folder:tiny-general", add_domain_words=20, max_steps=10, model_name="Ward base")
    assert run.status == "done", Job.objects.get(pk=run.job_id).error
    version = run.output
    assert version.base_name == "folder:tiny-general" and version.lineage["base"]["added_words"] > 0
    assert len(AutoTokenizer.from_pretrained(version.path)) > len(general)
    again, _ = pretrain(manager, project, django_capture_on_commit_callbacks, start="base",
                        base=f"version:{version.pk}", max_steps=5, model_name="Ward base")
    assert again.output.version == 2 and again.output.base == version


@pytest.mark.django_db
def test_continue_from_an_encoder_without_an_mlm_head_keeps_its_pooler(
        project, manager, notes, django_capture_on_commit_callbacks, settings, tmp_path):
    """A sentence-embedding base is an encoder alone: the run gives it a head (trained alone first, said in the
    log and the metrics), and the adapted encoder keeps the base's pooler, so its fine-tunes start as the base's."""
    from safetensors.torch import load_file
    from transformers import AutoModelForSequenceClassification, BertModel

    from training.pretraining.tokenizer import train_wordpiece

    settings.STUDIO_BASE_MODELS_DIR = tmp_path / "base-models"
    base = settings.STUDIO_BASE_MODELS_DIR / "sentence-encoder"
    general = train_wordpiece([body(random.Random(5), 4) for _ in range(100)], 300)
    general.save_pretrained(base)
    torch.manual_seed(3)
    BertModel(BertConfig(vocab_size=len(general), hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                         intermediate_size=64)).save_pretrained(base)
    (base / "1_Pooling").mkdir()
    (base / "1_Pooling" / "config.json").write_text('{"pooling_mode_mean_tokens": true}')
    run, _status = pretrain(manager, project, django_capture_on_commit_callbacks, start="base",
                            base="folder:sentence-encoder", max_steps=20, model_name="Adapted")
    job = Job.objects.get(pk=run.job_id)
    assert run.status == "done", job.error
    version = run.output
    assert version.metrics["new_head"] == 1 and version.lineage["base"]["new_head"] is True
    assert version.metrics["perplexity_before"] > version.metrics["perplexity_after"]
    assert "no masked-language-model head" in job.log and "new head alone for its first 2 steps" in job.log
    saved, original = load_file(version.path / "model.safetensors"), load_file(base / "model.safetensors")
    assert torch.equal(saved["bert.pooler.dense.weight"], original["pooler.dense.weight"])
    _model, info = AutoModelForSequenceClassification.from_pretrained(version.path, num_labels=2,
                                                                      output_loading_info=True)
    assert not [key for key in info["missing_keys"] if "pooler" in key]
    assert (version.path / "1_Pooling" / "config.json").is_file()  # read by its mean, as its base is


@pytest.mark.django_db
def test_contrastive_embeddings_keep_two_views_of_a_text_closer_than_two_texts(
        project, manager, notes, django_capture_on_commit_callbacks):
    run, _status = pretrain(manager, project, django_capture_on_commit_callbacks, objective="contrastive",
                            max_steps=40, learning_rate=1e-3)
    assert run.status == "done", Job.objects.get(pk=run.job_id).error
    metrics = run.output.metrics
    assert metrics["loss_after"] < metrics["loss_before"]
    model = AutoModel.from_pretrained(run.output.path)
    tokenizer = AutoTokenizer.from_pretrained(run.output.path)
    texts = [document.text for document in notes.documents.order_by("id")[:8]]
    batch = tokenizer(texts, padding=True, truncation=True, max_length=32, return_tensors="pt")
    model.train()  # two dropout views
    with torch.no_grad():
        first = torch.nn.functional.normalize(embed(model, batch), dim=-1)
        second = torch.nn.functional.normalize(embed(model, batch), dim=-1)
    similarity = first @ second.T
    same = similarity.diag().mean()
    different = (similarity.sum() - similarity.diag().sum()) / (len(texts) * (len(texts) - 1))
    assert same > different


@pytest.mark.django_db
def test_a_run_resumes_from_its_last_checkpoint(project, manager, notes, django_capture_on_commit_callbacks,
                                                monkeypatch):
    from transformers import TrainerCallback

    class Crash(TrainerCallback):
        def on_step_end(self, args, state, control, **kwargs):
            if state.global_step == 25:
                raise RuntimeError("worker died")

    from studio.jobs import reporter as reporter_module
    original = reporter_module.Reporter.as_trainer_callback
    monkeypatch.setattr(reporter_module.Reporter, "as_trainer_callback", lambda self: [original(self), Crash()][1])
    run, _status = pretrain(manager, project, django_capture_on_commit_callbacks, max_steps=40)
    assert run.status == "failed"
    monkeypatch.setattr(reporter_module.Reporter, "as_trainer_callback", original)
    job = Job.objects.get(pk=run.job_id)
    checkpoints = [path for path in jobs_service.workdir(job).rglob("checkpoint-20") if path.is_dir()]
    assert len(checkpoints) == 1
    # The worker died while writing checkpoint-30: its weights are there, its trainer state never was.
    half_written = checkpoints[0].with_name("checkpoint-30")
    shutil.copytree(checkpoints[0], half_written)
    (half_written / "trainer_state.json").unlink()
    Job.objects.filter(pk=job.pk).update(status=Job.Status.QUEUED, claim="", error="")  # as a re-delivery finds it
    execution.execute(job.pk, "w@host", {})
    run.refresh_from_db()
    assert run.status == "done", Job.objects.get(pk=job.pk).error
    log = Job.objects.get(pk=job.pk).log
    assert "Removing checkpoint-30: it was not written to the end" in log and "Resuming from checkpoint-20" in log
    assert run.output.metrics["steps"] == 40
    # The loss it records is the whole run's, as an uninterrupted run's is.
    uninterrupted, _status = pretrain(manager, project, django_capture_on_commit_callbacks, max_steps=40)
    assert run.output.metrics["train_loss"] == pytest.approx(uninterrupted.output.metrics["train_loss"], rel=0.05)


@pytest.mark.django_db
def test_bad_configurations_are_refused(project, manager, notes):
    for raw, message in [({"objective": "gpt"}, "objective"), ({"preset": "huge"}, "preset"),
                         ({"hidden": 100, "heads": 3}, "multiple of heads"), ({"start": "base"}, "base:"),
                         ({"start": "base", "base": "folder:nothing"}, "no model folder"),
                         ({"start": "base", "base": "hub:bert-base-uncased"}, "STUDIO_ALLOW_HUB_DOWNLOADS"),
                         ({"corpora": [10 ** 9]}, "not ready corpora"),
                         ({"start": "base", "base": "version:999"}, "no encoder version")]:
        with pytest.raises(ValueError, match=message):
            start_pretraining(manager, project, raw)
    assert not Pretraining.objects.exists() and not ModelVersion.objects.exists()


@pytest.mark.django_db
def test_pretraining_in_the_browser_and_the_api(client, login, project, manager, annotator, notes,
                                                django_capture_on_commit_callbacks):
    import io
    import zipfile

    from django.urls import reverse

    login(manager)
    assert b"No models yet" in client.get(reverse("model-list", args=[project.pk])).content
    form = client.get(reverse("pretrain", args=[project.pk])).content.decode()
    assert 'name="preset"' in form and f'value="{notes.pk}"' in form
    fields = {name: str(value) for name, value in {**configs.SETTINGS.defaults(), **TINY}.items()
              if not isinstance(value, (bool, list))}
    fields["corpora"] = [str(notes.pk)]
    bad = client.post(reverse("pretrain", args=[project.pk]), {**fields, "hidden": "100", "heads": "3"})
    assert bad.status_code == 400 and "multiple of heads" in bad.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("pretrain", args=[project.pk]), fields)
    run = Pretraining.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("job-detail", args=[run.job_id])
    execution.execute(run.job_id, "w@host", {})
    run.refresh_from_db()
    version = run.output
    listing = client.get(reverse("model-list", args=[project.pk])).content.decode()
    assert "Ward notes encoder" in listing and "perplexity" in listing
    page = client.get(reverse("model-version", args=[project.pk, version.pk])).content.decode()
    assert "model.safetensors" in page and "Ward notes" in page and "trained from scratch" in page
    download = client.get(reverse("model-version-download", args=[project.pk, version.pk]))
    archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    assert {"config.json", "model.safetensors", "tokenizer.json"} <= set(archive.namelist())
    assert archive.read("config.json") == (version.path / "config.json").read_bytes()

    defaults = client.get(reverse("api-pretraining-defaults", args=[project.pk])).json()
    assert defaults["settings"]["objective"]["default"] == "mlm" and defaults["bases"] == [f"version:{version.pk}"]
    assert client.post(reverse("api-pretraining-list", args=[project.pk]), {"objective": "x"},
                       content_type="application/json").status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(reverse("api-pretraining-list", args=[project.pk]),
                              {**TINY, "start": "base", "base": f"version:{version.pk}", "max_steps": 3},
                              content_type="application/json")
    assert started.status_code == 201 and started.json()["status"] == "running"
    execution.execute(started.json()["job"], "w@host", {})
    models = client.get(reverse("api-model-list", args=[project.pk])).json()
    assert [item["version"] for item in models[0]["versions"]] == [2, 1]
    detail = client.get(reverse("api-model-version", args=[project.pk, models[0]["versions"][0]["id"]])).json()
    assert detail["base"] == version.pk and detail["metrics"]["steps"] == 3
    assert client.get(reverse("api-model-version-download", args=[project.pk, version.pk])).status_code == 200
    login(annotator)
    assert client.get(reverse("api-model-list", args=[project.pk])).status_code == 403
    assert client.get(reverse("model-version", args=[project.pk, version.pk])).status_code == 403
