"""The `pretrain` job: a domain tokenizer (trained, or a base's extended with domain words), the
corpus packed into blocks, an encoder trained with a masked-language-model or contrastive
objective through `transformers.Trainer`, and the result saved as a new encoder version.

Everything the job makes lives in its own folder, so a re-delivered job (after a worker died)
finds its tokenizer, its blocks and its last checkpoint and carries on from there.
"""

import json
import math
import os
import shutil

import torch
from django.db import transaction
from torch.utils.data import DataLoader
from transformers import (
    AutoModel,
    AutoTokenizer,
    BertForMaskedLM,
    BertModel,
    DataCollatorForLanguageModeling,
    Trainer,
    set_seed,
)

from studio import artifacts
from studio.jobs import service as jobs_service
from studio.models import Job

from .. import distributed
from ..device import attention_implementation, training_precision
from ..models import Pretraining, RegisteredModel
from .config import base_path
from ..registry.versions import VersionError, create_version
from ..resume import train_resuming
from . import blocks, corpus
from . import tokenizer as tokenizers
from .arguments import total_steps, training_arguments
from .base_head import HEAD_SHARE, HeadFirst, keep_base_files, keep_base_weights, load_mlm_base
from .contrastive import ContrastiveTrainer, contrastive_collator, embedding_quality
from .presets import bert_config
from .service import PretrainingError


def run_pretraining(job, reporter):
    return _train(Pretraining.objects.select_related("project").get(pk=job.params["pretraining_id"]), job, reporter)


def _write_once(path, write, mirrored=False):
    """Make `path` with `write(temporary path)` unless an earlier delivery of the job made it; `mirrored`: a folder
    that a delivery on another machine must find as it was (the tokenizer the checkpoints were trained with)."""
    if not path.exists():
        temporary = path.with_name(path.name + ".partial")
        shutil.rmtree(temporary, ignore_errors=True) if temporary.is_dir() else temporary.unlink(missing_ok=True)
        write(temporary)
        os.replace(temporary, path)
        if mirrored:
            artifacts.store().mirror(path)
    return path


def _tokenizer_and_model(run, config, folder, corpus_ids, reporter):
    contrastive = config["objective"] == "contrastive"
    train_texts = lambda: corpus.texts(corpus_ids, config["seed"], config["eval_share"])  # noqa: E731
    if config["start"] == "scratch":
        reporter.stage(0, "Training the tokenizer")
        path = _write_once(folder / "tokenizer", lambda target: tokenizers.train_from_files(
            train_texts(), config["vocab_size"], folder).save_pretrained(target), mirrored=True)
        tokenizer = AutoTokenizer.from_pretrained(path)
        set_seed(config["seed"])
        model_config = bert_config(len(tokenizer), config["preset"], config["layers"], config["hidden"],
                                   config["heads"], config["max_length"])
        model = BertModel(model_config, add_pooling_layer=False) if contrastive else BertForMaskedLM(model_config)
        return tokenizer, model, None
    base = base_path(run.project, config["base"])
    tokenizer = AutoTokenizer.from_pretrained(base)
    set_seed(config["seed"])
    new_head, unused = False, []
    if contrastive:
        model = AutoModel.from_pretrained(base)
    else:
        model, new_head, unused = load_mlm_base(base)
        if new_head:
            reporter.log("The base has no masked-language-model head (an encoder alone, as sentence-embedding models "
                         "are saved): a new head tied to its word embeddings is trained alone first, and the "
                         "perplexity before training is the base's with that head fitted.")
    added = []
    if config["add_domain_words"]:
        reporter.stage(0, "Finding domain words the base tokenizer splits badly")
        words_file = _write_once(folder / "domain-words.json", lambda target: target.write_text(json.dumps(
            tokenizers.badly_split_words(tokenizer, train_texts(), config["add_domain_words"]))))
        added = json.loads(words_file.read_text())
        if added:
            tokenizer.add_tokens(added)
            model.resize_token_embeddings(len(tokenizer))
    return tokenizer, model, {"base": config["base"], "added_words": len(added), "new_head": new_head,
                              "path": base, "unused": unused}


def _train(run, job, reporter):
    config = run.config
    folder = jobs_service.workdir(job)
    corpus_ids = config["corpora"]
    device, _precision = training_precision()
    devices = config.get("devices", 1)
    distributed.check_devices(devices)
    reporter.log(distributed.describe(devices, config["batch_size"], config["gradient_accumulation"], device))
    tokenizer, model, base = _tokenizer_and_model(run, config, folder, corpus_ids, reporter)

    reporter.stage(0, "Packing the corpus into blocks")
    for name, evaluation in (("train", False), ("eval", True)):
        _write_once(folder / f"{name}.parquet", lambda target, evaluation=evaluation: blocks.write_blocks(
            tokenizer, corpus.texts(corpus_ids, config["seed"], config["eval_share"], evaluation),
            config["max_length"], target))
    if devices > 1:
        for name in ("train", "eval"):  # the datasets cache, made once here rather than by every process at once
            blocks.load_blocks(folder / f"{name}.parquet", folder / "cache")
        metrics = distributed.launch("training.pretraining.run.fit_in_rank", job.pk, reporter, devices, folder)
        distributed.load_trained(model, folder / "trained.safetensors")
    else:
        metrics, model = _fit(config, folder, tokenizer, model, base, reporter)
    attention = metrics.pop("attention")
    version = _save_version(run, job, model, tokenizer, config, metrics, device, base)
    return {**metrics, "attention": attention, "model_version": version.pk}


