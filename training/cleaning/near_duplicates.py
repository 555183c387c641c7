"""Near-duplicate detection: MinHash signatures of word shingles, banded locality-sensitive
hashing to find candidates (banding tuned to miss few pairs above the threshold), and the exact
Jaccard similarity of the two shingle sets to confirm them, so a merge never rests on an
estimate. Each confirmed note joins the cluster of the earliest note it resembles: a big bucket
costs one comparison per member, not one per pair."""

import hashlib
import math

import numpy as np

MERSENNE = np.uint64((1 << 61) - 1)


def lsh_bands(num_perm, threshold, miss_weight=0.99):
    """(bands, rows) for num_perm permutations that best separate similarities above and below
    the threshold: the areas of the S-curve that miss pairs above it (weighted `miss_weight`) and
    that bring in pairs below it (the rest; those only cost an exact check)."""
    def probability(similarity, bands, rows):
        return 1 - (1 - similarity ** rows) ** bands

    grid = np.linspace(0, 1, 201)
    best, best_error = (1, num_perm), math.inf
    for bands in range(1, num_perm + 1):
        rows = num_perm // bands
        if rows == 0:
            break
        below, above = grid[grid < threshold], grid[grid >= threshold]
        error = ((1 - miss_weight) * np.trapezoid(probability(below, bands, rows), below)
                 + miss_weight * np.trapezoid(1 - probability(above, bands, rows), above))
        if error < best_error:
            best, best_error = (bands, rows), error
    return best


class MinHasher:
    def __init__(self, num_perm=128, shingle_size=5, seed=13):
        rng = np.random.default_rng(seed)
        self.num_perm = num_perm
        self.shingle_size = shingle_size
        self.a = rng.integers(1, (1 << 61) - 1, size=num_perm, dtype=np.uint64)
        self.b = rng.integers(0, (1 << 61) - 1, size=num_perm, dtype=np.uint64)
        self._vocabulary = {}

    def _word_ids(self, words):
        vocabulary = self._vocabulary
        ids = []
        for word in words:
            value = vocabulary.get(word)
            if value is None:  # the word's own hash, not its order of arrival: shards of a corpus agree on it
                value = vocabulary[word] = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest())
            ids.append(value)
        return np.array(ids, dtype=np.uint64)

    def shingles(self, words):
        """Hashes of the text's word k-grams (the whole text is one shingle when shorter than k)."""
        ids = self._word_ids(words)
        k = min(self.shingle_size, len(ids))
        if k == 0:
            return np.zeros(1, dtype=np.uint64)
        count = len(ids) - k + 1
        hashed = np.zeros(count, dtype=np.uint64)
        with np.errstate(over="ignore"):
            for offset in range(k):
                hashed = hashed * np.uint64(1_000_003) + ids[offset:offset + count]
        return np.unique(hashed)

    def signature(self, words):
        """The MinHash signature (num_perm values) of the text's shingles."""
        shingles = self.shingles(words) % MERSENNE
        with np.errstate(over="ignore"):
            values = (np.outer(shingles, self.a) + self.b) % MERSENNE
        return values.min(axis=0).astype(np.uint32, copy=False) if len(shingles) else np.zeros(self.num_perm, np.uint32)


def jaccard(first, second):
    """Exact Jaccard similarity of two sorted arrays of distinct shingle hashes."""
    shared = len(np.intersect1d(first, second, assume_unique=True))
    return shared / (len(first) + len(second) - shared)


def clusters(ids, signatures, shingles, threshold, bands, rows):
    """{member id: representative id} for the notes with a near-copy earlier in `ids` (in order);
    `signatures` is a (len(ids), num_perm) array and `shingles` a list of shingle arrays, in the
    same order."""
    parent = list(range(len(ids)))

    def root(index):
        while parent[index] != index:
            parent[index] = parent[parent[index]]
            index = parent[index]
        return index

    for band in range(bands):
        block = np.ascontiguousarray(signatures[:, band * rows:(band + 1) * rows])
        first_seen = {}
        for index, key in enumerate(hashlib.blake2b(row.tobytes(), digest_size=8).digest() for row in block):
            earlier = first_seen.setdefault(key, index)
            if earlier == index:
                continue
            a, b = root(earlier), root(index)
            if a == b:
                continue
            if jaccard(shingles[earlier], shingles[index]) >= threshold:
                parent[max(a, b)] = min(a, b)
    return {ids[index]: ids[root(index)] for index in range(len(ids)) if root(index) != index}
