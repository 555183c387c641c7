"""The `clean` job: a corpus in, a new cleaned corpus out; the source is only read.

Three passes over the source notes in id order, each split into shards that every free cpu worker takes (see
`shards`; `passes` says what each does), each merged here before the next: repeated lines; length, exact repeats
and near-copies; normalisation and de-identification of the kept notes. Then the kept notes are stored in id order,
each source document's outcome recorded, and its annotations (with the queue's hold on it, its review and
predictions) moved to the cleaned note: the cleaned corpus takes its source's place in the queue and in snapshots,
and the source is kept aside, so no note and no label counts twice.
Every seed is the recipe's and every merge goes in id order, so the same recipe on the same corpus writes the same
corpus, however many shards and workers did it.
"""

import hashlib
import json
import time
from collections import Counter

from django.db import transaction
from django.db.models import Case, Max, Value, When

from labeling.models import Annotation, Assignment, Corpus, Document, Prediction, Review
from labeling.services import corpora, imports, search
from labeling.services.document_writer import write_batch
from studio import artifacts
from studio.jobs import service as jobs_service

from ..models import CleaningOutcome, CleaningRun
from . import passes
from .shards import run_pass

MOVE_BATCH = 500  # source notes per statement moving their annotations (one CASE branch each)


def run_cleaning(job, reporter):
    """The `clean` job; what a run that does not finish leaves is removed by `service.cleanup`."""
    run = CleaningRun.objects.select_related("source", "project").get(pk=job.params["run_id"])
    recipe, source = run.steps, run.source
    if run.output_id:  # a re-delivered job writes the corpus again (the shards already done stay done)
        corpora.delete_documents(run.output)
        CleaningOutcome.objects.filter(run=run).delete()
    output = run.output or Corpus.objects.create(
        project=run.project, name=f"{source.name} (cleaned #{run.pk})"[:120], kind=Corpus.Kind.CLEANED,
        parent=source, status=Corpus.Status.IMPORTING, created_by=run.created_by,
        mapping={"cleaning_run": run.pk}, source_name=source.source_name, source_sha256=source.source_sha256,
    )
    CleaningRun.objects.filter(pk=run.pk).update(output=output)
    total = Document.objects.filter(corpus=source).count()

    if recipe["remove_boilerplate"]:
        shards = run_pass(job, reporter.span(0, 0.2), run, "lines", "Counting repeated lines")
        repeated = passes.merge_lines(run, shards, total)
        reporter.log(f"{repeated:,} repeated lines to remove")
    shards = run_pass(job, reporter.span(0.2 if recipe["remove_boilerplate"] else 0, 0.6), run, "scan", "Cleaning")
    reporter.stage(0.6, "Finding exact repeats and near-copies across the shards")
    scanned = passes.merge_scan(run, shards)
    shards = run_pass(job, reporter.span(0.65, 0.85), run, "write",
                      "De-identifying" if recipe["deidentify"] else "Normalising the kept notes")
    clock = scanned.clock
    deidentified, found_by, samples = passes.merge_write(run, shards, clock)
    changed = scanned.changed

    id_floor = (Document.objects.aggregate(last=Max("id"))["last"] or 0) + 1
    written, rows, done, kept = {}, [], 0, len(scanned.kept)
    store = reporter.span(0.85, 0.95)
    for note in passes.written(run, shards):
        if note["deidentified"]:
            changed[note["source"]].append("deidentify")
        text = note["text"]
        rows.append((output.pk, note["external_id"], text, json.dumps(note["meta"]),
                     hashlib.sha256(text.encode()).hexdigest(), len(text), note["split"]))
        written[note["external_id"]] = note["source"]
        if len(rows) == passes.BATCH:
            done += _store(job, output, rows, clock)
            store.progress(done / max(kept, 1), f"Writing the cleaned corpus: {done:,} of {kept:,} notes")
            store.check_cancel()
    done += _store(job, output, rows, clock)

    reporter.stage(0.95, "Recording what happened to each note")
    derived = {written[external_id]: pk for external_id, pk in
               Document.objects.filter(corpus=output).values_list("external_id", "id").iterator(chunk_size=10_000)}
    dropped, cluster_of = scanned.dropped, scanned.cluster_of
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
        "boilerplate": list(scanned.removed_lines.values()),
        "timings": {step: round(value, 3) for step, value in clock.seconds.items()},
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
    artifacts.store().delete(run.folder)  # the shards' files hold note text: they go once it is stored
    reporter.log(f"{moved:,} annotations moved to the cleaned notes; {source.name} is kept aside from now on")
    return {"documents_in": total, "documents_out": len(derived), **{f"dropped_{rule}": count for rule, count in
                                                                      report["drops"].items()}}


def _store(job, output, rows, clock):
    """Write a batch of cleaned notes (emptying `rows`); how many there were."""
    count = len(rows)
    if rows:
        clock.run("write", write_batch, output.pk, list(rows), {}, lambda: jobs_service.check_held(job))
        rows.clear()
    return count


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
