"""PostgreSQL keeps each note's search vector in a column with the search index on it. An import writes its
notes without it (the vector is most of a note's cost to the database) and fills it right after, once the
corpus is ready to label; until then a note without one is matched by parsing its text, found through a
small partial index of those notes, so a search is complete at every moment. A search that tests notes one
by one (reading on in id order) reads the vector instead of parsing the note. SQLite's FTS5 table is
unchanged."""

from importlib import import_module

from django.db import migrations

_run = import_module("labeling.migrations.0003_document_search")._run  # statements by database vendor

POSTGRES = [
    "ALTER TABLE labeling_document ADD COLUMN search_vector tsvector",
    "ALTER TABLE labeling_document ALTER COLUMN search_vector SET STATISTICS 10",  # as the table's other columns
    "UPDATE labeling_document SET search_vector = to_tsvector('english', text)",
    # Partial: the notes an import has just written, without their vector yet, cost the index nothing.
    "CREATE INDEX document_search_vector ON labeling_document USING gin (search_vector) "
    "WHERE search_vector IS NOT NULL",
    "CREATE INDEX document_search_pending ON labeling_document (corpus_id, id) WHERE search_vector IS NULL",
    "DROP INDEX IF EXISTS document_text_search",
]
POSTGRES_REVERSE = [
    "CREATE INDEX document_text_search ON labeling_document USING gin (to_tsvector('english', text))",
    "ALTER INDEX document_text_search ALTER COLUMN 1 SET STATISTICS 10",
    "DROP INDEX IF EXISTS document_search_pending",
    "DROP INDEX IF EXISTS document_search_vector",
    "ALTER TABLE labeling_document DROP COLUMN IF EXISTS search_vector",
]


class Migration(migrations.Migration):
    dependencies = [
        ("labeling", "0010_corpus_roles_snapshot_corpora"),
    ]

    operations = [migrations.RunPython(_run({"postgresql": POSTGRES}), _run({"postgresql": POSTGRES_REVERSE}))]
