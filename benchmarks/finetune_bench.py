"""Fine-tuning throughput: the studio's finetune job against the same training run bare.

Imports medical abstracts with their condition labels through the API and freezes a snapshot
(70/15/15, seed 42); builds a fresh encoder of the chosen preset with a WordPiece vocabulary
learned on the abstracts and places it in the base models folder; runs a `finetune` job from it
in this process through the real job path (Reporter, curves, a checkpoint and a validation pass
each epoch, early stopping, best model loaded at the end); then fine-tunes the same base on the
same encoded split with the same arguments through a bare `transformers.Trainer` (validation
each epoch too; no callbacks, no checkpoints). Prints training tokens/s of both and the studio's
overhead. Target: overhead ≤ 10%.

    .venv/bin/python benchmarks/finetune_bench.py [--documents 1200] [--preset mini] [--epochs 2] [--length 128]
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _studio import Studio, build_base, read_abstracts  # noqa: E402
from django.conf import settings  # noqa: E402
from transformers import DataCollatorWithPadding, Trainer  # noqa: E402

from labeling.models import DatasetSnapshot, Project  # noqa: E402
from labeling.services import corpora  # noqa: E402
from training.device import training_precision  # noqa: E402
from training.finetuning import data, encoder  # noqa: E402
from training.finetuning.arguments import training_arguments  # noqa: E402


def bare_run(base, config, labels, multi, train, validation):
    """Training tokens/s of a plain Trainer on the same split, base and arguments."""
    _device, precision = training_precision()
    model, tokenizer = encoder.load_base(base, labels, multi, config["seed"])
    train_set = encoder.encode(tokenizer, train, multi, config["max_length"])
    validation_set = encoder.encode(tokenizer, validation, multi, config["max_length"])
    with tempfile.TemporaryDirectory() as scratch:
        args = training_arguments(config, scratch, len(train_set), precision, evaluate=True, checkpoints=False)
        trainer = Trainer(model=model, args=args, train_dataset=train_set, eval_dataset=validation_set,
                          data_collator=DataCollatorWithPadding(tokenizer), compute_metrics=encoder.macro_f1(multi))
        started = time.perf_counter()
        result = trainer.train()
        seconds = time.perf_counter() - started
    return encoder.tokens_per_second(train_set, config["batch_size"], result.global_step, seconds)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=1200)
    parser.add_argument("--preset", default="mini")
    parser.add_argument("--epochs", type=float, default=2)
    parser.add_argument("--length", type=int, default=128)
    parser.add_argument("--batch", type=int, default=16)
    args = parser.parse_args()
    rows = read_abstracts(limit=args.documents)
    studio = Studio("finetune-benchmark")
    project = studio.post("/api/projects/", {"name": "fine-tune benchmark"})["id"]
    try:
        with tempfile.TemporaryDirectory() as models:
            settings.STUDIO_BASE_MODELS_DIR = Path(models)
            build_base(Path(models) / "bench", [row["medical_abstract"] for row in rows], args.preset, args.length)
            _seconds, _snapshot_seconds, snapshot = studio.labeled_snapshot(project, rows, 0.7, 0.15, 0.15)
            run, _seconds, _report, _evaluation_seconds = studio.finetune(
                project, snapshot["id"], base="folder:bench", epochs=args.epochs, max_length=args.length,
                batch_size=args.batch, learning_rate=1e-4, head_learning_rate=1e-4, early_stopping=0)
            studio_rate = run.output.metrics["tokens_per_second"]
            frozen = DatasetSnapshot.objects.get(pk=snapshot["id"])
            labels, multi = data.snapshot_labels(frozen)
            train, validation = (data.read_split(frozen, split, labels, multi) for split in ("train", "validation"))
            bare = bare_run(Path(models) / "bench", run.config, labels, multi, train, validation)
    finally:
        corpora.delete_project_data(Project.objects.get(pk=project))
    print(f"{args.preset}, {len(train.texts)} training abstracts × {args.epochs:g} epochs, batch {args.batch}, "
          f"≤{args.length} tokens, on {run.output.lineage['device']}:")
    print(f"  studio finetune job (Reporter, curves, checkpoint + validation each epoch): {studio_rate:,.0f} tokens/s")
    print(f"  bare transformers.Trainer (validation each epoch):                     {bare:,.0f} tokens/s")
    print(f"  studio overhead: {(bare - studio_rate) / bare:+.1%} (target ≤ 10%)")


if __name__ == "__main__":
    main()
