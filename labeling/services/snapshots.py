"""Dataset snapshots: the project's resolved labels frozen into an immutable Parquet file.

One row per resolved document (text, labels, the rule that decided them, its split), in
document id order, with the schema's labels, the split ratios and seed in the file's metadata;
nothing in the file depends on when it was made, so the same labels give the same sha256.
Splits are stratified by label set and stable: a document keeps the split an earlier snapshot
gave it (kept on the document), and new documents fill each label set's splits up to the ratios
in an order fixed by the seed.
"""

import hashlib
from collections import Counter, defaultdict

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from studio import artifacts, audit
from studio.disk import ensure_space
from studio.errors import Refusal
from studio.jobs import service as jobs_service

from ..models import Corpus, DatasetSnapshot, Document, LabelSchema
from . import resolution
from .corpora import queued

SPLITS = ("train", "validation", "test")
ROW_GROUP = 5000
METADATA_KEY = b"vertical_studio"


SPAN_COUNT = "span: "  # the key prefix of a span label's count in a snapshot's `counts`


def contents(snapshot):
    """(holds document labels, holds spans) of a ready snapshot, from its counts (no file read)."""
    keys = [key for counts in snapshot.counts.values() for key in counts]
    return any(not key.startswith(SPAN_COUNT) for key in keys), any(key.startswith(SPAN_COUNT) for key in keys)


class SnapshotError(Refusal):
    """The snapshot cannot be made as asked; the message says why."""


def start_snapshot(user, project, *, name, train_ratio=0.8, validation_ratio=0.1, test_ratio=0.1, seed=13,
                   corpora=None, task=None):
    """A snapshot row and the `snapshot` job that writes its file, from the labeled documents of `corpora` (ready
    corpora of the project; by default the ones in the labeling queue): the main task's labels and spans, or with
    `task` (a named task's id) that task's labels. Every task's snapshot keeps a note in the split it has, so
    snapshots of two tasks split the same notes alike."""
    name = (name or "").strip()
    if not name:
        raise SnapshotError("Give the snapshot a name.")
    ratios = (train_ratio, validation_ratio, test_ratio)
    if any(ratio < 0 for ratio in ratios) or abs(sum(ratios) - 1) > 1e-6:
        raise SnapshotError(f"The split ratios must be 0 or more and add up to 1 (they add up to {sum(ratios):g}).")
    if train_ratio == 0:
        raise SnapshotError("The train split needs a ratio above 0.")
    schema = getattr(project, "label_schema", None)
    if task is not None:
        schema = project.named_tasks.filter(pk=getattr(task, "pk", task)).first()
        if schema is None:
            raise SnapshotError(f"task: no named task {getattr(task, 'pk', task)} in this project.")
    if schema is None or not (schema.labels.exists() or schema.span_labels.exists()):
        raise SnapshotError(f"The task “{schema.name}” has no labels yet, so there is nothing to freeze." if task
                            else "The project has no labels yet, so there is nothing to freeze.")
    chosen = _chosen_corpora(project, corpora)
    with transaction.atomic():
        snapshot = DatasetSnapshot.objects.create(
            project=project, name=name, created_by=user, train_ratio=train_ratio, validation_ratio=validation_ratio,
            test_ratio=test_ratio, seed=seed, task=schema if task is not None else None,
        )
        snapshot.corpora.set(chosen)
        snapshot.job = jobs_service.start_job(user, "snapshot", {"snapshot_id": snapshot.pk}, project=project)
        snapshot.save(update_fields=["job"])
        audit.record(user, "snapshot.create", snapshot, project_id=project.pk, name=name, seed=seed,
                     ratios=list(ratios), job=snapshot.job.pk, corpora=[corpus.pk for corpus in chosen],
                     **({"task": schema.name} if task is not None else {}))
    return snapshot


def _chosen_corpora(project, corpora):
    """The corpora a snapshot freezes: those given (ready corpora of the project), or the queued ones."""
    if corpora is None:
        chosen = list(queued(project))
    else:
        ids = {getattr(corpus, "pk", corpus) for corpus in corpora}
        chosen = list(project.corpora.filter(pk__in=ids, status=Corpus.Status.READY))
        if len(chosen) != len(ids):
            raise SnapshotError("Choose ready corpora of this project; some of these are not.")
    if not chosen:
        raise SnapshotError("Choose at least one corpus to freeze (no corpus is in the labeling queue).")
    return sorted(chosen, key=lambda corpus: corpus.pk)


def _in_corpora(ids, corpus_ids):
    """The document ids (in order) that lie in these corpora."""
    kept = []
    for start in range(0, len(ids), ROW_GROUP):
        kept += Document.objects.filter(id__in=ids[start:start + ROW_GROUP], corpus_id__in=corpus_ids).values_list(
            "id", flat=True).order_by("id")
    return kept


def _order(seed, pk):
    return hashlib.sha256(f"{seed}:{pk}".encode()).digest()


def assign_splits(rows, ratios, seed):
    """{document id: split} for the rows without one: per label set, the split furthest below its
    share takes the next document, documents taken in the seed's order."""
    strata = defaultdict(list)
    for row in rows:
        strata[row.labels].append(row)
    open_splits = [name for name in SPLITS if ratios[name] > 0]
    chosen = {}
    for members in strata.values():
        counts = Counter(row.split for row in members if row.split)
        total = len(members)
        for row in sorted((row for row in members if not row.split), key=lambda row: _order(seed, row.id)):
            split = max(open_splits, key=lambda name: (ratios[name] * total - counts[name], -SPLITS.index(name)))
            counts[split] += 1
            chosen[row.id] = split
    return chosen


