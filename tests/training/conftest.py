"""Fixtures of the training tests."""

import pytest
import torch

from tests.support.classifiers import build_tiny_base


@pytest.fixture
def tiny(settings, tmp_path):
    """A tiny encoder folder under the base models folder ("folder:tiny"), its random weights the same each run."""
    settings.STUDIO_BASE_MODELS_DIR = tmp_path / "base-models"
    torch.manual_seed(1)
    build_tiny_base(settings.STUDIO_BASE_MODELS_DIR / "tiny")
    return settings.STUDIO_BASE_MODELS_DIR / "tiny"
