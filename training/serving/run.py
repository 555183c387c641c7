"""The `predict` job: a classifier version's labels and scores for every document of a corpus,
stored as predictions (pre-selections on the annotate page) with the uncertainty measure the
manager chose, which the task queue orders by when the project asks for uncertain notes first."""

from labeling.models import Corpus
from labeling.services import predictions

from ..models import ModelVersion, RegisteredModel
from .service import loaded, spans_of

BATCH = 256
EXPLAINED_PER_STEP = 8  # notes explained between progress reports (an encoder's take seconds each)


def run_prediction(job, reporter):
    version = ModelVersion.objects.select_related("registered_model__project").get(pk=job.params["version_id"])
    corpus = Corpus.objects.get(pk=job.params["corpus_id"], project=version.registered_model.project)
    explain = job.params.get("explain", False)
    done = predict_corpus(version, corpus, job.params["measure"], reporter, explain)
    return {"documents": done, "model_version": version.pk, "measure": job.params["measure"],
            **({"explained": done} if explain else {})}


def predict_corpus(version, corpus, measure, reporter, explain=False):
    """Store the version's predictions for every document of the corpus (with `explain`, each with the words that
    pushed it towards its top label); how many."""
    project = corpus.project
    reporter.stage(0.0, f"Loading {version} to predict {corpus.name}")
    classifier = loaded(version)
    documents = corpus.documents.order_by("id").values_list("id", "text")
    total, done, last = corpus.documents.count(), 0, 0
    while True:
        batch = list(documents.filter(id__gt=last)[:BATCH])
        if not batch:
            break
        reporter.check_cancel()
        if version.registered_model.kind == RegisteredModel.Kind.TAGGER:  # spans, ordered by the least certain
            items = [{"document": pk, "spans": spans_of(found)}
                     for (pk, _text), found in zip(batch, classifier.predict_many([text for _pk, text in batch]))]
        else:
            scores = classifier.scores([text for _pk, text in batch])
            items = [{"document": pk, "labels": labels, "scores": dict(zip(classifier.labels, row.tolist()))}
                     for (pk, _text), labels, row in zip(batch, classifier.labels_of(scores), scores)]
            if explain:
                _explain(classifier, batch, scores, items, reporter, done, total)
        predictions.record(project, str(version), items, measure, version=version)
        done, last = done + len(batch), batch[-1][0]
        reporter.progress(done / max(total, 1), f"Predicted {done:,} of {total:,} notes in {corpus.name}")
    return done


def _explain(classifier, batch, scores, items, reporter, done, total):
    """Each item's explanation, a few notes at a time with the job's progress and cancel checked between."""
    from ..explanations.service import explain

    for start in range(0, len(batch), EXPLAINED_PER_STEP):
        reporter.check_cancel()
        part = slice(start, start + EXPLAINED_PER_STEP)
        for item, explanation in zip(items[part], explain(classifier, [text for _pk, text in batch[part]],
                                                          scores[part])):
            item["explanation"] = explanation
        reporter.progress((done + min(start + EXPLAINED_PER_STEP, len(batch))) / max(total, 1) * 0.999,
                          f"Explained {done + min(start + EXPLAINED_PER_STEP, len(batch)):,} of {total:,} notes")
