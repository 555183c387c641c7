"""Full-text search over a corpus's documents: PostgreSQL's text search, or SQLite's FTS5."""

import re

from django.db import connection, transaction

from .document_writer import BatchWriter, unflushed_commit

_TOKEN = re.compile(r"\w+", re.UNICODE)


def _pg_match(table):
    """The words' test on a note of `table`: its search vector, or for a note whose vector is not filled yet (an
    import fills them once its corpus is ready to label), its text parsed now, found through the small index
    of such notes (migration 0011). Takes the words twice as parameters."""
    words = "websearch_to_tsquery('english', %s)"
    return (f"({table}.search_vector @@ {words} OR "
            f"({table}.search_vector IS NULL AND to_tsvector('english', {table}.text) @@ {words}))")


VECTOR_BATCH = 5000  # notes per statement that fills vectors


def _fill_vectors(corpus_id, first, last, guard=None):
    """Fill the search vectors of a corpus's notes with ids first..last that have none, in one transaction."""
    with transaction.atomic(), connection.cursor() as cursor:
        unflushed_commit()  # a crash loses vectors only, which the job fills again; search reads the text meanwhile
        if guard is not None:
            guard()
        cursor.execute(
            "UPDATE labeling_document SET search_vector = to_tsvector('english', text) "
            "WHERE corpus_id = %s AND id BETWEEN %s AND %s AND search_vector IS NULL",
            [corpus_id, first, last],
        )


def pending(corpus):
    """How many of the corpus's notes still wait for their search vector (0 on SQLite, whose index is kept
    by triggers as notes are written)."""
    if connection.vendor != "postgresql":
        return 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM labeling_document WHERE corpus_id = %s AND search_vector IS NULL",
                       [corpus.pk])
        return cursor.fetchone()[0]


def index_corpus(corpus, guard=None, progress=None):
    """Fill the search vectors of the corpus's notes that have none, VECTOR_BATCH notes per statement on the
    writer threads' connections; `progress(share)` after each is handed over. The corpus is searchable
    throughout (notes without a vector are matched by their text)."""
    if connection.vendor != "postgresql":
        return
    total, done, after = max(pending(corpus), 1), 0, 0
    with BatchWriter(guard=guard, work=_fill_vectors) as writer, connection.cursor() as cursor:
        while True:
            cursor.execute(  # the next batch's first and last ids, read from the index of notes still waiting
                "SELECT min(id), max(id), count(*) FROM (SELECT id FROM labeling_document WHERE corpus_id = %s "
                "AND search_vector IS NULL AND id > %s ORDER BY id LIMIT %s) AS batch",
                [corpus.pk, after, VECTOR_BATCH])
            first, last, count = cursor.fetchone()
            if not count:
                break
            writer.write(corpus.pk, first, last)
            done, after = done + count, last
            if progress is not None:
                progress(min(1.0, done / total))
    with connection.cursor() as cursor:  # merge the index's new entries, which every search would read through
        cursor.execute("SELECT gin_clean_pending_list('document_search_vector'::regclass)")


# How first_matches chooses between reading documents in id order and the search index. Testing a note's
# stored vector costs about 3 µs. The index hands over every match, to fetch and sort, at about 2.5 µs each;
# for a phrase it hands over every note holding all its words, each fetched and tested again (about 9 µs),
# far more notes than match when the words are common.
PROBE_ROWS = 400  # documents tested in id order first
MAX_PROBE_ROWS = 5000  # reading on in id order stops here: words in fewer than 1 note in 70 go to the index
PHRASE_PROBE_ROWS = 2000  # a phrase's first test reads more, to tell a phrase in 1 note in 200 from a rarer one
MAX_PHRASE_PROBE_ROWS = 25000  # and phrases in fewer than 1 note in 300 go to the index
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
        return documents.extra(where=[_pg_match("labeling_document")], params=[text, text])
    query = _fts5_query(text)
    if not query:
        return documents.none()
    return documents.extra(
        where=["labeling_document.id IN (SELECT rowid FROM labeling_document_fts WHERE labeling_document_fts MATCH %s)"],
        params=[query],
    )


def _probe(documents, text, count, rows):
    """Ids of the first `count` matches among the next `rows` documents in id order (testing them in that order
    and stopping at the `count`th), and whether that settles the page: it is full, or those were all the
    documents there are."""
    last = documents.order_by("id").values_list("id", flat=True)[rows - 1:rows].first()
    within = documents if last is None else documents.filter(id__lte=last)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_bitmapscan = off")  # each note in id order, never the search index
        cursor.execute("SET LOCAL enable_seqscan = off")
        ids = list(matching(within, text).order_by("id").values_list("id", flat=True)[:count])
    return ids, len(ids) == count or last is None


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
    phrase = bool(_PHRASE.search(text))
    first, limit = (PHRASE_PROBE_ROWS, MAX_PHRASE_PROBE_ROWS) if phrase else (PROBE_ROWS, MAX_PROBE_ROWS)
    ids, complete = _probe(documents, text, count, first)
    needed = int(count * first / len(ids) * 1.5) if ids else None  # rows to read on for a page, by the probe
    if not complete and needed is not None and needed <= limit:
        ids, complete = _probe(documents, text, count, needed)
    if complete:
        return list(documents.filter(id__in=ids).order_by("id"))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")  # the search index (a bitmap), not the id index
        return list(matching(documents, text).order_by("id")[:count])
