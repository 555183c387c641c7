"""Fixtures of the training tests."""

import random

import pytest
import torch

from labeling.models import Document
from tests.labeling.test_tasks import make_corpus
from tests.support.classifiers import build_tiny_base
from tests.support.phi_notes import body, generate, near_copy


@pytest.fixture
def tiny(settings, tmp_path):
    """A tiny encoder folder under the base models folder ("folder:tiny"), its random weights the same each run."""
    settings.STUDIO_BASE_MODELS_DIR = tmp_path / "base-models"
    torch.manual_seed(1)
    build_tiny_base(settings.STUDIO_BASE_MODELS_DIR / "tiny")
    return settings.STUDIO_BASE_MODELS_DIR / "tiny"


@pytest.fixture
def raw_corpus(project):
    """20 notes: 2 exact repeats, 1 near-copy, 1 too short, a repeated footer, identifiers in all."""
    corpus = make_corpus(project, 0)
    rng = random.Random(3)
    texts = []
    for index, (text, _planted) in enumerate(generate(16, seed=9)):
        texts.append(f"<b>Clinic note</b>\n{text}\n{body(rng, 6)}\nCONFIDENTIAL - Printed copy, do not file")
    texts += [texts[0], texts[1], near_copy(texts[2], rng, 2), "ok"]
    Document.objects.bulk_create(Document(corpus=corpus, external_id=f"n{i}", text=text, content_hash=str(i),
                                          length=len(text), meta={"ward": "A"}) for i, text in enumerate(texts))
    corpus.document_count = len(texts)
    corpus.save()
    return corpus
