"""Full-text search over a corpus's documents: PostgreSQL's text search, or SQLite's FTS5."""

import re

from django.db import connection, transaction

_TOKEN = re.compile(r"\w+", re.UNICODE)


def _pg_match(table):
    """The words' test on a note's stored search vector (see migration 0011), in `table`."""
    return f"{table}.search_vector @@ websearch_to_tsquery('english', %s)"


# How first_matches chooses between reading documents in id order and the search index. Testing a note's
# stored vector costs about 3 µs. The index hands over every match, to fetch and sort, at about 2.5 µs each;
# for a phrase it hands over every note holding all its words, each fetched and tested again (about 9 µs),
# far more notes than match when the words are common.
PROBE_ROWS = 400  # documents tested in id order first
MAX_PROBE_ROWS = 5000  # reading on in id order stops here: words in fewer than 1 note in 70 go to the index
MAX_PHRASE_PROBE_ROWS = 25000  # and phrases in fewer than 1 note in 300
_PHRASE = re.compile(r'"[^"]*\w\W+\w[^"]*"')  # quoted words, which websearch_to_tsquery reads as a phrase


_PART = re.compile(r'"([^"]*)"|(\S+)')  # a quoted phrase, or a word


def _fts5_query(text):
    """User words as FTS5 terms, each quoted (so no word is read as an operator), all required; words
    in double quotes stay together as a phrase, as PostgreSQL's websearch syntax reads them."""
    terms = []
    for phrase, word in _PART.findall(text):
        if phrase:
            tokens = _TOKEN.findall(phrase)
            terms += [f'"{" ".join(tokens)}"'] if tokens else []
        else:
            terms += [f'"{token}"' for token in _TOKEN.findall(word)]
    return " ".join(terms)


def matching(documents, text):
    """`documents` narrowed to those whose text matches the words of `text` (all of them)."""
    text = text.strip()
    if not text:
        return documents
    if connection.vendor == "postgresql":
        return documents.extra(where=[_pg_match("labeling_document")], params=[text])
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
    probe_sql, probe_params = documents.order_by("id").values("id")[:rows].query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_bitmapscan = off")  # each of these notes, never the search index
        cursor.execute(
            f"SELECT note.id FROM labeling_document AS note WHERE note.id IN ({probe_sql}) "  # noqa: S608 - the ORM's
            f"AND {_pg_match('note')} ORDER BY note.id LIMIT %s",  # own SQL and parameters
            [*probe_params, text, count],
        )
        ids = [row[0] for row in cursor.fetchall()]
    complete = len(ids) == count or not documents.order_by("id")[rows - 1:rows].exists()
    return ids, complete


def first_matches(documents, text, count):
    """The first `count` of `documents` (in id order) whose text matches `text`.

    PostgreSQL's planner must guess how common the words are, and both its plans fail badly on a
    wrong guess: walking the id index tests every document when the words are rare, and the search
    index hands over every match, to sort, when they are common (a tenth of a million notes). So the
    next documents in id order are tested first: words seen there often enough to fill the page within
    MAX_PROBE_ROWS (a phrase: MAX_PHRASE_PROBE_ROWS) are read on in id order; rarer ones go to the
    search index, whatever the planner thinks, where they have few matches to sort.
    """
    if connection.vendor != "postgresql":
        return list(matching(documents, text).order_by("id")[:count])
    ids, complete = _probe(documents, text, count, PROBE_ROWS)
    needed = int(count * PROBE_ROWS / len(ids) * 1.5) if ids else None  # rows to read on for a page, by the probe
    limit = MAX_PHRASE_PROBE_ROWS if _PHRASE.search(text) else MAX_PROBE_ROWS
    if not complete and needed is not None and needed <= limit:
        ids, complete = _probe(documents, text, count, needed)
    if complete:
        return list(documents.filter(id__in=ids).order_by("id"))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")  # the search index (a bitmap), not the id index
        return list(matching(documents, text).order_by("id")[:count])
