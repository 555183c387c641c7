"""The built-in baseline: TF-IDF of word (1–2) and character (2–5, within word bounds) n-grams
and logistic regression — softmax over classes for single-label, one binary model per label
for multi-label. Seconds on a CPU.

Saved without pickle: the two vocabularies and settings as JSON, idf weights and the linear
models' coefficients as safetensors; loading rebuilds the same features and the same scores.
"""

import json

import numpy as np
from safetensors.numpy import load_file, save_file
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

WORDS = {"analyzer": "word", "ngram_range": (1, 2), "min_df": 2, "max_features": 200_000, "sublinear_tf": True,
         "lowercase": True}
CHARACTERS = {"analyzer": "char_wb", "ngram_range": (2, 5), "min_df": 2, "max_features": 200_000, "sublinear_tf": True,
              "lowercase": True}


def _vectorizers():
    return TfidfVectorizer(**WORDS), TfidfVectorizer(**CHARACTERS)


class Baseline:
    def __init__(self, labels, multi, vectorizers, weights, bias):
        self.labels, self.multi = list(labels), multi
        self.vectorizers, self.weights, self.bias = vectorizers, weights, bias

    @classmethod
    def fit(cls, texts, targets, labels, multi, seed=13, class_weight=None, C=10.0, stage=lambda fraction, text: None):
        """`targets`: class indices (single-label) or an (n, k) 0/1 matrix (multi-label); `stage(fraction,
        message)` hears each step (a job's `reporter.stage`)."""
        vectorizers = _vectorizers()
        stage(0.0, f"Counting word n-grams in {len(texts):,} documents")
        words = vectorizers[0].fit_transform(texts)
        stage(0.2, f"Counting character n-grams in {len(texts):,} documents")
        features = sparse.hstack([words, vectorizers[1].fit_transform(texts)]).tocsr()
        targets = np.asarray(targets)
        if multi:
            rows = []
            for column in range(targets.shape[1]):
                stage(0.5 + 0.5 * column / targets.shape[1], f"Fitting label {column + 1} of {targets.shape[1]}: "
                      f"{labels[column]}")
                y = targets[:, column]
                if y.min() == y.max():  # a label never (or always) given: a constant model
                    rows.append((np.zeros(features.shape[1]), 20.0 if y[0] else -20.0))
                    continue
                model = LogisticRegression(C=C, max_iter=2000, class_weight=class_weight, random_state=seed)
                model.fit(features, y)
                rows.append((model.coef_[0], float(model.intercept_[0])))
            weights = np.stack([row[0] for row in rows])
            bias = np.array([row[1] for row in rows])
        else:
            stage(0.5, f"Fitting logistic regression on {features.shape[1]:,} features")
            model = LogisticRegression(C=C, max_iter=2000, class_weight=class_weight, random_state=seed)
            model.fit(features, targets)
            if len(model.classes_) != len(labels):
                raise ValueError("Every label needs at least one training document for the baseline.")
            weights, bias = model.coef_, model.intercept_
        return cls(labels, multi, vectorizers, np.asarray(weights, dtype=np.float64), np.asarray(bias, dtype=np.float64))

    def features(self, texts):
        return sparse.hstack([vectorizer.transform(texts) for vectorizer in self.vectorizers]).tocsr()

    def scores(self, texts):
        logits = self.features(texts) @ self.weights.T + self.bias
        if self.multi:
            return 1 / (1 + np.exp(-logits))
        if self.weights.shape[0] == 1:  # two classes: one binary model
            positive = 1 / (1 + np.exp(-logits[:, 0]))
            return np.stack([1 - positive, positive], axis=1)
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return exp / exp.sum(axis=1, keepdims=True)

    def save(self, folder):
        folder.mkdir(parents=True, exist_ok=True)
        arrays = {"weights": self.weights, "bias": self.bias}
        vocabularies = []
        for index, vectorizer in enumerate(self.vectorizers):
            arrays[f"idf_{index}"] = vectorizer.idf_
            vocabularies.append({term: int(column) for term, column in vectorizer.vocabulary_.items()})
        # safetensors writes the raw buffer: Fortran-ordered arrays (a fitted coef_ may be one) must be copied.
        save_file({name: np.ascontiguousarray(array) for name, array in arrays.items()},
                  str(folder / "baseline.safetensors"))
        (folder / "baseline.json").write_text(json.dumps({
            "kind": "tfidf-logistic-regression", "labels": self.labels, "multi": self.multi,
            "vocabularies": vocabularies,
        }))

    @classmethod
    def load(cls, folder):
        meta = json.loads((folder / "baseline.json").read_text())
        arrays = load_file(str(folder / "baseline.safetensors"))
        vectorizers = _vectorizers()
        for index, vectorizer in enumerate(vectorizers):
            vectorizer.vocabulary_ = meta["vocabularies"][index]
            vectorizer.idf_ = arrays[f"idf_{index}"]
        return cls(meta["labels"], meta["multi"], vectorizers, arrays["weights"], arrays["bias"])
