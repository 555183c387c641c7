"""The contrastive objective (unsupervised SimCSE): each text passes through the encoder twice,
dropout making two views of it; mean-pooled embeddings are pulled together and pushed away from
the batch's other texts by InfoNCE with temperature τ."""

import torch
import torch.nn.functional as F
from transformers import Trainer


def mean_pool(hidden, mask):
    mask = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)


def embed(model, batch):
    return mean_pool(model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).last_hidden_state,
                     batch["attention_mask"])


def info_nce(first, second, temperature):
    first, second = F.normalize(first.float(), dim=-1), F.normalize(second.float(), dim=-1)
    similarity = first @ second.T / temperature
    return F.cross_entropy(similarity, torch.arange(len(first), device=first.device))


def contrastive_collator(tokenizer):
    def collate(features):
        return tokenizer.pad([{"input_ids": feature["input_ids"]} for feature in features], return_tensors="pt")
    return collate


class ContrastiveTrainer(Trainer):
    def __init__(self, *args, temperature=0.05, **kwargs):
        super().__init__(*args, **kwargs)
        self.temperature = temperature

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        loss = info_nce(embed(model, inputs), embed(model, inputs), self.temperature)
        return (loss, None) if return_outputs else loss


@torch.no_grad()
def embedding_quality(model, dataset, tokenizer, device, limit=512, batch_size=32, temperature=0.05):
    """Held-out InfoNCE loss, alignment (mean squared distance of two dropout views of a text) and
    uniformity (log mean Gaussian potential between texts), lower is better for all three."""
    collate = contrastive_collator(tokenizer)
    was_training = model.training
    model.train()  # dropout on: it makes the two views
    losses, alignment, first_views = [], [], []
    for start in range(0, min(limit, len(dataset)), batch_size):
        batch = {key: value.to(device) for key, value in
                 collate([dataset[index] for index in range(start, min(start + batch_size, limit, len(dataset)))]).items()}
        first, second = embed(model, batch), embed(model, batch)
        if len(first) > 1:
            losses.append(info_nce(first, second, temperature).item())
        first, second = F.normalize(first.float(), dim=-1), F.normalize(second.float(), dim=-1)
        alignment.append((first - second).norm(dim=1).pow(2).mean().item())
        first_views.append(first)
    model.train(was_training)
    views = torch.cat(first_views)
    uniformity = torch.pdist(views).pow(2).mul(-2).exp().mean().log().item() if len(views) > 1 else 0.0
    mean = lambda values: sum(values) / len(values) if values else 0.0  # noqa: E731
    return {"loss": mean(losses), "alignment": mean(alignment), "uniformity": uniformity}
