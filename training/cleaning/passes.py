"""The cleaning passes, each over one shard of the source notes (an id range), and the merges that join the
shards' results in id order, so that any number of shards gives the result one shard gives, byte for byte.

1. `lines` (with boilerplate removal): how many notes each normalised line appears in;
   merged into the boilerplate lines (`boilerplate.npy`);
2. `scan`: normalise, drop repeated lines, filter by length, hash (exact repeats) and MinHash (near-copies);
   merged into the kept notes (`kept.npy`): the first of each exact repeat and of each near-copy cluster;
3. `write`: normalise and de-identify the kept notes, written as JSON lines for the run to store in order.

A shard's results are files under the run's key in the artifacts, published whole or not at all, so that any worker
can read what another wrote.
Every seed is the recipe's: the same recipe on the same corpus gives the same files.
"""

import hashlib
import json
import logging
import time
from collections import Counter, defaultdict

import numpy as np

from labeling.models import Document
from studio import artifacts

from ..models import ModelVersion
from . import text as steps
from .deid import Deidentifier
from .near_duplicates import MinHasher, clusters, lsh_bands

BATCH = 2000
SAMPLES = 12
SAMPLE_CHARS = 4000
BOILERPLATE_SHOWN = 50
NORMALISERS = (("unicode", "normalize_unicode", steps.normalize_unicode),
               ("markup", "strip_markup", steps.strip_markup),
               ("whitespace", "normalize_whitespace", steps.normalize_whitespace))
CHANGES = ("unicode", "markup", "whitespace", "boilerplate", "deidentify")  # bit i of a note's changes: CHANGES[i]
REASONS = ("", "too_short", "too_long")  # a note's length verdict, by code
logger = logging.getLogger("jobs.cleaning")


def shard_file(run, shard, suffix):
    """The key of one of a shard's result files in the artifacts."""
    return f"{run.folder}/{shard.phase}-{shard.index:05d}.{suffix}"


def run_file(run, name):
    return f"{run.folder}/{name}"


def fetched(key):
    """A local copy of a result file, wherever the shard that wrote it ran."""
    return artifacts.store().fetch(key)


class Clock:
    """Seconds spent per step, for the report's documents-per-second figures."""

    def __init__(self, seconds=None):
        self.seconds = defaultdict(float, seconds or {})

    def run(self, step, function, *args):
        started = time.perf_counter()
        result = function(*args)
        self.seconds[step] += time.perf_counter() - started
        return result


def normalise(text, recipe, clock=None, changed=None):
    for step, setting, function in NORMALISERS:
        if recipe[setting]:
            new = clock.run(step, function, text) if clock else function(text)
            if new != text and changed is not None:
                changed.append(step)
            text = new
    return text


def documents(run, shard, *fields):
    """The shard's source notes in id order, a batch at a time: [(id, *fields)]."""
    rows = Document.objects.filter(corpus_id=run.source_id, id__gte=shard.first_id, id__lte=shard.last_id).order_by(
        "id").values_list("id", *fields)
    after = shard.first_id - 1
    while batch := list(rows.filter(id__gt=after)[:BATCH]):
        yield batch
        after = batch[-1][0]


def _save(key, write):
    """Write a result file aside, then publish it: a reader never sees half of one."""
    with artifacts.staged(key) as path:
        with open(path, "wb") as handle:
            write(handle)
        artifacts.store().publish(path, key)


def _save_json(key, value):
    _save(key, lambda handle: handle.write(json.dumps(value, sort_keys=True).encode()))


def _keys_array(keys):
    return np.frombuffer(b"".join(keys), dtype=">u8").astype(np.uint64) if keys else np.zeros(0, np.uint64)


def boilerplate(run):
    """The run's repeated lines (their 8-byte keys); empty without boilerplate removal."""
    if not run.steps["remove_boilerplate"]:
        return set()
    values = np.load(fetched(run_file(run, "boilerplate.npy"))).astype(">u8").tobytes()
    return {values[start:start + 8] for start in range(0, len(values), 8)}


# 1. Repeated lines

def count_lines(run, shard, beat):
    seen = Counter()
    for batch in documents(run, shard, "text"):
        for _id, text in batch:
            beat()
            seen.update(steps.line_keys(normalise(text, run.steps)))
    keys = list(seen)
    _save(shard_file(run, shard, "npz"), lambda handle: np.savez(
        handle, keys=_keys_array(keys), counts=np.array([seen[key] for key in keys], dtype=np.int64)))


