"""The `onnx_export` job, worker side: the classifier's encoder traced to ONNX (opset 17, batch and length
dynamic; the TorchScript tracer, which needs nothing beyond torch), checked against PyTorch on notes of its snapshot, quantised to int8 (dynamic: weights int8, activations
quantised on the fly) when asked, and each registered as a version of the same model that serving runs with ONNX
Runtime; each is then evaluated on the snapshot the original was trained on."""

import json
import logging
import shutil
import warnings

import numpy as np
import torch

from labeling.models import DatasetSnapshot
from studio.disk import folder_size
from studio.jobs import service as jobs_service

from ..evaluation.service import start_evaluation
from ..finetuning import data
from ..finetuning.classifier import Classifier
from ..finetuning.classifier_file import SETTINGS_FILE
from ..finetuning.onnx_scorer import MODEL_FILE, WINDOW_SCORES
from ..finetuning.service import FinetuneError
from ..models import ModelVersion, RegisteredModel
from ..registry.versions import VersionError, create_version

INPUTS = ("input_ids", "attention_mask", "token_type_ids")
PROBE = ["Patient admitted with chest pain radiating to the left arm.", "No acute distress.",
         "Follow-up in two weeks; continue metformin 500 mg twice daily and monitor blood glucose at home."]


class Logits(torch.nn.Module):
    """The classifier's forward pass with named tensors in, logits out (what ONNX keeps); a classifier that reads
    long notes in windows gives each window's logits (and, pooled by attention, each window's score), which the
    ONNX scorer combines per note as PyTorch does."""

    def __init__(self, model, names):
        super().__init__()
        self.model, self.names = model, names

    def forward(self, *tensors):
        inputs = dict(zip(self.names, tensors))
        if getattr(self.model, "reading", None):
            logits, scores = self.model.windows(**inputs)
            return (logits,) if scores is None else (logits, scores)
        return self.model(**inputs).logits


def eager_attention(model):
    """Attention as plain matrix products: traced that way it runs faster in ONNX Runtime, and quantises further,
    than PyTorch's fused attention traced (int8 MiniLM-L6 on medical abstracts: 185 against 152 notes a second)."""
    body = model if hasattr(model, "set_attn_implementation") else getattr(model, model.base_model_prefix, None)
    if hasattr(body, "set_attn_implementation"):
        body.set_attn_implementation("eager")


def export(model, tokenizer, path):
    """`model` traced to ONNX at `path`; the input names it takes."""
    eager_attention(getattr(model, "inner", model))  # a windowed classifier's own classifier
    sample = tokenizer(PROBE[:2], padding=True, return_tensors="pt")
    names = [name for name in INPUTS if name in sample]
    outputs = ["logits", *([WINDOW_SCORES] if getattr(model, "attention", None) is not None else [])]
    with warnings.catch_warnings():  # the tracer's notes on an encoder's mask code, constant for every input
        warnings.simplefilter("ignore")
        torch.onnx.export(Logits(model.eval(), names), tuple(sample[name] for name in names), str(path),
                          input_names=names, output_names=outputs, opset_version=17, dynamo=False,
                          dynamic_axes={**{name: {0: "batch", 1: "tokens"} for name in names},
                                        **{name: {0: "batch"} for name in outputs}})
    return names


def quantise(source, target):
    from onnxruntime.quantization import QuantType, quantize_dynamic

    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # quiet its advice to pre-process, for this call only
    try:
        quantize_dynamic(str(source), str(target), weight_type=QuantType.QInt8)
    finally:
        root.setLevel(level)


def probe_texts(version):
    """Notes to compare the export with the original on: the snapshot's validation split where it is there."""
    snapshot = DatasetSnapshot.objects.filter(pk=(version.lineage.get("snapshot") or {}).get("id") or 0,
                                              status=DatasetSnapshot.Status.READY).first()
    if snapshot is None:
        return snapshot, PROBE
    labels, multi = data.snapshot_labels(snapshot)
    texts = data.read_split(snapshot, "validation", labels, multi).texts[:64]
    return snapshot, texts or PROBE


def run_onnx_export(job, reporter):
    version = ModelVersion.objects.select_related("registered_model__project").get(
        pk=job.params["version_id"], registered_model__project_id=job.project_id)
    reporter.stage(0.0, f"Loading {version}")
    reference = Classifier(version.path)
    settings, tokenizer = reference.settings, reference.scorer.tokenizer
    if not tokenizer.is_fast:
        raise FinetuneError(f"{version}'s tokenizer has no tokenizer.json (a fast tokenizer), which ONNX serving "
                            "reads.")
    snapshot, texts = probe_texts(version)
    original = reference.scores(texts)
    model = reference.scorer.model.cpu()  # traced on the CPU, where ONNX Runtime serves it
    folder = jobs_service.workdir(job) / "onnx"
    shutil.rmtree(folder, ignore_errors=True)
    made, precisions = [], job.params["precisions"]
    for number, precision in enumerate(precisions):
        done = ModelVersion.objects.filter(job=job, params__precision=precision).first()
        if done is not None:  # a re-delivered job keeps what it registered
            made.append(done)
            continue
        reporter.stage(0.1 + 0.8 * number / len(precisions), f"Exporting to ONNX {precision}")
        output = folder / precision
        output.mkdir(parents=True)
        tokenizer.save_pretrained(output)
        fp32 = folder / "fp32.onnx"
        if not fp32.is_file():
            names = export(model, tokenizer, fp32)
            reporter.log(f"Traced to ONNX with inputs {', '.join(names)}")
        if precision == "int8":
            quantise(fp32, output / MODEL_FILE)
        else:
            shutil.copyfile(fp32, output / MODEL_FILE)
        (output / SETTINGS_FILE).write_text(json.dumps({**settings, "runtime": "onnx", "precision": precision}))
        candidate = Classifier(output)
        exported = candidate.scores(texts)
        measured = {"max_probability_difference": float(np.abs(exported - original).max()),
                    "agreement_with_original": float(np.mean(
                        [a == b for a, b in zip(candidate.labels_of(exported), reference.labels_of(original))]))}
        reporter.log(f"ONNX {precision} against PyTorch on {len(texts)} notes: the same labels for "
                     f"{measured['agreement_with_original']:.1%}, probabilities within "
                     f"{measured['max_probability_difference']:.4f}")
        made.append(register(job, version, precision, output, measured))
        reporter.check_cancel()
    evaluations = []
    if snapshot is not None:
        for exported in made:
            evaluations.append(start_evaluation(job.created_by, version.registered_model.project, exported,
                                                snapshot).pk)
    return {"model_versions": [exported.pk for exported in made], "evaluations": evaluations}


def register(job, version, precision, output, measured):
    lineage = {**version.lineage, "job": job.pk, "runtime": "onnx", "precision": precision,
               "exported_from": {"id": version.pk, "name": str(version), "sha256": version.sha256}}
    try:
        return create_version(
            version.registered_model.project, version.registered_model.name, RegisteredModel.Kind.CLASSIFIER,
            lambda path: shutil.copytree(output, path), job=job,
            params={"precision": precision, "exported_from": version.pk, "queue": "cpu"}, metrics=measured,
            lineage=lineage, base=f"version:{version.pk}", created_by=job.created_by, needed=folder_size(output))
    except VersionError as error:
        raise FinetuneError(str(error)) from None
