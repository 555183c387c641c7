"""Distillation, worker side: a fine-tune whose settings name a `teacher` (any classifier version of the project:
the baseline, an encoder, an ONNX export or an ensemble) trains its student on the teacher's probabilities as well
as the gold labels. The teacher scores the training split and, where the run names unlabeled corpora, their notes
(that is where distillation pays: notes nobody labeled); notes of the snapshot's validation and test splits are
left out of those. The loss is α × the gold labels' loss (on the labeled notes) + (1 − α) × τ² × the distance to
the teacher's probabilities softened by temperature τ (KL divergence for single-label, binary cross-entropy per
label for multi-label). `student_layers` keeps that many of the base's layers, evenly spaced from bottom to top
(as DistilBERT starts from its teacher's), for a smaller, faster student."""

from dataclasses import dataclass

import numpy as np
import torch
from datasets import Dataset

from labeling.models import Corpus

from ..models import ModelVersion
from .classifier import Classifier
from .encoder import WeightedTrainer
from .service import FinetuneError

SCORE_BATCH = 256


@dataclass
class Teaching:
    texts: list  # the training split's notes, then the unlabeled notes
    soft: np.ndarray  # the teacher's probabilities, a row a note
    labeled: int  # how many of the first notes carry gold labels (the training split's)


def unlabeled_texts(project, corpus_ids, left_out, limit, known=()):
    """Up to `limit` notes of the project's ready corpora `corpus_ids`, none of the documents `left_out`, each text
    once and none of the texts `known` (the training split's)."""
    corpora = Corpus.objects.filter(project=project, pk__in=corpus_ids, status=Corpus.Status.READY)
    seen, texts = set(known), []
    for corpus in corpora.order_by("id"):
        for pk, text in corpus.documents.order_by("id").values_list("id", "text").iterator():
            if pk in left_out or text in seen:
                continue
            seen.add(text)
            texts.append(text)
            if len(texts) >= limit:
                return texts
    return texts


def teach(project, config, train, held_out_ids, labels, multi, reporter):
    """The teacher's probabilities for the training split and the unlabeled notes: (teacher version, Teaching)."""
    teacher = ModelVersion.objects.select_related("registered_model").get(pk=config["teacher"],
                                                                          registered_model__project=project)
    loaded = Classifier(teacher.path)
    if loaded.labels != labels or loaded.multi != multi:
        raise FinetuneError(f"The teacher {teacher} knows other labels than the snapshot's.")
    extra = unlabeled_texts(project, config["unlabeled_corpora"], set(held_out_ids) | set(train.ids),
                            config["max_unlabeled"], known=train.texts) if config["unlabeled_corpora"] else []
    texts = list(train.texts) + extra
    scored = []
    for start in range(0, len(texts), SCORE_BATCH):
        scored.append(loaded.scores(texts[start:start + SCORE_BATCH]))
        reporter.progress(min(start + SCORE_BATCH, len(texts)) / len(texts),
                          f"The teacher {teacher} scored {min(start + SCORE_BATCH, len(texts)):,} of {len(texts):,} "
                          "notes")
        reporter.check_cancel()
    reporter.log(f"Distilling {teacher} (τ = {config['temperature']:g}, α = {config['alpha']:g}) on "
                 f"{len(train.texts):,} labeled and {len(texts) - len(train.texts):,} unlabeled notes")
    return teacher, Teaching(texts, np.concatenate(scored), len(train.texts))


def encode(tokenizer, teaching, train, multi, max_length):
    """The training set: each note's tokens, gold labels (placeholders where it has none), teacher probabilities
    and whether it is labeled."""
    unlabeled = len(teaching.texts) - teaching.labeled
    gold = ([list(map(float, row)) for row in train.targets] + [[0.0] * teaching.soft.shape[1]] * unlabeled
            if multi else [int(row) for row in train.targets] + [-100] * unlabeled)
    encoded = tokenizer(teaching.texts, truncation=True, max_length=max_length)
    return Dataset.from_dict({**encoded, "labels": gold, "soft": teaching.soft.astype(np.float32).tolist(),
                              "labeled": [1] * teaching.labeled + [0] * unlabeled})


def distillation_loss(logits, soft, labels, labeled, multi, temperature, alpha):
    """α × the gold labels' loss over the labeled rows + (1 − α) × τ² × the distance to the teacher's softened
    probabilities over every row."""
    functional, tau = torch.nn.functional, temperature
    if multi:
        softened = torch.sigmoid(torch.logit(soft.clamp(1e-6, 1 - 1e-6)) / tau)
        teacher_loss = functional.binary_cross_entropy_with_logits(logits / tau, softened) * tau ** 2
        gold_loss = functional.binary_cross_entropy_with_logits(logits, labels.float(), reduction="none").mean(1)
    else:
        softened = torch.softmax(torch.log(soft.clamp_min(1e-8)) / tau, dim=-1)
        teacher_loss = functional.kl_div(functional.log_softmax(logits / tau, dim=-1), softened,
                                         reduction="batchmean") * tau ** 2
        gold_loss = functional.cross_entropy(logits, labels.clamp_min(0), reduction="none")
    gold_loss = (gold_loss * labeled).sum() / labeled.sum().clamp_min(1)
    return alpha * gold_loss + (1 - alpha) * teacher_loss


class DistillingTrainer(WeightedTrainer):
    def __init__(self, *args, temperature=2.0, alpha=0.5, **kwargs):
        super().__init__(*args, **kwargs)
        self.temperature, self.alpha = temperature, alpha

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        if "soft" not in inputs:  # the validation split: the gold labels' loss alone
            return super().compute_loss(model, inputs, return_outputs, num_items_in_batch)
        soft, labeled, labels = inputs.pop("soft").float(), inputs.pop("labeled").float(), inputs.pop("labels")
        outputs = model(**inputs)
        loss = distillation_loss(outputs.logits.float(), soft, labels, labeled, self.multi, self.temperature,
                                 self.alpha)
        return (loss, outputs) if return_outputs else loss


def keep_layers(model, count):
    """Keep `count` of the encoder's layers, evenly spaced from the first to the last (0 or more than it has: all)."""
    body = getattr(model, model.base_model_prefix, None)
    layers = getattr(getattr(body, "encoder", None), "layer", None)
    if layers is None:
        raise FinetuneError("student_layers: this base's layers cannot be cut (a BERT-like encoder can).")
    if not count or count >= len(layers):
        return len(layers)
    chosen = sorted({int(round(position)) for position in np.linspace(0, len(layers) - 1, count)})
    body.encoder.layer = torch.nn.ModuleList([layers[index] for index in chosen])
    body.config.num_hidden_layers = len(chosen)
    return len(chosen)


def lineage(teacher, config, teaching, layers):
    return {"teacher": {"id": teacher.pk, "name": str(teacher), "sha256": teacher.sha256},
            "distillation": {"temperature": config["temperature"], "alpha": config["alpha"],
                             "labeled": teaching.labeled, "unlabeled": len(teaching.texts) - teaching.labeled,
                             "student_layers": layers}}