def fit_in_rank(job_id, reporter):
    """One of several training processes (see `training.distributed`): the model the job prepared, trained; rank 0
    saves it for the job to register and returns the figures."""
    job = Job.objects.get(pk=job_id)
    run = Pretraining.objects.select_related("project").get(pk=job.params["pretraining_id"])
    folder = jobs_service.workdir(job)
    tokenizer, model, base = _tokenizer_and_model(run, run.config, folder, run.config["corpora"], distributed.SILENT)
    metrics, model = _fit(run.config, folder, tokenizer, model, base, reporter)
    if distributed.rank() == 0:
        distributed.save_trained(model, folder / "trained.safetensors")
    return metrics


def _fit(config, folder, tokenizer, model, base, reporter):
    """(figures, the trained model): the packed blocks learnt, measured on the held-out slice before and after."""
    _device, precision = training_precision()
    train = blocks.load_blocks(folder / "train.parquet", folder / "cache")
    held_out = blocks.load_blocks(folder / "eval.parquet", folder / "cache")
    if len(train) == 0:
        raise PretrainingError("The corpora hold too little text for one block; lower max_length or add text.")

    contrastive = config["objective"] == "contrastive"
    attention = attention_implementation(model, reporter)
    args = training_arguments(config, folder / "checkpoints", len(train), precision)
    if contrastive:
        collator = contrastive_collator(tokenizer)
        trainer = ContrastiveTrainer(model=model, args=args, train_dataset=train, data_collator=collator,
                                     temperature=config["temperature"], callbacks=[reporter.as_trainer_callback()])
    else:
        collator = DataCollatorForLanguageModeling(tokenizer, mlm_probability=config["mlm_probability"],
                                                   whole_word_mask=config["whole_word_mask"])
        trainer = Trainer(model=model, args=args, train_dataset=train, data_collator=collator,
                          callbacks=[reporter.as_trainer_callback()])

    before_file = folder / "before.json"

    def measure_before():  # rank 0 alone measures and writes; the others go on to their first step and wait there
        if distributed.rank() == 0:
            before_file.write_text(json.dumps(_evaluate(trainer, held_out, contrastive, tokenizer)
                                              if len(held_out) else {}))

    new_head = bool(base and base["new_head"])
    if new_head:  # "before" is the base with its new head fitted, measured when the body starts training
        head_steps = max(1, round(HEAD_SHARE * total_steps(config, len(train))))
        trainer.add_callback(HeadFirst(model, head_steps, measure_before))
        reporter.log(f"Training the new head alone for its first {head_steps} steps")
    elif not before_file.exists():
        reporter.stage(0, "Measuring the held-out slice before training")
        measure_before()

    train_loss, result, seconds, steps_run = train_resuming(trainer, reporter)
    before = json.loads(before_file.read_text()) if before_file.exists() else {}
    reporter.stage(0.97, "Measuring the held-out slice after training")
    after = _evaluate(trainer, held_out, contrastive, tokenizer) if len(held_out) and distributed.rank() == 0 else {}
    effective_batch = config["batch_size"] * config["gradient_accumulation"]
    metrics = {
        **{f"{name}_before": value for name, value in before.items()},
        **{f"{name}_after": value for name, value in after.items()},
        "train_loss": train_loss, "steps": result.global_step, "train_blocks": len(train),
        "eval_blocks": len(held_out), "devices": config.get("devices", 1), "effective_batch_size": effective_batch,
        "tokens_per_second": round(steps_run * effective_batch * config["max_length"] / max(seconds, 1e-9), 1),
        **({"new_head": 1} if new_head else {}), "attention": attention,
    }
    for name, value in after.items():
        reporter.metric(f"eval_{name}", result.global_step, value)
    return metrics, trainer.model


def _evaluate(trainer, held_out, contrastive, tokenizer):
    """The held-out figures, measured in one process (rank 0) whatever the devices: the same batches and the same
    masks as a run on one device, so that its loss compares with one's."""
    set_seed(trainer.args.seed)  # the same masks before and after training
    if contrastive:
        return embedding_quality(trainer.model, held_out, tokenizer, trainer.args.device)
    model, total, count = trainer.model, 0.0, 0
    model.eval()
    loader = DataLoader(held_out.with_format(columns=["input_ids"]), batch_size=trainer.args.per_device_eval_batch_size,
                        collate_fn=trainer.data_collator)
    with torch.no_grad():
        for batch in loader:
            with trainer.autocast_smart_context_manager():
                loss = model(**{name: value.to(trainer.args.device) for name, value in batch.items()}).loss
            total, count = total + loss.item() * len(batch["input_ids"]), count + len(batch["input_ids"])
    model.train()
    loss = total / count
    return {"loss": loss, "perplexity": math.exp(min(loss, 50))}


def _save_version(run, job, model, tokenizer, config, metrics, device, base):
    def write(path):
        model.save_pretrained(path, safe_serialization=True)
        tokenizer.save_pretrained(path)
        if base:
            keep_base_weights(base["path"], path, model.base_model_prefix, base["unused"])
            keep_base_files(base["path"], path)

    lineage = {
        "corpora": [{"id": item.pk, "name": item.name, "kind": item.kind, "documents": item.document_count,
                     "source_sha256": item.source_sha256} for item in run.corpora.all()],
        "base": base and {key: base[key] for key in ("base", "added_words", "new_head")}, "device": device,
        "job": job.pk, "objective": config["objective"],
    }
    with transaction.atomic():
        try:
            version = create_version(run.project, config["model_name"], RegisteredModel.Kind.ENCODER, write, job=job,
                                     params=config, metrics=metrics, lineage=lineage,
                                     base=config["base"] if base else "", created_by=run.created_by,
                                     needed=sum(parameter.numel() * parameter.element_size()
                                                for parameter in model.parameters()))
        except VersionError as error:
            raise PretrainingError(str(error)) from None
        Pretraining.objects.filter(pk=run.pk).update(output=version)
    return version


