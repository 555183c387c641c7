"""Pretraining throughput: the studio's pretrain job against the same training run bare.

Default mode (needs the database): builds a corpus of synthetic notes, runs a `pretrain` job in
this process through the real job path (Reporter, metric curves, checkpoints on), then trains
the same model on the same blocks with the same arguments through a bare `transformers.Trainer`
(no callbacks, no checkpoints), and prints tokens/s of both and the studio's overhead.
Target: overhead ≤ 10%.

    .venv/bin/python benchmarks/pretrain_bench.py [--documents 3000] [--preset mini] [--steps 200] [--checkpoint-every 100]
        [--devices 2]

`--bare-presets small,base` needs no database or Django: it trains each preset bare on random
token blocks with the precision the studio picks for the device (bf16 and TF32 on CUDA) and
prints tokens/s and peak GPU memory — the figures to read on a GPU machine.
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402
from torch.utils.data import Dataset  # noqa: E402
from transformers import BertForMaskedLM, DataCollatorForLanguageModeling, Trainer, set_seed  # noqa: E402

from training.device import training_precision  # noqa: E402
from training.pretraining.arguments import training_arguments  # noqa: E402
from training.pretraining.presets import bert_config  # noqa: E402


class RandomBlocks(Dataset):
    """Token blocks drawn from a fixed seed (for throughput only: nothing here is to be learned)."""

    def __init__(self, count, length, vocab, seed=0):
        generator = torch.Generator().manual_seed(seed)
        self.ids = torch.randint(5, vocab, (count, length), generator=generator)

    def __len__(self):
        return len(self.ids)

    def __getitem__(self, index):
        return {"input_ids": self.ids[index].tolist()}


class _Tokenizer:
    """What the MLM collator asks of a tokenizer, for random blocks."""

    def __init__(self, vocab):
        self.vocab = vocab
        self.mask_token = "[MASK]"
        self.mask_token_id, self.pad_token_id = 4, 0

    def __len__(self):
        return self.vocab

    def pad(self, features, return_tensors="pt", **kwargs):
        return {"input_ids": torch.tensor([feature["input_ids"] for feature in features])}

    def get_special_tokens_mask(self, ids, already_has_special_tokens=True):
        return [0] * len(ids)

    def convert_tokens_to_ids(self, token):
        return self.mask_token_id


def bare_run(config, dataset, tokenizer, model, folder, precision):
    """Tokens/s of a plain Trainer run (no callbacks, no checkpoints)."""
    args = training_arguments(config, folder, len(dataset), precision, checkpoints=False)
    collator = DataCollatorForLanguageModeling(tokenizer, mlm_probability=config["mlm_probability"])
    trainer = Trainer(model=model, args=args, train_dataset=dataset, data_collator=collator)
    started = time.perf_counter()
    result = trainer.train()
    seconds = time.perf_counter() - started
    return result.global_step * config["batch_size"] * config["gradient_accumulation"] * config["max_length"] / seconds


def bare_presets(names, steps, length, batch):
    device, precision = training_precision()
    print(f"device: {device}; precision: {', '.join(key for key in ('bf16', 'fp16', 'tf32') if precision.get(key)) or 'fp32'}")
    for name in names:
        config = {"batch_size": batch, "gradient_accumulation": 1, "learning_rate": 1e-4, "warmup_ratio": 0.06,
                  "schedule": "linear", "epochs": 1.0, "max_steps": steps, "checkpoint_every": steps, "seed": 13,
                  "max_length": length, "mlm_probability": 0.15}
        set_seed(13)
        vocab = 30_000
        model = BertForMaskedLM(bert_config(vocab, name, max_length=length))
        dataset = RandomBlocks(steps * batch, length, vocab)
        if torch.cuda.is_available():
            torch.cuda.reset_peak_memory_stats()
        with tempfile.TemporaryDirectory() as folder:
            rate = bare_run(config, dataset, _Tokenizer(vocab), model, folder, precision)
        memory = torch.cuda.max_memory_allocated() / 2**30 if torch.cuda.is_available() else float("nan")
        parameters = sum(parameter.numel() for parameter in model.parameters()) / 1e6
        print(f"  {name:>5} ({parameters:.0f}M parameters), batch {batch}×{length}: {rate:,.0f} tokens/s, "
              f"peak GPU memory {memory:.1f} GiB")


def studio_against_bare(documents, preset, steps, length, batch, checkpoint_every, devices):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studio.settings.local")
    import django

    django.setup()
    import random

    from django.contrib.auth import get_user_model
    from transformers import AutoTokenizer

    from labeling.models import Corpus, Document, Project
    from labeling.services import corpora
    from studio.jobs import execution, service
    from studio.models import Job
    from tests.support.phi_notes import body
    from training.models import Pretraining
    from training.pretraining import blocks
    from training.pretraining.service import start_pretraining

    user, _ = get_user_model().objects.get_or_create(username="pretrain-benchmark")
    project = Project.objects.create(name="pretrain benchmark", created_by=user)
    rng = random.Random(3)
    corpus = Corpus.objects.create(project=project, name="bench notes", status=Corpus.Status.READY,
                                   document_count=documents)
    Document.objects.bulk_create(Document(corpus=corpus, external_id=f"n{i}", text=body(rng, 8), content_hash=str(i),
                                          length=1) for i in range(documents))
    try:
        run = start_pretraining(user, project, {"preset": preset, "max_length": length, "batch_size": batch,
                                                "max_steps": steps, "checkpoint_every": checkpoint_every,
                                                "eval_share": 0.02, "queue": "cpu", "devices": devices})
        execution.execute(run.job_id, "bench@host", {})
        job = Job.objects.get(pk=run.job_id)
        if job.status != Job.Status.SUCCEEDED:
            raise SystemExit(f"pretraining failed: {job.error}")
        run = Pretraining.objects.get(pk=run.pk)
        studio = run.output.metrics["tokens_per_second"]
        folder = service.workdir(job)
        tokenizer = AutoTokenizer.from_pretrained(folder / "tokenizer")
        dataset = blocks.load_blocks(folder / "train.parquet", folder / "cache")
        _device, precision = training_precision()
        set_seed(run.config["seed"])
        model = BertForMaskedLM(bert_config(len(tokenizer), preset, max_length=length))
        with tempfile.TemporaryDirectory() as scratch:
            bare = bare_run({**run.config, "devices": 1}, dataset, tokenizer, model, scratch, precision)
        print(f"{preset}, {steps} steps of {batch}×{length} tokens on {run.output.lineage['device']}:")
        print(f"  studio pretrain job (Reporter, curves, {steps // checkpoint_every} checkpoints"
              + (f", {devices} processes with DDP" if devices > 1 else "") + f"): {studio:,.0f} tokens/s")
        print(f"  bare transformers.Trainer, one process:           {bare:,.0f} tokens/s")
        if devices == 1:
            print(f"  studio overhead: {(bare - studio) / bare:+.1%} (target ≤ 10%)")
        else:
            print(f"  {devices} devices against one bare process: {studio / bare:.2f}×")
    finally:
        corpora.delete_project_data(project)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=3000)
    parser.add_argument("--preset", default="mini")
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--length", type=int, default=128)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--checkpoint-every", type=int, default=100, help="the studio job's checkpoint interval")
    parser.add_argument("--devices", type=int, default=1, help="the studio job's devices (DDP above 1)")
    parser.add_argument("--bare-presets", default="", help="e.g. small,base: bare runs only, no database")
    args = parser.parse_args()
    if args.bare_presets:
        bare_presets(args.bare_presets.split(","), args.steps, args.length, args.batch)
    else:
        studio_against_bare(args.documents, args.preset, args.steps, args.length, args.batch, args.checkpoint_every,
                            args.devices)


if __name__ == "__main__":
    main()
