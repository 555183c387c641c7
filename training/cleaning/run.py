"""The `clean` job: a corpus in, a new cleaned corpus out; the source is only read.

Three passes in document id order, a batch at a time, so memory holds per-document flags and
the surviving notes' shingles, never the corpus's text:
1. (with boilerplate removal) count each line's documents after normalisation;
2. normalise, drop repeated lines, filter by length, drop exact repeats, MinHash the rest;
   then cluster near-copies and keep the first of each cluster;
3. read the kept notes again, normalise and de-identify them, and write the new corpus;
then record each source document's outcome and move its annotations (with the queue's hold on it, its review and
predictions) to the cleaned note: the cleaned corpus takes its source's place in the queue and in snapshots, and the
source is kept aside, so no note and no label counts twice.
Every seed is the recipe's, so the same recipe on the same corpus writes the same corpus.
"""

import hashlib
import json
import time
from collections import Counter, defaultdict

import numpy as np
from django.db import transaction
from django.db.models import Case, Max, Value, When

from labeling.models import Annotation, Assignment, Corpus, Document, Prediction, Review
from labeling.services import corpora, imports, search
from labeling.services.document_writer import write_batch
from studio.jobs import service as jobs_service

from ..models import CleaningOutcome, CleaningRun, ModelVersion
from . import text as steps
from .deid import Deidentifier
from .near_duplicates import MinHasher, clusters, lsh_bands

BATCH = 2000
MOVE_BATCH = 500  # source notes per statement moving their annotations (one CASE branch each)
SAMPLES = 12
SAMPLE_CHARS = 4000
NORMALISERS = (("unicode", "normalize_unicode", steps.normalize_unicode),
               ("markup", "strip_markup", steps.strip_markup),
               ("whitespace", "normalize_whitespace", steps.normalize_whitespace))


def _batches(corpus, *fields):
    documents = Document.objects.filter(corpus=corpus).order_by("id").values_list("id", *fields)
    after = 0
    while batch := list(documents.filter(id__gt=after)[:BATCH]):
        yield batch
        after = batch[-1][0]


class _Clock:
    """Seconds spent per step, for the report's documents-per-second figures."""

    def __init__(self):
        self.seconds = defaultdict(float)

    def run(self, step, function, *args):
        started = time.perf_counter()
        result = function(*args)
        self.seconds[step] += time.perf_counter() - started
        return result


def _normalise(text, recipe, clock, changed):
    for step, setting, function in NORMALISERS:
        if recipe[setting]:
            new = clock.run(step, function, text)
            if new != text:
                changed.append(step)
            text = new
    return text


