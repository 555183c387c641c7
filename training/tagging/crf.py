"""The span baseline: a linear-chain CRF (CRFsuite, through python-crfsuite) on word features, trained in
seconds on a CPU. Notes are split into words and punctuation; each word's features are its form, shape,
affixes and its neighbours'; tags are BIO over the project's span labels. The model is CRFsuite's own file
(no pickle); predictions are spans with character offsets, each scored by its words' marginal probabilities."""

import numpy as np
import pycrfsuite

from labeling.services.bio import align, tag_names

from .tags import decode, words

MODEL_FILE = "crf.crfsuite"


def _shape(word):
    shape = "".join("X" if char.isupper() else "x" if char.islower() else "d" if char.isdigit() else char
                    for char in word)
    return "".join(char for index, char in enumerate(shape) if index == 0 or char != shape[index - 1])


def _word_features(word):
    lower = word.lower()
    return {"w": lower, "p3": lower[:3], "s2": lower[-2:], "s3": lower[-3:], "s4": lower[-4:],
            "shape": _shape(word), "title": word.istitle(), "upper": word.isupper(), "digit": word.isdigit()}


def features(text, offsets):
    """CRFsuite features per word: its own and, prefixed by position, its neighbours' (two each side)."""
    forms = [_word_features(text[start:end]) for start, end in offsets]
    rows = []
    for index in range(len(forms)):
        row = {"bias": 1.0, **{f"0:{key}": value for key, value in forms[index].items()}}
        for step in (-2, -1, 1, 2):
            if 0 <= index + step < len(forms):
                row.update({f"{step}:{key}": forms[index + step][key] for key in ("w", "s3", "shape", "title")})
            else:
                row[f"{step}:edge"] = True
        rows.append({key: (str(value) if not isinstance(value, (bool, float)) else value)
                     for key, value in row.items()})
    return rows


def train(texts, spans, labels, folder, c1=0.05, c2=0.05, iterations=150):
    """Fit on notes and their spans; the model lands in `folder`."""
    names = tag_names(labels)
    trainer = pycrfsuite.Trainer(verbose=False)
    for text, marked in zip(texts, spans):
        offsets = words(text)
        if offsets:
            trainer.append(features(text, offsets), [names[tag] for tag in align(offsets, marked, labels)])
    trainer.set_params({"c1": c1, "c2": c2, "max_iterations": iterations, "feature.possible_transitions": True})
    folder.mkdir(parents=True, exist_ok=True)
    trainer.train(str(folder / MODEL_FILE))


class Tagger:
    def __init__(self, folder, labels):
        self.labels, self.names = labels, tag_names(labels)
        self.tagger = pycrfsuite.Tagger()
        self.tagger.open(str(folder / MODEL_FILE))
        known = set(self.tagger.labels())
        self.columns = [name for name in self.names if name in known]

    def predict_many(self, texts):
        return [self.predict(text) for text in texts]

    def predict(self, text):
        """[(start, end, label, score)] found in `text`: the best tag path, each span scored by the mean
        marginal probability of its words' tags."""
        offsets = words(text)
        if not offsets:
            return []
        self.tagger.set(features(text, offsets))
        rows = np.zeros((len(offsets), len(self.names)))
        for column, name in enumerate(self.names):
            if name in self.columns:
                rows[:, column] = [self.tagger.marginal(name, position) for position in range(len(offsets))]
        best = [self.names.index(name) for name in self.tagger.tag()]
        return decode(list(zip(offsets, rows)), self.labels, best)
