"""The TF-IDF + logistic regression baseline: what scikit-learn gives on the same split, planted
signal learned, and the same scores after saving and loading without pickle."""

import random

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.pipeline import FeatureUnion, make_pipeline

from tests.support.phi_notes import body
from training.finetuning import baseline

LABELS = ["cardiology", "respiratory", "neurology"]
SIGNALS = ["troponin raised and chest pain", "wheeze and reduced air entry", "left arm weakness and aphasia"]


def planted(count, seed):
    rng = random.Random(seed)
    texts, targets = [], []
    for _ in range(count):
        label = rng.randrange(3)
        signal = SIGNALS[label] if rng.random() < 0.85 else SIGNALS[rng.randrange(3)]
        texts.append(f"{body(rng, 3)} {signal}.")
        targets.append(label)
    return texts, np.array(targets)


def test_single_label_baseline_matches_scikit_learn_and_learns_the_signal():
    texts, targets = planted(400, 1)
    test_texts, test_targets = planted(200, 2)
    model = baseline.Baseline.fit(texts, targets, LABELS, multi=False)
    ours = model.scores(test_texts).argmax(axis=1)
    reference = make_pipeline(
        FeatureUnion([("w", TfidfVectorizer(**baseline.WORDS)), ("c", TfidfVectorizer(**baseline.CHARACTERS))]),
        LogisticRegression(C=10.0, max_iter=2000, random_state=13)).fit(texts, targets)
    assert (ours == reference.predict(test_texts)).mean() > 0.99
    assert f1_score(test_targets, ours, average="macro") > 0.75  # chance is 0.33


def test_multi_label_baseline_and_a_reload_without_pickle_give_the_same_scores(tmp_path):
    rng = random.Random(3)
    texts, targets = [], []
    for _ in range(300):
        chosen = [int(rng.random() < 0.4) for _ in SIGNALS]
        texts.append(body(rng, 3) + " " + " ".join(signal for signal, on in zip(SIGNALS, chosen) if on))
        targets.append(chosen)
    model = baseline.Baseline.fit(texts, np.array(targets), LABELS, multi=True)
    model.save(tmp_path / "model")
    assert sorted(path.name for path in (tmp_path / "model").iterdir()) == ["baseline.json", "baseline.safetensors"]
    again = baseline.Baseline.load(tmp_path / "model")
    probe = [body(rng, 2) + " wheeze and reduced air entry", body(rng, 2)]
    assert np.allclose(again.scores(probe), model.scores(probe))
    scores = again.scores(probe)
    assert scores[0, 1] > 0.5 > scores[1, 1]
