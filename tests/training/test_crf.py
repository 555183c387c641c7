"""The CRF span baseline learns disease mentions from a few notes in seconds and scores what it finds."""

import random

from training.evaluation.span_metrics import figures
from training.tagging import crf

DISEASES = ["renal failure", "breast cancer", "sickle cell anemia", "asthma", "type 2 diabetes"]
FILLER = ["the patient", "was seen", "for follow up", "with", "after surgery", "and", "today", "history of"]


def note(rng):
    text, spans = "", []
    for _ in range(rng.randint(3, 8)):
        if rng.random() < 0.4:
            disease = rng.choice(DISEASES)
            spans.append((len(text), len(text) + len(disease), "Disease"))
            text += disease
        else:
            text += rng.choice(FILLER)
        text += " "
    return text.strip(), spans


def test_the_crf_learns_mentions_and_scores_them(tmp_path):
    rng = random.Random(5)
    train = [note(rng) for _ in range(120)]
    test = [note(rng) for _ in range(40)]
    crf.train([text for text, _ in train], [spans for _, spans in train], ["Disease"], tmp_path / "crf")
    tagger = crf.Tagger(tmp_path / "crf", ["Disease"])
    found = [tagger.predict(text) for text, _ in test]
    assert all(0 < span[3] <= 1 for spans in found for span in spans)
    scored = figures([spans for _, spans in test], [[span[:3] for span in spans] for spans in found], ["Disease"])
    assert scored["exact"]["f1"] > 0.95, scored["exact"]
    assert tagger.predict("") == [] and tagger.predict("nothing here at all") == []
