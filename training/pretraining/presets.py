"""A BERT configuration for a preset size (see config.PRESETS), to train from scratch."""

from transformers import BertConfig

from .config import PRESETS


def bert_config(vocab_size, preset="tiny", layers=None, hidden=None, heads=None, max_length=512):
    """A BertConfig for the preset, any of its sizes overridden; the feed-forward width is 4× hidden."""
    default_layers, default_hidden, default_heads = PRESETS[preset]
    layers, hidden, heads = layers or default_layers, hidden or default_hidden, heads or default_heads
    if hidden % heads:
        raise ValueError(f"hidden size {hidden} must be a multiple of the attention heads ({heads}).")
    return BertConfig(vocab_size=vocab_size, hidden_size=hidden, num_hidden_layers=layers, num_attention_heads=heads,
                      intermediate_size=4 * hidden, max_position_embeddings=max(max_length, 128))
