"""The learning rates a fine-tune takes when its settings leave them to the base (0), chosen by the base's size:
small encoders take larger steps than base-size ones, and the classification head, new and random, learns ten
times faster than the pretrained body it sits on. Read from the base's config.json alone (no weights loaded)."""

import json
from pathlib import Path

# (parameters up to, body learning rate): a MiniLM or a studio preset, a BERT-base-size encoder, larger.
BY_SIZE = ((50_000_000, 1e-4), (200_000_000, 5e-5), (None, 2e-5))
HEAD_FACTOR = 10


def parameters(model):
    """The encoder's parameter count estimated from its config: token and position embeddings, and per layer
    the attention's four projections and the feed-forward block's two."""
    hidden = model["hidden_size"]
    inner = model.get("intermediate_size") or 4 * hidden
    embeddings = (model.get("vocab_size", 0) + model.get("max_position_embeddings", 0)) * hidden
    return embeddings + model["num_hidden_layers"] * (4 * hidden * hidden + 2 * hidden * inner)


def for_base(folder):
    """(body learning rate, the base's estimated parameters or None when its config does not say; then the
    rate of a base-size encoder)."""
    try:
        size = parameters(json.loads((Path(folder) / "config.json").read_text()))
    except (OSError, ValueError, KeyError, TypeError):
        return BY_SIZE[1][1], None
    return next(rate for limit, rate in BY_SIZE if limit is None or size <= limit), size


def resolve(config, folder):
    """`config` with learning_rate and head_learning_rate set where they were left to the base (0), and a
    sentence saying what was chosen (None when nothing was)."""
    body, size = for_base(folder)
    chosen = {}
    if not config.get("learning_rate"):
        chosen["learning_rate"] = body
    if not config.get("head_learning_rate"):
        body_rate = chosen.get("learning_rate", config["learning_rate"])
        chosen["head_learning_rate"] = float(f"{HEAD_FACTOR * body_rate:.3g}")
    if not chosen:
        return config, None
    of = f"a base of {size / 1e6:,.1f}M parameters" if size else "a base whose size its config does not say"
    said = ", ".join(f"{name.replace('_', ' ')} {value:g}" for name, value in chosen.items())
    return {**config, **chosen}, f"Learning rates left to the base ({of}): {said}"
