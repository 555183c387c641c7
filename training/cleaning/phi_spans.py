"""PHI spans proposed by the de-identification patterns: a `phi_spans` job finds each note's identifiers in a
corpus (the cleaning step's patterns, categories chosen) and records them as predicted spans of the span labels
named after their categories (NAME, DATE, PHONE, … — added where the project lacks them), so annotators see them
pre-selected and accept, change or delete them. Patterns give no probabilities: each span's score is 1."""

from django.db import transaction

from labeling.models import Corpus, Document, SpanLabel
from labeling.services import predictions, schema as schema_service
from studio.errors import Refusal
from studio.jobs import service as jobs_service

from .deid import CATEGORIES

MODEL_VERSION = "de-identification patterns"
BATCH = predictions.MAX_PER_CALL


class PhiSpansError(Refusal):
    """The proposal cannot start as asked; the message says why."""


def start(user, project, corpus, categories=CATEGORIES):
    """The `phi_spans` job for a ready corpus of the project."""
    if corpus.project_id != project.pk:
        raise PhiSpansError("That corpus is not this project's.")
    if corpus.status != Corpus.Status.READY:
        raise PhiSpansError("The corpus is not ready: wait for its import to finish.")
    unknown = sorted(set(categories) - set(CATEGORIES))
    if unknown or not categories:
        raise PhiSpansError(f"categories: some of {', '.join(CATEGORIES)} (not {', '.join(unknown) or 'none'}).")
    with transaction.atomic():
        return jobs_service.start_job(user, "phi_spans", {"corpus_id": corpus.pk, "categories": list(categories)},
                                      project=project, inputs=[{"type": "corpus", "id": corpus.pk,
                                                                "label": corpus.name}])


def run_phi_spans(job, reporter):
    from .deid import Deidentifier

    corpus = Corpus.objects.select_related("project").get(pk=job.params["corpus_id"], project_id=job.project_id)
    categories = job.params["categories"]
    finder = Deidentifier(categories=categories)
    existing = set(SpanLabel.objects.filter(schema__project=corpus.project).values_list("name", flat=True))
    for category in categories:
        if category not in existing:
            schema_service.add_label(job.created_by, corpus.project, name=category, key_it=True, span=True,
                                     description="Protected health information found by the de-identification "
                                                 "patterns.")
    documents = Document.objects.filter(corpus=corpus).order_by("id")
    total, after, found, notes, read = corpus.document_count or documents.count(), 0, {}, 0, 0
    reporter.stage(0, f"Looking for {', '.join(categories)} in {total:,} notes")
    while batch := list(documents.filter(id__gt=after).values_list("id", "text")[:BATCH]):
        items = []
        for pk, text in batch:
            spans = [{"start": start, "end": end, "label": category, "score": 1.0}
                     for start, end, category in finder.find(text)]
            for span in spans:
                found[span["label"]] = found.get(span["label"], 0) + 1
            if spans:
                items.append({"document": pk, "spans": spans})
        if items:
            predictions.record(corpus.project, MODEL_VERSION, items)
            notes += len(items)
        after, read = batch[-1][0], read + len(batch)
        reporter.progress(min(1.0, read / max(total, 1)), f"{read:,} of {total:,} notes read; "
                          f"{sum(found.values()):,} spans so far")
        reporter.check_cancel()
    reporter.log(f"Proposed {sum(found.values()):,} spans in {notes:,} notes: "
                 + (", ".join(f"{category} {count:,}" for category, count in sorted(found.items())) or "none"))
    return {"notes_with_spans": notes, "spans": sum(found.values()), **{f"spans_{category.lower()}": count
                                                                        for category, count in sorted(found.items())}}
