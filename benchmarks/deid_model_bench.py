"""De-identification by patterns alone versus patterns + a span model, per category, on the suite's synthetic
PHI notes (tests/support/phi_notes.py: every identifier category planted in varied forms, with where). A CRF span
tagger is trained on the planted spans of some notes — what a project's annotated PHI spans give it — and the
cleaning step's de-identifier runs with and without it on other notes, as a cleaning recipe's `deid_model` runs
it. Recall: the share of planted identifiers a replaced span covers; precision: the share of replaced spans that
touch a planted one. The recipe's name list is left empty (the patterns alone then miss names that no title,
label or signature line announces). Prints the table and writes benchmarks/results/deid_model.md.

    .venv/bin/python benchmarks/deid_model_bench.py [--train 300] [--test 600]
"""

import argparse
import os
import platform
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support import phi_notes  # noqa: E402
from tests.support.phi_notes import generate  # noqa: E402
from training.cleaning.deid import CATEGORIES, Deidentifier  # noqa: E402
from training.tagging import crf, tagger_file  # noqa: E402
from training.tagging.loader import load_tagger  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "deid_model.md"
# Names the training notes never hold: the notes draw their names from short lists, which a model learns by heart.
UNSEEN = {"FIRST": ["Gwendolyn", "Oswaldo", "Henrietta", "Benedikt", "Clementine", "Rasmus", "Dorothea", "Kwabena"],
          "LAST": ["Achterberg", "Braithwaite", "Cienfuegos", "Dunleavy", "Eriksdottir", "Fairweather", "Gallagher",
                   "Holmgren"],
          "LISTED": ["Perpetua Kingsolver", "Aurelio Mancuso"]}


def unseen_names(count, seed):
    """Notes like the others whose names come from lists the model did not learn from."""
    saved = {name: getattr(phi_notes, name) for name in UNSEEN}
    try:
        for name, values in UNSEEN.items():
            setattr(phi_notes, name, values)
        return generate(count, seed=seed)
    finally:
        for name, values in saved.items():
            setattr(phi_notes, name, values)


def scores(deidentifier, notes):
    """{category: (recall, precision, planted)} and the seconds per note."""
    planted, covered, found, right = Counter(), Counter(), Counter(), Counter()
    started = time.perf_counter()
    for text, identifiers in notes:
        spans = deidentifier.find(text)
        for category, start, end, _value in identifiers:
            planted[category] += 1
            covered[category] += any(low <= start and end <= high for low, high, _found in spans)
        for start, end, category in spans:
            found[category] += 1
            right[category] += any(low < end and start < high for _category, low, high, _value in identifiers)
    seconds = (time.perf_counter() - started) / len(notes)
    return {category: (covered[category] / planted[category], right[category] / max(found[category], 1),
                       planted[category]) for category in CATEGORIES}, seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=int, default=300, help="Notes the span model learns from.")
    parser.add_argument("--test", type=int, default=600, help="Notes scored (the suite's recall test reads 600).")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    train, test = generate(args.train, seed=5), generate(args.test, seed=11)
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        crf.train([text for text, _planted in train],
                  [[(start, end, category) for category, start, end, _value in planted] for _text, planted in train],
                  list(CATEGORIES), Path(folder), c1=0.05, c2=0.05, iterations=150)
        tagger_file.write_settings(Path(folder), "crf", list(CATEGORIES))
        trained = time.perf_counter() - started
        model = load_tagger(Path(folder))
        alone, alone_seconds = scores(Deidentifier(), test)
        both, both_seconds = scores(Deidentifier(model=model), test)
        fresh = unseen_names(args.test, seed=11)
        alone_fresh, both_fresh = scores(Deidentifier(), fresh)[0], scores(Deidentifier(model=model), fresh)[0]
    rows = ["| category | planted | recall, patterns | recall, patterns + model | precision, patterns | "
            "precision, patterns + model |", "|---|---|---|---|---|---|"]
    for category in CATEGORIES:
        rows.append(f"| {category} | {alone[category][2]:,} | {alone[category][0]:.3f} | {both[category][0]:.3f} | "
                    f"{alone[category][1]:.3f} | {both[category][1]:.3f} |")
    rows.append(f"| NAME, names the model never saw | {alone_fresh['NAME'][2]:,} | {alone_fresh['NAME'][0]:.3f} | "
                f"{both_fresh['NAME'][0]:.3f} | {alone_fresh['NAME'][1]:.3f} | {both_fresh['NAME'][1]:.3f} |")
    machine = f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPU cores"
    text = "\n".join([
        "# De-identification: patterns alone versus patterns + a span model", "",
        f"Machine: {machine}. A CRF span tagger trained on the planted identifiers of {args.train} synthetic notes "
        f"({trained:.0f} s), scored on {args.test} others (the suite's recall test notes); no name list in the "
        "recipe. The notes draw names from short lists, so the model has seen the test notes' names: the last "
        "row scores the same notes with names from other lists.", "", *rows, "",
        f"Time per note: patterns {alone_seconds * 1000:.1f} ms, patterns + model {both_seconds * 1000:.1f} ms.", ""])
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)


if __name__ == "__main__":
    main()