def merge_lines(run, shards, total):
    """The lines in at least the recipe's number and share of notes, saved for the next passes; their count."""
    keys, counts = [], []
    for shard in shards:
        with np.load(fetched(shard_file(run, shard, "npz"))) as result:
            keys.append(result["keys"])
            counts.append(result["counts"])
    if not keys:
        keys, counts = [np.zeros(0, np.uint64)], [np.zeros(0, np.int64)]
    unique, inverse = np.unique(np.concatenate(keys), return_inverse=True)
    summed = np.bincount(inverse, weights=np.concatenate(counts), minlength=len(unique))
    least = max(run.steps["boilerplate_min_documents"], run.steps["boilerplate_min_share"] * total)
    repeated = unique[summed >= least]
    _save(run_file(run, "boilerplate.npy"), lambda handle: np.save(handle, repeated))
    return len(repeated)


# 2. Length, exact repeats, MinHash

def length_rule(text, recipe):
    if len(text) < recipe["min_chars"]:
        return "too_short"
    if len(text) > recipe["max_chars"]:
        return "too_long"
    if recipe["min_tokens"] or recipe["max_tokens"]:
        count = len(steps.words(text))
        if count < recipe["min_tokens"]:
            return "too_short"
        if recipe["max_tokens"] and count > recipe["max_tokens"]:
            return "too_long"
    return None


def _sha256(text):
    return hashlib.sha256(text.encode()).digest()


def _bits(changed):
    return sum(1 << CHANGES.index(step) for step in changed)


def scan(run, shard, beat):
    recipe, repeated, clock = run.steps, boilerplate(run), Clock()
    hasher = MinHasher(recipe["num_perm"], recipe["shingle_size"], recipe["seed"]) if recipe["near_dedup"] else None
    ids, reasons, changes, digests, signatures, shingles, removed = [], [], [], [], [], [], {}
    shown = []  # [[line key, line], …] of the first notes that lost repeated lines, until 50 lines are known
    for batch in documents(run, shard, "text"):
        for pk, text in batch:
            beat()
            changed = []
            text = normalise(text, recipe, clock, changed)
            if repeated:
                before, text = text, clock.run("boilerplate", steps.remove_lines, text, repeated)
                if text is not before:
                    changed.append("boilerplate")
                    if len(removed) < BOILERPLATE_SHOWN:
                        lines = [[steps.line_key(line).hex(), line.strip()] for line in before.split("\n")
                                 if line.strip() and steps.line_key(line) in repeated]
                        removed.update(lines)
                        shown.append(lines)
            reason = clock.run("length", length_rule, text, recipe)
            ids.append(pk)
            changes.append(_bits(changed))
            reasons.append(REASONS.index(reason or ""))
            if reason:
                continue
            if recipe["exact_dedup"]:
                digests.append(clock.run("exact_duplicate", _sha256, text))
            if hasher is not None:
                words = steps.words(text)
                shingles.append(clock.run("near_duplicate", hasher.shingles, words))
                signatures.append(clock.run("near_duplicate", hasher.signature, words))
    lengths = np.array([len(values) for values in shingles], dtype=np.int64)
    _save(shard_file(run, shard, "npz"), lambda handle: np.savez(
        handle, ids=np.array(ids, dtype=np.int64), reasons=np.array(reasons, dtype=np.int8),
        changes=np.array(changes, dtype=np.uint8),
        digests=np.frombuffer(b"".join(digests), dtype=np.uint8).reshape(-1, 32),
        signatures=np.stack(signatures) if signatures else np.zeros((0, recipe["num_perm"]), np.uint32),
        shingles=np.concatenate(shingles) if shingles else np.zeros(0, np.uint64),
        offsets=np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)))
    _save_json(shard_file(run, shard, "json"), {"seconds": clock.seconds, "boilerplate": shown})


class Scanned:
    """The scan's verdicts over all shards, in id order: what was dropped and why, each note's changes, the
    near-copy clusters and the repeated lines shown in the report."""

    def __init__(self):
        self.dropped, self.changed, self.cluster_of, self.kept = {}, {}, {}, []
        self.removed_lines, self.clock = {}, Clock()


