"""What the cleaning report shows beyond the run's own figures: near-duplicate clusters, and
before/after differences of sample notes."""

import difflib
import re

from labeling.models import Document

from ..models import CleaningOutcome, CleaningShard

_TOKENS = re.compile(r"\s+|\w+|[^\w\s]")


def diff(before, after):
    """[(kind, text)] with kind "same", "removed" or "added", word by word."""
    old, new = _TOKENS.findall(before), _TOKENS.findall(after)
    segments = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag == "equal":
            segments.append(("same", "".join(old[i1:i2])))
            continue
        if i2 > i1:
            segments.append(("removed", "".join(old[i1:i2])))
        if j2 > j1:
            segments.append(("added", "".join(new[j1:j2])))
    return segments


def deidentified(run):
    """[(category, replaced, found by the patterns, found by the model or None without one)] for every category
    replaced or found; a model's finds shown where the recipe had one."""
    patterns, model = run.found_by.get("patterns", {}), run.found_by.get("model")
    categories = sorted(set(run.deidentified) | set(patterns) | set(model or {}))
    return [(category, run.deidentified.get(category, 0), patterns.get(category, 0),
             None if model is None else model.get(category, 0)) for category in categories]


def clusters(run, after=0, limit=50):
    """The run's near-duplicate clusters in id order, after the representative `after`:
    [{"representative", "size", "members": [{"id", "external_id", "kept"}]}], and the
    representative to pass for the next page (None on the last)."""
    representatives = list(CleaningOutcome.objects.filter(run=run, cluster__isnull=False, cluster__gt=after)
                           .values_list("cluster", flat=True).order_by("cluster").distinct()[:limit + 1])
    page = representatives[:limit]
    outcomes = list(CleaningOutcome.objects.filter(run=run, cluster__in=page).order_by("source_id"))
    names = dict(Document.objects.filter(id__in=[row.source_id for row in outcomes]).values_list("id", "external_id"))
    members = {}
    for row in outcomes:
        members.setdefault(row.cluster, []).append(
            {"id": row.source_id, "external_id": names.get(row.source_id, ""), "kept": not row.dropped_by})
    found = [{"representative": cluster, "size": len(members[cluster]), "members": members[cluster]} for cluster in page]
    return found, (page[-1] if len(representatives) > limit else None)


def cluster_documents(run, representative):
    """The source notes of one cluster, representative first: [(document, outcome)]."""
    outcomes = {row.source_id: row for row in CleaningOutcome.objects.filter(run=run, cluster=representative)}
    documents = Document.objects.filter(corpus_id=run.source_id, id__in=list(outcomes)).order_by("id")
    return [(document, outcomes[document.pk]) for document in documents]


def shards(run):
    """Each pass's shards: [{phase, label, total, done, running, failed, notes, workers: {worker: shards done},
    at_work: [workers running one now]}]."""
    passes = {}
    for phase, status, worker, documents in CleaningShard.objects.filter(run=run).values_list(
            "phase", "status", "worker", "documents"):
        row = passes.setdefault(phase, {"phase": phase, "label": CleaningShard.Phase(phase).label, "total": 0,
                                        "done": 0, "running": 0, "failed": 0, "notes": 0, "workers": {},
                                        "at_work": []})
        row["total"] += 1
        row["notes"] += documents
        if status != CleaningShard.Status.PENDING:
            row[status] += 1
        if status == CleaningShard.Status.DONE:
            row["workers"][worker] = row["workers"].get(worker, 0) + 1
        elif status == CleaningShard.Status.RUNNING and worker not in row["at_work"]:
            row["at_work"].append(worker)
    return [passes[phase] for phase in CleaningShard.Phase.values if phase in passes]
