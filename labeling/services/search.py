"""Full-text search over a corpus's documents: PostgreSQL's text search, or SQLite's FTS5."""

import re

from django.db import connection, transaction

_TOKEN = re.compile(r"\w+", re.UNICODE)


def _pg_match(column):
    return f"to_tsvector('english', {column}) @@ websearch_to_tsquery('english', %s)"


# How first_matches chooses between reading documents in id order and the search index; testing
# one 1 KB note costs about 0.2 ms, fetching and sorting one match from the index about 3 µs.
PROBE_ROWS = 100  # documents tested in id order first
DENSE = 0.07  # from this share of matches on, reading on in id order beats the index
MAX_PROBE_ROWS = 1000


def _fts5_query(text):
    """User words as FTS5 terms, each quoted (so no word is read as an operator), all required."""
    return " ".join(f'"{token}"' for token in _TOKEN.findall(text))


def matching(documents, text):
    """`documents` narrowed to those whose text matches the words of `text` (all of them)."""
    text = text.strip()
    if not text:
        return documents
    if connection.vendor == "postgresql":
        return documents.extra(where=[_pg_match("labeling_document.text")], params=[text])
    query = _fts5_query(text)
    if not query:
        return documents.none()
    return documents.extra(
        where=["labeling_document.id IN (SELECT rowid FROM labeling_document_fts WHERE labeling_document_fts MATCH %s)"],
        params=[query],
    )


def _probe(documents, text, count, rows):
    """Ids of the first `count` matches among the next `rows` documents in id order, and whether
    those were all the documents there are."""
    probe_sql, probe_params = documents.order_by("id").values("id", "text")[:rows].query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT probe.id FROM ({probe_sql}) AS probe "  # noqa: S608 - the ORM's own SQL and parameters
            f"WHERE {_pg_match('probe.text')} ORDER BY probe.id LIMIT %s",
            [*probe_params, text, count],
        )
        ids = [row[0] for row in cursor.fetchall()]
    complete = len(ids) == count or not documents.order_by("id")[rows - 1:rows].exists()
    return ids, complete


def first_matches(documents, text, count):
    """The first `count` of `documents` (in id order) whose text matches `text`.

    PostgreSQL's planner must guess how common the words are, and both its plans fail badly on
    a wrong guess: walking the id index re-reads the text of every document when the words are
    rare, and the search index hands over every match, to sort, when they are common. So the
    next documents in id order are tested first: common words fill the page there; words seen
    often enough are read on in id order; rarer ones go to the search index, whatever the
    planner thinks.
    """
    if connection.vendor != "postgresql":
        return list(matching(documents, text).order_by("id")[:count])
    ids, complete = _probe(documents, text, count, PROBE_ROWS)
    share = len(ids) / PROBE_ROWS
    if not complete and share >= DENSE:
        ids, complete = _probe(documents, text, count, min(int(count / share * 1.5), MAX_PROBE_ROWS))
    if complete:
        return list(documents.filter(id__in=ids).order_by("id"))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        return list(matching(documents, text).order_by("id")[:count])
