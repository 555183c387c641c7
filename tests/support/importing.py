"""Helpers for tests that import files through the job code path: fixtures live in conftest."""

from labeling.importing import columns
from labeling.importing.sources import ImportFileError
from labeling.services import imports, uploads
from studio.jobs import execution


def upload(manager, project, name, data):
    return uploads.store_upload(manager, project, name, [data[i:i + 7000] for i in range(0, len(data), 7000)])


def run(manager, project, name, data, django_capture_on_commit_callbacks, **mapping):
    stored = upload(manager, project, name, data)
    try:
        found = imports.preview(stored)
    except ImportFileError:  # the mapping form would show this; the import must refuse the file too
        found = {"format": imports.guess_format(name, data[:100]), "columns": ["text"]}
    mapping = {"format": found["format"], **columns.suggest(found["columns"]), **mapping}
    with django_capture_on_commit_callbacks(execute=True):
        corpus, job = imports.start_import(manager, stored, name=name, **mapping)
    status = execution.execute(job.pk, "w@host", {})
    corpus.refresh_from_db()
    job.refresh_from_db()
    return corpus, job, status


def span_snapshot(manager, project, rows, django_capture_on_commit_callbacks, name, ratios):
    """Notes with spans ([{id, text, spans}]) imported as JSON Lines and frozen into a ready snapshot with the split
    `ratios` (train, validation, test)."""
    import json

    from labeling.services import snapshots

    data = "\n".join(json.dumps(row) for row in rows).encode()
    corpus, job, _status = run(manager, project, f"{name}.jsonl", data, django_capture_on_commit_callbacks,
                               text_field="text", id_field="id", span_field="spans")
    assert job.status == "succeeded" and corpus.document_count == len(rows), job.error
    train, validation, test = ratios
    with django_capture_on_commit_callbacks(execute=True):
        snapshot = snapshots.start_snapshot(manager, project, name=name, train_ratio=train,
                                            validation_ratio=validation, test_ratio=test)
    execution.execute(snapshot.job_id, "w@host", {})
    snapshot.refresh_from_db()
    assert snapshot.status == "ready"
    return snapshot
