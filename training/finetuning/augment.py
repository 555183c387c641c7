"""Augmentation of a training split: extra copies of some documents with random words masked and
words swapped for their domain synonyms (a user-supplied list)."""

import random
import re

_WORD = re.compile(r"\w+|\W+")


def parse_synonyms(lines):
    """{word: [synonyms]} from lines like "MI = myocardial infarction, heart attack" (both ways)."""
    groups = {}
    for line in lines:
        head, _, rest = line.partition("=")
        words = [word.strip().lower() for word in [head, *rest.split(",")] if word.strip()]
        for word in words:
            groups.setdefault(word, set()).update(other for other in words if other != word)
    return {word: sorted(others) for word, others in groups.items() if others}


def augment(texts, targets, ratio, synonyms, mask_token, seed, mask_share=0.1):
    """(texts, targets) with round(ratio × n) augmented copies appended: in each copy a share of
    the words is replaced by `mask_token` and words with synonyms are swapped for one."""
    if not ratio or not texts:
        return list(texts), list(targets), 0
    rng = random.Random(seed)
    chosen = rng.sample(range(len(texts)), min(len(texts), round(ratio * len(texts))))
    extra_texts, extra_targets = [], []
    for index in chosen:
        pieces = []
        for piece in _WORD.findall(texts[index]):
            if piece[0].isalnum() or piece[0] == "_":
                lower = piece.lower()
                if lower in synonyms and rng.random() < 0.5:
                    piece = rng.choice(synonyms[lower])
                elif rng.random() < mask_share:
                    piece = mask_token
            pieces.append(piece)
        extra_texts.append("".join(pieces))
        extra_targets.append(targets[index])
    return list(texts) + extra_texts, list(targets) + extra_targets, len(chosen)