def merge_scan(run, shards):
    """Drop exact repeats and near-copies across the shards (the first of each is kept); save the kept ids."""
    recipe, merged, hashes = run.steps, Scanned(), set()
    candidates, signatures, shingles = [], [], []
    for shard in shards:
        with np.load(fetched(shard_file(run, shard, "npz"))) as result:
            ids, reasons, changes = result["ids"].tolist(), result["reasons"].tolist(), result["changes"].tolist()
            digests, offsets = result["digests"], result["offsets"]
            shard_signatures, shard_shingles = result["signatures"], result["shingles"]
        report = json.loads(fetched(shard_file(run, shard, "json")).read_bytes())
        for step, seconds in report["seconds"].items():
            merged.clock.seconds[step] += seconds
        for lines in report["boilerplate"]:
            if len(merged.removed_lines) < BOILERPLATE_SHOWN:
                for key, line in lines:
                    merged.removed_lines.setdefault(key, line)
        passed = 0
        for pk, reason, bits in zip(ids, reasons, changes, strict=True):
            merged.changed[pk] = [step for index, step in enumerate(CHANGES) if bits >> index & 1]
            if reason:
                merged.dropped[pk] = REASONS[reason]
                continue
            position, passed = passed, passed + 1
            if recipe["exact_dedup"]:
                digest = digests[position].tobytes()
                if digest in hashes:
                    merged.dropped[pk] = "exact_duplicate"
                    continue
                hashes.add(digest)
            candidates.append(pk)
            if recipe["near_dedup"]:
                signatures.append(shard_signatures[position])
                shingles.append(shard_shingles[offsets[position]:offsets[position + 1]])
    del hashes
    if recipe["near_dedup"] and candidates:
        bands, rows = lsh_bands(recipe["num_perm"], recipe["near_threshold"])
        members = merged.clock.run("near_duplicate", clusters, candidates, np.stack(signatures), shingles,
                                   recipe["near_threshold"], bands, rows)
        for member, representative in members.items():
            merged.dropped[member] = "near_duplicate"
            merged.cluster_of[member] = merged.cluster_of[representative] = representative
        candidates = [pk for pk in candidates if pk not in members]
    merged.kept = candidates
    _save(run_file(run, "kept.npy"), lambda handle: np.save(handle, np.array(candidates, dtype=np.int64)))
    return merged


# 3. De-identification of the kept notes

def deid_model(run):
    """The recipe's span tagger (checked when the run started), loaded; None when the recipe has none."""
    if not run.steps.get("deid_model"):
        return None
    from ..tagging.loader import load_tagger

    version = ModelVersion.objects.select_related("registered_model").get(pk=run.steps["deid_model"],
                                                                          registered_model__project=run.project_id)
    logger.info(f"Finding identifiers with {version} beside the patterns")
    return load_tagger(version.path)


def write(run, shard, beat):
    recipe, repeated, clock = run.steps, boilerplate(run), Clock()
    kept = np.load(fetched(run_file(run, "kept.npy")))
    kept = set(kept[(kept >= shard.first_id) & (kept <= shard.last_id)].tolist())
    deidentifier = Deidentifier(recipe["categories"], recipe["replacement"], recipe["shift_dates"],
                                recipe["id_patterns"], recipe["names"], recipe["seed"], recipe.get("keep_year", True),
                                deid_model(run)) if recipe["deidentify"] else None
    deidentified, found_by, samples = Counter(), Counter(), []

    def lines(handle):
        for batch in documents(run, shard, "external_id", "text", "meta", "split"):
            for pk, external_id, raw, meta, split in batch:
                beat()  # each note: a cancel never waits for a batch of de-identifications
                if pk not in kept:
                    continue
                changed = []
                normalised = normalise(raw, recipe, None, changed)
                text = steps.remove_lines(normalised, repeated)
                if text is not normalised:
                    changed.append("boilerplate")
                touched = False
                if deidentifier is not None:
                    text, counts = clock.run("deidentify", deidentifier.apply, text, pk, found_by)
                    if counts:
                        touched = True
                        changed.append("deidentify")
                        deidentified.update(counts)
                if changed and len(samples) < SAMPLES:
                    samples.append({"source": pk, "external_id": external_id, "before": raw[:SAMPLE_CHARS],
                                    "after": text[:SAMPLE_CHARS], "steps": changed})
                handle.write(json.dumps({"source": pk, "external_id": external_id, "text": text, "meta": meta,
                                         "split": split, "deidentified": touched}).encode() + b"\n")

    _save(shard_file(run, shard, "jsonl"), lines)
    _save_json(shard_file(run, shard, "json"), {
        "seconds": clock.seconds, "deidentified": deidentified, "samples": samples,
        "found_by": [[by, category, count] for (by, category), count in found_by.items()]})


def written(run, shards):
    """The kept notes as the write pass left them, in id order: dicts of source, external_id, text, meta, split,
    deidentified."""
    for shard in shards:
        with open(fetched(shard_file(run, shard, "jsonl")), "rb") as handle:
            for line in handle:
                yield json.loads(line)


def merge_write(run, shards, clock):
    """The write pass's figures over all shards: (deidentified {category: count}, found_by {(by, category): count},
    the first samples)."""
    deidentified, found_by, samples = Counter(), Counter(), []
    for shard in shards:
        report = json.loads(fetched(shard_file(run, shard, "json")).read_bytes())
        for step, seconds in report["seconds"].items():
            clock.seconds[step] += seconds
        deidentified.update(report["deidentified"])
        found_by.update({(by, category): count for by, category, count in report["found_by"]})
        samples.extend(report["samples"][:SAMPLES - len(samples)])
    return deidentified, found_by, samples


PASSES = {"lines": count_lines, "scan": scan, "write": write}
