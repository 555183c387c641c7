"""PostgreSQL keeps each note's search vector in a stored column (computed by the database when a note is
written) with the search index on it: a search that tests notes one by one (reading on in id order, or
re-checking a phrase's candidates from the index) then reads the vector instead of parsing the note again.
SQLite's FTS5 table is unchanged."""

from django.db import migrations

POSTGRES = [
    "ALTER TABLE labeling_document ADD COLUMN search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('english', text)) STORED",
    "ALTER TABLE labeling_document ALTER COLUMN search_vector SET STATISTICS 10",  # as the table's other columns
    "CREATE INDEX document_search_vector ON labeling_document USING gin (search_vector)",
    "DROP INDEX IF EXISTS document_text_search",
]
POSTGRES_REVERSE = [
    "CREATE INDEX document_text_search ON labeling_document USING gin (to_tsvector('english', text))",
    "ALTER INDEX document_text_search ALTER COLUMN 1 SET STATISTICS 10",
    "DROP INDEX IF EXISTS document_search_vector",
    "ALTER TABLE labeling_document DROP COLUMN IF EXISTS search_vector",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("labeling", "0010_corpus_roles_snapshot_corpora"),
    ]

    operations = [migrations.RunPython(_run(POSTGRES), _run(POSTGRES_REVERSE))]
