"""Full-text search over document text: a GIN index on PostgreSQL, an FTS5 table on SQLite."""

from django.db import migrations

POSTGRES = [
    "CREATE INDEX document_text_search ON labeling_document USING gin (to_tsvector('english', text))",
]
POSTGRES_REVERSE = ["DROP INDEX IF EXISTS document_text_search"]

# An external-content FTS5 table kept in step with labeling_document by triggers.
SQLITE = [
    "CREATE VIRTUAL TABLE labeling_document_fts USING fts5(text, content='labeling_document', content_rowid='id')",
    "INSERT INTO labeling_document_fts(rowid, text) SELECT id, text FROM labeling_document",
    """CREATE TRIGGER labeling_document_fts_insert AFTER INSERT ON labeling_document BEGIN
        INSERT INTO labeling_document_fts(rowid, text) VALUES (new.id, new.text); END""",
    """CREATE TRIGGER labeling_document_fts_delete AFTER DELETE ON labeling_document BEGIN
        INSERT INTO labeling_document_fts(labeling_document_fts, rowid, text) VALUES ('delete', old.id, old.text); END""",
    """CREATE TRIGGER labeling_document_fts_update AFTER UPDATE OF text ON labeling_document BEGIN
        INSERT INTO labeling_document_fts(labeling_document_fts, rowid, text) VALUES ('delete', old.id, old.text);
        INSERT INTO labeling_document_fts(rowid, text) VALUES (new.id, new.text); END""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS labeling_document_fts_insert",
    "DROP TRIGGER IF EXISTS labeling_document_fts_delete",
    "DROP TRIGGER IF EXISTS labeling_document_fts_update",
    "DROP TABLE IF EXISTS labeling_document_fts",
]


def _run(statements):
    def run(apps, schema_editor):
        chosen = statements.get(schema_editor.connection.vendor, [])
        for statement in chosen:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("labeling", "0002_upload_corpus_error_count_corpus_errors_and_more"),
    ]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRES, "sqlite": SQLITE}),
            _run({"postgresql": POSTGRES_REVERSE, "sqlite": SQLITE_REVERSE}),
        ),
    ]
