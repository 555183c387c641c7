"""A classifier that reads its encoder the way sentence-embedding models are trained to be read: the mean of the
token states (padding left out), then a linear head. Saved as the encoder's own folder (config.json and
model.safetensors, loadable by any Hugging Face tool) plus the head's weights in head.safetensors; classifier.json
says `"pooling": "mean"`.

Which pooling a base is read with by default: a folder saved by sentence-transformers with mean pooling (its
1_Pooling/config.json) is read by its mean; any other by its own [CLS]-based classification head."""

import json
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file
from torch import nn
from transformers import AutoModel
from transformers.modeling_outputs import SequenceClassifierOutput

HEAD_FILE = "head.safetensors"


def default_pooling(folder):
    """"mean" for a sentence-transformers folder that pools by the mean, else "cls"."""
    try:
        pooling = json.loads((Path(folder) / "1_Pooling" / "config.json").read_text())
    except (OSError, ValueError):
        return "cls"
    return "mean" if pooling.get("pooling_mode_mean_tokens") else "cls"


class MeanPooledClassifier(nn.Module):
    base_model_prefix = "encoder"

    def __init__(self, encoder, labels, multi):
        super().__init__()
        self.encoder, self.multi = encoder, multi
        self.config = encoder.config
        self.config.num_labels = len(labels)
        self.dropout = nn.Dropout(getattr(self.config, "hidden_dropout_prob", 0.1))
        self.classifier = nn.Linear(self.config.hidden_size, len(labels))

    def forward(self, input_ids=None, attention_mask=None, token_type_ids=None, labels=None, inputs_embeds=None,
                output_hidden_states=False):
        extra = {"token_type_ids": token_type_ids} if token_type_ids is not None else {}
        states = self.encoder(input_ids=input_ids, attention_mask=attention_mask, inputs_embeds=inputs_embeds,
                              **extra).last_hidden_state
        mask = (attention_mask if attention_mask is not None else
                torch.ones(states.shape[:2], dtype=states.dtype, device=states.device)).unsqueeze(-1)
        pooled = (states * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1)
        logits = self.classifier(self.dropout(pooled))
        loss = None
        if labels is not None:
            loss = (nn.functional.binary_cross_entropy_with_logits(logits.float(), labels.float()) if self.multi
                    else nn.functional.cross_entropy(logits.float(), labels))
        return SequenceClassifierOutput(loss=loss, logits=logits,
                                        hidden_states=(states,) if output_hidden_states else None)

    def save_pretrained(self, folder, **_options):
        self.encoder.save_pretrained(folder, safe_serialization=True)
        save_file({name: tensor.contiguous() for name, tensor in self.classifier.state_dict().items()},
                  Path(folder) / HEAD_FILE, metadata={"format": "pt"})


def from_base(base, labels, multi):
    """A new classifier on the encoder of a base folder (its pretrained weights, a fresh head)."""
    return MeanPooledClassifier(AutoModel.from_pretrained(base, use_safetensors=True, trust_remote_code=False),
                                labels, multi)


def load(folder, labels, multi):
    """A saved mean-pooled classifier."""
    model = from_base(folder, labels, multi)
    model.classifier.load_state_dict(load_file(Path(folder) / HEAD_FILE))
    return model
