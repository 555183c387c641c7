"""Learning rates left to the base: chosen by the base's size from its config, the head's ten times the body's,
and what a manager set is kept."""

import json

import pytest

from training.finetuning import rates

MINILM = {"vocab_size": 30522, "hidden_size": 384, "num_hidden_layers": 6, "intermediate_size": 1536,
          "max_position_embeddings": 512}
BERT_BASE = {"vocab_size": 30522, "hidden_size": 768, "num_hidden_layers": 12, "intermediate_size": 3072,
             "max_position_embeddings": 512}
BERT_LARGE = {"vocab_size": 30522, "hidden_size": 1024, "num_hidden_layers": 24, "intermediate_size": 4096,
              "max_position_embeddings": 512}


def base(tmp_path, model):
    folder = tmp_path / "base"
    folder.mkdir(exist_ok=True)
    (folder / "config.json").write_text(json.dumps(model) if isinstance(model, dict) else model)
    return folder


@pytest.mark.parametrize(("model", "millions", "rate"), [(MINILM, 22.7, 1e-4), (BERT_BASE, 110, 5e-5),
                                                         (BERT_LARGE, 335, 2e-5)])
def test_the_body_s_rate_follows_the_base_s_size(tmp_path, model, millions, rate):
    body, size = rates.for_base(base(tmp_path, model))
    assert body == rate and size / 1e6 == pytest.approx(millions, rel=0.02)  # the published sizes


def test_a_base_whose_config_does_not_say_its_size_gets_the_base_size_rate(tmp_path):
    assert rates.for_base(base(tmp_path, "{not json")) == (5e-5, None)
    assert rates.for_base(base(tmp_path, {"model_type": "bert"})) == (5e-5, None)
    assert rates.for_base(tmp_path / "missing") == (5e-5, None)


def test_only_what_was_left_to_the_base_is_chosen(tmp_path):
    folder = base(tmp_path, MINILM)
    config, said = rates.resolve({"learning_rate": 0.0, "head_learning_rate": 0.0, "epochs": 3}, folder)
    assert config == {"learning_rate": 1e-4, "head_learning_rate": 1e-3, "epochs": 3}
    assert said == "Learning rates left to the base (a base of 22.5M parameters): learning rate 0.0001, " \
                   "head learning rate 0.001"
    config, said = rates.resolve({"learning_rate": 3e-5, "head_learning_rate": 0.0}, folder)
    assert config == {"learning_rate": 3e-5, "head_learning_rate": 3e-4}  # ten times the rate the manager set
    assert rates.resolve({"learning_rate": 3e-5, "head_learning_rate": 1e-3}, folder) == (
        {"learning_rate": 3e-5, "head_learning_rate": 1e-3}, None)
