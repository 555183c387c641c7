"""An encoder's explanation: integrated gradients of the label's logit with respect to the token embeddings, from
an all-padding note to this one (`steps` points on the straight path, the gradients averaged, times the
difference of the embeddings), summed over each token's embedding and then over the tokens of each word. The
weights of a note's tokens add up to its logit less the all-padding note's, up to the path's discretisation."""

import torch

from .words import gather

STEPS = 32
CHUNK = 16  # path points a forward pass holds


def _embeddings(model):
    body = model if hasattr(model, "get_input_embeddings") else getattr(model, model.base_model_prefix)
    return body.get_input_embeddings()


def explain(model, tokenizer, text, label, max_length, steps=STEPS):
    """[{"start", "end", "weight"}] of the words of `text` towards label index `label` (special tokens such as
    [CLS] keep their embedding on the whole path, so they carry no weight)."""
    device = next(model.parameters()).device
    model.eval()
    encoded = tokenizer(text, truncation=True, max_length=max_length, return_offsets_mapping=True,
                        return_tensors="pt")
    offsets = encoded.pop("offset_mapping")[0].tolist()
    encoded = encoded.to(device)
    ids = encoded["input_ids"]
    special = torch.tensor(tokenizer.get_special_tokens_mask(ids[0].tolist(), already_has_special_tokens=True),
                           dtype=torch.bool, device=device)
    embed = _embeddings(model)
    with torch.no_grad():
        actual = embed(ids)[0]
        pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
        reference = torch.where(special[:, None], actual, embed(torch.full_like(ids, pad))[0])
    extra = {name: value for name, value in encoded.items() if name != "input_ids"}
    total = torch.zeros_like(actual)
    alphas = (torch.arange(steps, device=device, dtype=actual.dtype) + 0.5) / steps  # midpoints of the path
    for start in range(0, steps, CHUNK):
        part = alphas[start:start + CHUNK]
        points = (reference + part[:, None, None] * (actual - reference)).requires_grad_(True)
        repeated = {name: value.expand(len(part), -1) for name, value in extra.items()}
        logits = model(inputs_embeds=points, **repeated).logits
        gradient, = torch.autograd.grad(logits[:, label].sum(), points)
        total += gradient.sum(dim=0)
    weights = ((actual - reference) * total / steps).sum(dim=-1)
    weights = weights.masked_fill(special, 0.0).tolist()
    return gather(text, [(start, end, weight) for (start, end), weight in zip(offsets, weights)])