def run_cleaning(job, reporter):
    """The `clean` job; what a run that does not finish leaves is removed by `service.cleanup`."""
    run = CleaningRun.objects.select_related("source", "project").get(pk=job.params["run_id"])
    recipe, source = run.steps, run.source
    if run.output_id:  # a re-delivered job starts over
        corpora.delete_documents(run.output)
        CleaningOutcome.objects.filter(run=run).delete()
    output = run.output or Corpus.objects.create(
        project=run.project, name=f"{source.name} (cleaned #{run.pk})"[:120], kind=Corpus.Kind.CLEANED,
        parent=source, status=Corpus.Status.IMPORTING, created_by=run.created_by,
        mapping={"cleaning_run": run.pk}, source_name=source.source_name, source_sha256=source.source_sha256,
    )
    CleaningRun.objects.filter(pk=run.pk).update(output=output)
    total = Document.objects.filter(corpus=source).count()
    clock = _Clock()

    boilerplate = set()
    if recipe["remove_boilerplate"]:
        seen = Counter()
        for done, batch in _counted(_batches(source, "text"), BATCH):
            for _id, text in batch:
                seen.update(clock.run("boilerplate", steps.line_keys, _normalise(text, recipe, _Clock(), [])))
            reporter.progress(0.2 * done / max(total, 1), f"Counting repeated lines: {done:,} of {total:,} notes")
            reporter.check_cancel()
        least = max(recipe["boilerplate_min_documents"], recipe["boilerplate_min_share"] * total)
        boilerplate = {key for key, count in seen.items() if count >= least}
        del seen

    dropped, changed, kept = {}, {}, []
    removed_lines, hashes = {}, set()
    hasher = MinHasher(recipe["num_perm"], recipe["shingle_size"], recipe["seed"]) if recipe["near_dedup"] else None
    signatures, shingles = [], []
    for done, batch in _counted(_batches(source, "text"), BATCH):
        for pk, text in batch:
            notes = []
            text = _normalise(text, recipe, clock, notes)
            if boilerplate:
                before, text = text, clock.run("boilerplate", steps.remove_lines, text, boilerplate)
                if text is not before:
                    notes.append("boilerplate")
                    if len(removed_lines) < 50:
                        for line in before.split("\n"):
                            if line.strip() and steps.line_key(line) in boilerplate:
                                removed_lines.setdefault(steps.line_key(line), line.strip())
            changed[pk] = notes
            reason = clock.run("length", _length_rule, text, recipe)
            if reason is None and recipe["exact_dedup"]:
                digest = clock.run("exact_duplicate", lambda value: hashlib.sha256(value.encode()).digest(), text)
                if digest in hashes:
                    reason = "exact_duplicate"
                hashes.add(digest)
            if reason:
                dropped[pk] = reason
                continue
            kept.append(pk)
            if hasher is not None:
                words = steps.words(text)
                shingles.append(clock.run("near_duplicate", hasher.shingles, words))
                signatures.append(clock.run("near_duplicate", hasher.signature, words))
        reporter.progress(0.2 + 0.4 * done / max(total, 1), f"Cleaning: {done:,} of {total:,} notes")
        reporter.check_cancel()
    del hashes

    cluster_of = {}
    if hasher is not None and kept:
        reporter.stage(0.6, "Finding near-copies")
        bands, rows = lsh_bands(recipe["num_perm"], recipe["near_threshold"])
        started = time.perf_counter()
        members = clusters(kept, np.stack(signatures), shingles, recipe["near_threshold"], bands, rows)
        clock.seconds["near_duplicate"] += time.perf_counter() - started
        for member, representative in members.items():
            dropped[member] = "near_duplicate"
            cluster_of[member] = cluster_of[representative] = representative
        kept = [pk for pk in kept if pk not in members]
    del signatures, shingles

    deidentifier = Deidentifier(recipe["categories"], recipe["replacement"], recipe["shift_dates"],
                                recipe["id_patterns"], recipe["names"], recipe["seed"], recipe.get("keep_year", True),
                                _deid_model(run, reporter)) if recipe["deidentify"] else None
    deidentified, found_by, samples, written = Counter(), Counter(), [], {}
    keep = set(kept)
    id_floor = (Document.objects.aggregate(last=Max("id"))["last"] or 0) + 1
    done = 0
    for batch in _batches(source, "external_id", "text", "meta", "split"):
        rows = []
        for pk, external_id, raw, meta, split in batch:
            if pk not in keep:
                continue
            text = steps.remove_lines(_normalise(raw, recipe, _Clock(), []), boilerplate)
            if deidentifier is not None:
                reporter.check_cancel()  # between documents: a cancel never waits for a batch of them
                new, counts = clock.run("deidentify", deidentifier.apply, text, pk, found_by)
                if counts:
                    changed[pk].append("deidentify")
                    deidentified.update(counts)
                text = new
            if changed[pk] and len(samples) < SAMPLES:
                samples.append({"source": pk, "external_id": external_id, "before": raw[:SAMPLE_CHARS],
                                "after": text[:SAMPLE_CHARS], "steps": changed[pk]})
            rows.append((output.pk, external_id, text, json.dumps(meta), hashlib.sha256(text.encode()).hexdigest(),
                         len(text), split))
            written[external_id] = pk
        clock.run("write", write_batch, output.pk, rows, {}, lambda: jobs_service.check_held(job))
        done += len(batch)
        reporter.progress(0.65 + 0.3 * done / max(total, 1), f"Writing the cleaned corpus: {done:,} of {total:,} notes")
        reporter.check_cancel()

    reporter.stage(0.95, "Recording what happened to each note")
    derived = {written[external_id]: pk for external_id, pk in
               Document.objects.filter(corpus=output).values_list("external_id", "id").iterator(chunk_size=10_000)}
    started = time.perf_counter()
    ids = sorted(dropped.keys() | derived.keys())
    for start in range(0, len(ids), 5000):
        CleaningOutcome.objects.bulk_create([
            CleaningOutcome(run=run, source_id=pk, document_id=derived.get(pk), dropped_by=dropped.get(pk, ""),
                            changed_by=",".join(changed.get(pk, [])), cluster=cluster_of.get(pk))
            for pk in ids[start:start + 5000]])
    clock.seconds["write"] += time.perf_counter() - started

    imports.refresh_statistics()
    imports.mark_duplicates(output)
    reporter.stage(0.97, "Indexing the cleaned notes for search")
    search.index_corpus(output, guard=lambda: jobs_service.check_held(job))
    report = {
        "documents_in": total, "documents_out": len(derived),
        "drops": dict(sorted(Counter(dropped.values()).items())),
        "changes": dict(sorted(Counter(step for notes in changed.values() for step in notes).items())),
        "deidentified": dict(sorted(deidentified.items())), "clusters": len(set(cluster_of.values())),
        "found_by": {source: {category: count for (by, category), count in sorted(found_by.items()) if by == source}
                     for source in sorted({source for source, _category in found_by})},
        "boilerplate": list(removed_lines.values()), "timings": {step: round(value, 3) for step, value in clock.seconds.items()},
        "samples": samples,
    }
    with transaction.atomic():  # the annotations move with the corpus becoming ready, or not at all
        jobs_service.check_held(job)
        moved = _move_annotations(derived)
        Corpus.objects.filter(pk=output.pk).update(
            status=Corpus.Status.READY, document_count=len(derived), id_floor=id_floor if derived else None,
            id_ceiling=Document.objects.filter(corpus=output).aggregate(last=Max("id"))["last"], role=source.role)
        Corpus.objects.filter(pk=source.pk).update(role=Corpus.Role.ASIDE)
        CleaningRun.objects.filter(pk=run.pk).update(**report)
    reporter.log(f"{moved:,} annotations moved to the cleaned notes; {source.name} is kept aside from now on")
    return {"documents_in": total, "documents_out": len(derived), **{f"dropped_{rule}": count for rule, count in
                                                                      report["drops"].items()}}


