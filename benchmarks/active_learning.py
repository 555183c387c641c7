"""Active learning on real abstracts: the studio's baseline classifier with notes chosen by its
uncertainty, against notes chosen at random.

Splits `medical_tc_test.csv` (2,888 abstracts, 5 conditions) stratified 80/20 (seed 42): the 80%
is the unlabeled pool, the 20% the test set. Each run starts from the same 50 random notes (10 per
condition), then labels 50 more at a time — the pool notes the current baseline is least sure of
(the measure the prediction job stores for the task queue), or random ones — refitting the
baseline each time. Prints macro F1 on the test set after 100, 200, 400 and 800 labels, averaged
over seeds, for each way of choosing.

    .venv/bin/python benchmarks/active_learning.py [--seeds 3] [--measure least_confidence] [--step 50]
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
from _studio import read_abstracts  # noqa: E402
from sklearn.metrics import f1_score  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402

from labeling.services.predictions import MEASURES, uncertainty  # noqa: E402
from training.finetuning.baseline import Baseline  # noqa: E402

CHECKPOINTS = (100, 200, 400, 800)


def simulate(texts, targets, labels, test_texts, test_targets, seed, strategy, measure, step):
    rng = np.random.default_rng(seed)
    chosen = [int(index) for label in range(len(labels))
              for index in rng.choice(np.nonzero(targets == label)[0], 10, replace=False)]
    curve = {}
    while True:
        model = Baseline.fit([texts[i] for i in chosen], targets[chosen], labels, multi=False, seed=seed)
        if len(chosen) in CHECKPOINTS:
            predicted = model.scores(test_texts).argmax(axis=1)
            curve[len(chosen)] = f1_score(test_targets, predicted, average="macro")
        if len(chosen) >= CHECKPOINTS[-1]:
            return curve
        taken = set(chosen)
        pool = np.array([i for i in range(len(texts)) if i not in taken])
        if strategy == "uncertainty":
            scores = model.scores([texts[i] for i in pool])
            ranked = np.argsort([-uncertainty(dict(zip(labels, row)), measure) for row in scores], kind="stable")
            chosen += [int(pool[i]) for i in ranked[:step]]
        else:
            chosen += [int(i) for i in rng.choice(pool, step, replace=False)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--measure", default="least_confidence", choices=sorted(MEASURES))
    parser.add_argument("--step", type=int, default=50)
    args = parser.parse_args()
    rows = read_abstracts()
    labels = sorted({row["condition_label"] for row in rows})
    all_texts = [row["medical_abstract"] for row in rows]
    all_targets = np.array([labels.index(row["condition_label"]) for row in rows])
    pool_texts, test_texts, pool_targets, test_targets = train_test_split(
        all_texts, all_targets, test_size=0.2, stratify=all_targets, random_state=42)
    print(f"{len(pool_texts):,} pool / {len(test_texts):,} test abstracts, {len(labels)} conditions; "
          f"{args.seeds} seeds, {args.step} labels a round, uncertainty by {args.measure}")
    results = {}
    for strategy in ("random", "uncertainty"):
        started = time.monotonic()
        curves = [simulate(pool_texts, pool_targets, labels, test_texts, test_targets, seed, strategy, args.measure,
                           args.step) for seed in range(args.seeds)]
        results[strategy] = {size: (np.mean([curve[size] for curve in curves]), np.std([curve[size] for curve in curves]))
                             for size in CHECKPOINTS}
        print(f"  {strategy}: {time.monotonic() - started:.0f} s")
    print(f"{'labels':>7} {'random':>15} {'uncertainty':>15} {'ahead by':>9}")
    for size in CHECKPOINTS:
        (random_mean, random_std), (active_mean, active_std) = results["random"][size], results["uncertainty"][size]
        print(f"{size:>7} {random_mean:>8.3f} ±{random_std:.3f} {active_mean:>8.3f} ±{active_std:.3f} "
              f"{active_mean - random_mean:>+9.3f}")


if __name__ == "__main__":
    main()