def run_snapshot(job, reporter):
    """The `snapshot` job: resolve, split, write and hash the file."""
    return build(DatasetSnapshot.objects.get(pk=job.params["snapshot_id"]), job, reporter)


def build(snapshot, job, reporter):
    """Write the snapshot's file as part of `job` (its own job, or a retraining that freezes one)."""
    snapshot = DatasetSnapshot.objects.select_related("project", "task").get(pk=snapshot.pk)
    # A retried snapshot is this job's now: its page follows the new job.
    DatasetSnapshot.objects.filter(pk=snapshot.pk).update(status=DatasetSnapshot.Status.BUILDING, job=job)
    return _build(snapshot, reporter)


def cleanup(job):
    """A snapshot job (or a retraining's) that did not finish leaves no half-written file."""
    for snapshot in DatasetSnapshot.objects.filter(job=job, status=DatasetSnapshot.Status.BUILDING):
        DatasetSnapshot.objects.filter(pk=snapshot.pk).update(status=DatasetSnapshot.Status.FAILED)
        if snapshot.file_name:
            artifacts.store().delete(snapshot.key)
            artifacts.store().delete(snapshot.spacy_key)


def _build(snapshot, reporter):
    project = snapshot.project
    schema = snapshot.task or project.label_schema
    span_names = list(schema.span_labels.order_by("position", "id").values_list("name", flat=True))
    names = list(schema.labels.order_by("position", "id").values_list("name", flat=True))
    single = schema.kind == LabelSchema.Kind.SINGLE and bool(names)
    reporter.stage(0, "Finding labeled documents")
    if not snapshot.corpora.exists():  # a retraining's snapshot freezes the queued corpora
        snapshot.corpora.set(queued(project))
    corpus_ids = list(snapshot.corpora.values_list("id", flat=True))
    ids = _in_corpora(resolution.labeled_document_ids(project), corpus_ids)
    rows, ties = [], 0
    for number, row in enumerate(resolution.resolve(project, ids, spans=bool(span_names), task=snapshot.task), 1):
        if row.rule == resolution.TIE:
            ties += 1
        else:
            rows.append(row)
        if number % resolution.BATCH == 0:
            reporter.progress(0.4 * number / len(ids), f"Resolved labels of {number:,} of {len(ids):,} documents")
            reporter.check_cancel()
    if not rows:
        raise SnapshotError("No document has labels to freeze yet" + (f" ({ties} tie and wait for a review)." if ties
                                                                      else "."))
    ratios = {"train": snapshot.train_ratio, "validation": snapshot.validation_ratio, "test": snapshot.test_ratio}
    reporter.stage(0.4, "Choosing splits")
    new_splits = assign_splits(rows, ratios, snapshot.seed)
    for row in rows:
        row.split = row.split or new_splits[row.id]

    snapshot.file_name = f"snapshot-{snapshot.pk}.parquet"
    store = artifacts.store()
    # At most the project's text: compressed, the file takes less.
    text = Document.objects.filter(corpus_id__in=corpus_ids).aggregate(total=Sum("length"))["total"] or 0
    metadata = {"labels": names, "kind": schema.kind, **({"task": schema.name} if schema.name else {}), "seed": snapshot.seed, "ratios": ratios,
                "rules": dict(sorted(Counter(row.rule for row in rows).items())), "unresolved": ties,
                "label_rule": "adjudicated > majority > single",
                **({"span_labels": span_names, "spans_overlap": schema.spans_overlap,
                    "unresolved_spans": sum(1 for row in rows if row.spans is None)} if span_names else {})}
    from .snapshot_file import write  # pyarrow: loaded by the worker that writes, never by the web process

    with artifacts.staged(snapshot.key) as staged:
        ensure_space(staged.parent, text, f"snapshot “{snapshot.name}”")
        write(staged, rows, single, metadata, reporter, spans=bool(span_names))
        if span_names:
            reporter.stage(0.96, "Writing spaCy's training files")
            from .docbin import write as write_docbins  # spaCy: the worker's, never the web process's

            with artifacts.staged(snapshot.spacy_key) as staged_zip:
                write_docbins(staged, names, staged_zip)
                store.publish(staged_zip, snapshot.spacy_key)
        digest = hashlib.sha256()
        with open(staged, "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
        size = staged.stat().st_size
        store.publish(staged, snapshot.key, digest.hexdigest())
    counts = {split: {} for split in SPLITS}
    for row in rows:
        for label in row.labels:
            counts[row.split][label] = counts[row.split].get(label, 0) + 1
        for _start, _end, label in row.spans or ():
            key = f"{SPAN_COUNT}{label}"
            counts[row.split][key] = counts[row.split].get(key, 0) + 1
    sizes = {split: sum(1 for row in rows if row.split == split) for split in SPLITS}
    with transaction.atomic():
        for split in SPLITS:
            chosen = [pk for pk, value in new_splits.items() if value == split]
            for start in range(0, len(chosen), 5000):
                Document.objects.filter(id__in=chosen[start:start + 5000]).update(split=split)
        DatasetSnapshot.objects.filter(pk=snapshot.pk).update(
            status=DatasetSnapshot.Status.READY, file_name=snapshot.file_name, sha256=digest.hexdigest(),
            size=size, row_count=len(rows), counts=counts, rules=metadata["rules"],
            split_sizes=sizes, unresolved=ties,
        )
    return {"rows": len(rows), "unresolved": ties, **{f"{split}_rows": size for split, size in sizes.items()}}


def download_name(snapshot):
    stamp = timezone.localtime(snapshot.created_at).strftime("%Y%m%d")
    safe = "".join(char if char.isalnum() or char in "-_" else "-" for char in snapshot.name)[:60]
    return f"{safe}-{stamp}.parquet"