def _deid_model(run, reporter):
    """The recipe's span tagger (checked when the run started), loaded; None when the recipe has none."""
    if not run.steps.get("deid_model"):
        return None
    from ..tagging.loader import load_tagger

    version = ModelVersion.objects.select_related("registered_model").get(pk=run.steps["deid_model"],
                                                                          registered_model__project=run.project)
    reporter.log(f"Finding identifiers with {version} beside the patterns")
    return load_tagger(version.path)


def _counted(batches, size):
    done = 0
    for batch in batches:
        done += len(batch)
        yield done, batch


def _length_rule(text, recipe):
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


def _move_annotations(derived):
    """Move the kept notes' annotations, queue holds, reviews and predictions to their cleaned notes ({source id:
    cleaned id}), with the holders' count; the annotations of dropped notes stay on the source. Returns how many
    annotations moved."""
    moved, sources = 0, list(derived)
    for start in range(0, len(sources), MOVE_BATCH):
        chunk = sources[start:start + MOVE_BATCH]
        for model in (Annotation, Assignment, Review, Prediction):
            # The mapping is built for the notes that have something to move only: most have nothing.
            present = set(model.objects.filter(document_id__in=chunk).values_list("document_id", flat=True))
            if present:
                cleaned = Case(*[When(document_id=pk, then=Value(derived[pk])) for pk in present])
                count = model.objects.filter(document_id__in=present).update(document_id=cleaned)
                moved += count if model is Annotation else 0
        held = Document.objects.filter(id__in=chunk).exclude(claims=0, pool=None)
        Document.objects.bulk_update(
            [Document(pk=derived[pk], claims=claims, full=full, pool_id=pool)
             for pk, claims, full, pool in held.values_list("id", "claims", "full", "pool_id")],
            ["claims", "full", "pool"])
        held.update(claims=0, full=False, pool=None)
    return moved
