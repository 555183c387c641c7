"""Registering a base model folder: from a folder or an installed package, safetensors only, fingerprinted, and
then a base pretraining and fine-tuning accept."""

import json
import sys

import pytest
import torch
from django.core.management import CommandError, call_command
from transformers import BertConfig, BertModel

from training.pretraining import config as configs
from training.registry.base_folders import BaseFolderError, register
from training.registry.versions import artifact_sha256


def model_folder(folder):
    folder.mkdir(parents=True)
    BertModel(BertConfig(vocab_size=50, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                         intermediate_size=32, max_position_embeddings=64)).save_pretrained(folder)
    (folder / "vocab.txt").write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + list("abcdef")))
    return folder


@pytest.fixture
def bases(settings, tmp_path):
    settings.STUDIO_BASE_MODELS_DIR = tmp_path / "base-models"
    return settings.STUDIO_BASE_MODELS_DIR


def test_a_folder_is_copied_without_its_pickles_and_fingerprinted(bases, tmp_path):
    source = model_folder(tmp_path / "general")
    torch.save({"weights": torch.zeros(2)}, source / "pytorch_model.bin")
    registered = register(str(source))
    target = bases / "general"
    assert registered["name"] == "general" and registered["skipped"] == ["pytorch_model.bin"]
    assert not (target / "pytorch_model.bin").exists() and (target / "model.safetensors").is_file()
    fingerprint = json.loads((target / "base.json").read_text())
    assert fingerprint["sha256"] == registered["sha256"] and len(fingerprint["sha256"]) == 64
    (target / "base.json").unlink()
    assert artifact_sha256(target) == fingerprint["sha256"]  # over exactly the files copied
    assert set(fingerprint["files"]) == {"config.json", "model.safetensors", "vocab.txt"}
    assert configs.base_folders() == ["general"]
    with pytest.raises(BaseFolderError, match="registered already"):
        register(str(source))


def test_pickled_or_false_weights_are_refused(bases, tmp_path):
    pickled = tmp_path / "pickled"
    pickled.mkdir()
    (pickled / "config.json").write_text("{}")
    torch.save({"weights": torch.zeros(2)}, pickled / "pytorch_model.bin")
    with pytest.raises(BaseFolderError, match=r"no safetensors weights \(only pickled ones: pytorch_model.bin"):
        register(str(pickled))
    forged = model_folder(tmp_path / "forged")
    (forged / "model.safetensors").write_bytes(b"\x80\x04not a safetensors file")
    with pytest.raises(BaseFolderError, match="is not a safetensors file"):
        register(str(forged))
    with pytest.raises(BaseFolderError, match="has no config.json"):
        register(str(tmp_path))
    assert not bases.exists() or configs.base_folders() == []


def test_an_installed_package_s_model_files_through_the_command(bases, tmp_path, monkeypatch, capsys):
    package = tmp_path / "site" / "ward_encoder_pkg"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    model_folder(package / "model")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    call_command("register_base", "package:ward_encoder_pkg")
    assert "Registered folder:ward-encoder-pkg" in capsys.readouterr().out
    assert configs.base_folders() == ["ward-encoder-pkg"]
    with pytest.raises(CommandError, match="No installed package 'no_such_models'"):
        call_command("register_base", "package:no_such_models")
    with pytest.raises(CommandError, match="not a usable name"):
        call_command("register_base", str(package / "model"), "--name", "../escape")
    sys.modules.pop("ward_encoder_pkg", None)
