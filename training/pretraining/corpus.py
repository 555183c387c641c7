"""The pretraining text: the input corpora's documents in id order, and a held-out slice chosen
by a hash of each document's id and the seed (stable across runs and re-deliveries)."""

import hashlib

from labeling.models import Document

BATCH = 2000


def held_out(document_id, seed, share):
    digest = hashlib.blake2b(f"{seed}:{document_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64 < share


def texts(corpus_ids, seed, share, evaluation=False):
    """The training (or, with `evaluation`, the held-out) texts, a document at a time."""
    documents = Document.objects.filter(corpus_id__in=corpus_ids).order_by("id").values_list("id", "text")
    after = 0
    while batch := list(documents.filter(id__gt=after)[:BATCH]):
        for pk, text in batch:
            if held_out(pk, seed, share) == evaluation:
                yield text
        after = batch[-1][0]
