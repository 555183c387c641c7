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
    [CLS] keep their embedding on the whole path, so they carry no weight). A classifier that reads long notes in
    windows is explained over all its windows at once (a word in two windows adds its weights from both)."""
    device = next(model.parameters()).device
    model.eval()
    reading = getattr(model, "reading", None)
    if reading:
        from ..finetuning.windows import split

        windows, _ = split(tokenizer, [text], max_length, reading, offsets=True)
        offsets = windows.pop("offset_mapping")
        encoded = tokenizer.pad(windows, return_tensors="pt")
    else:
        encoded = tokenizer(text, truncation=True, max_length=max_length, return_offsets_mapping=True,
                            return_tensors="pt")
        offsets = encoded.pop("offset_mapping").tolist()
    encoded = encoded.to(device)
    ids = encoded["input_ids"]  # (windows, tokens)
    special = torch.tensor([tokenizer.get_special_tokens_mask(row, already_has_special_tokens=True)
                            for row in ids.tolist()], dtype=torch.bool, device=device)  # padding counts as special
    embed = _embeddings(model)
    with torch.no_grad():
        actual = embed(ids)
        pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
        reference = torch.where(special[..., None], actual, embed(torch.full_like(ids, pad)))
    extra = {name: value for name, value in encoded.items() if name != "input_ids"}
    count = len(ids)
    total = torch.zeros_like(actual)
    alphas = (torch.arange(steps, device=device, dtype=actual.dtype) + 0.5) / steps  # midpoints of the path
    per_pass = max(1, CHUNK // count)
    for start in range(0, steps, per_pass):
        part = alphas[start:start + per_pass]
        points = (reference[None] + part[:, None, None, None] * (actual - reference)[None])
        points = points.reshape(-1, *actual.shape[1:]).requires_grad_(True)
        repeated = {name: value.repeat(len(part), 1) for name, value in extra.items()}
        if reading:  # each path point's windows are one note
            repeated["note"] = torch.arange(len(part), device=device).repeat_interleave(count)
        logits = model(inputs_embeds=points, **repeated).logits
        gradient, = torch.autograd.grad(logits[:, label].sum(), points)
        total += gradient.reshape(len(part), *actual.shape).sum(dim=0)
    weights = ((actual - reference) * total / steps).sum(dim=-1).masked_fill(special, 0.0).tolist()
    return gather(text, [(start, end, weight) for window, row in zip(offsets, weights)
                         for (start, end), weight in zip(window, row)])
