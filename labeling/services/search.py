"""Full-text search over a corpus's documents: PostgreSQL's text search, or SQLite's FTS5."""

import re

from django.db import connection

_TOKEN = re.compile(r"\w+", re.UNICODE)


def _fts5_query(text):
    """User words as FTS5 terms, each quoted (so no word is read as an operator), all required."""
    return " ".join(f'"{token}"' for token in _TOKEN.findall(text))


def matching(documents, text):
    """`documents` narrowed to those whose text matches the words of `text` (all of them)."""
    text = text.strip()
    if not text:
        return documents
    if connection.vendor == "postgresql":
        return documents.extra(
            where=["to_tsvector('english', labeling_document.text) @@ websearch_to_tsquery('english', %s)"],
            params=[text],
        )
    query = _fts5_query(text)
    if not query:
        return documents.none()
    return documents.extra(
        where=["labeling_document.id IN (SELECT rowid FROM labeling_document_fts WHERE labeling_document_fts MATCH %s)"],
        params=[query],
    )
