"""Full-text search latency in the document browser at 100,000 and 1,000,000 notes.

Builds a corpus of notes made of sentences from the medical abstracts (real clinical vocabulary, so
words are as unevenly common as in notes), written straight into the configured database (PostgreSQL
for the figures that matter: DATABASE_URL=postgres://...). Picks from the notes themselves a rare word,
a word in about a tenth of them, a common word (about half), a phrase and two common words that
rarely stand together, then times the corpus page's search (first page and the page after it) through
the real view code, and prints p50/p95 for each. Target on a 2-core machine: p95 ≤ 50 ms at 1M.

    .venv/bin/python benchmarks/search_bench.py [--sizes 100000,1000000] [--repeats 30]

It deletes its project afterwards.
"""

import argparse
import collections
import random
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _studio import read_abstracts  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Max  # noqa: E402

from labeling.models import Corpus, Document, Project  # noqa: E402
from labeling.services import browse, corpora, search  # noqa: E402
from labeling.services.document_writer import insert_documents  # noqa: E402
from labeling.services.imports import refresh_statistics  # noqa: E402

WORD = re.compile(r"[a-z]{4,}")


def sentences():
    found = []
    for row in read_abstracts():
        found += [part.strip() + "." for part in row["medical_abstract"].split(". ") if len(part) > 20]
    return found


def notes(pool, count, seed=11):
    """`count` notes of 2–6 sentences (about 500 characters)."""
    rng = random.Random(seed)
    for _ in range(count):
        yield " ".join(rng.choice(pool) for _ in range(rng.randint(2, 6)))[:4000]


def build(project, count, pool):
    corpus = Corpus.objects.create(project=project, name=f"{count:,} notes", status=Corpus.Status.IMPORTING)
    floor = (Document.objects.aggregate(last=Max("id"))["last"] or 0) + 1
    batch = []
    for index, text in enumerate(notes(pool, count)):
        batch.append((corpus.pk, f"n{index}", text, "{}", f"{index:064x}", len(text), ""))
        if len(batch) == 20_000:
            insert_documents(batch)
            batch = []
    insert_documents(batch)
    Corpus.objects.filter(pk=corpus.pk).update(status=Corpus.Status.READY, document_count=count, id_floor=floor,
                                               id_ceiling=Document.objects.aggregate(last=Max("id"))["last"])
    search.index_corpus(corpus)  # as the import job does once the corpus is ready
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM labeling_document")
    refresh_statistics()
    corpus.refresh_from_db()
    return corpus


def searchable(words):
    """Of these words, those the search does not drop as too common to mean anything ("were", "these")."""
    if connection.vendor != "postgresql":
        return set(words)
    with connection.cursor() as cursor:
        cursor.execute("SELECT word FROM unnest(%s::text[]) AS word WHERE to_tsvector('english', word) <> ''",
                       [list(words)])
        return {row[0] for row in cursor.fetchall()}


def queries(pool, sample=5000):
    """Words and phrases chosen by how many of a sample of notes hold them."""
    texts = [text.lower() for text in notes(pool, sample)]
    frequency = collections.Counter(word for text in texts for word in set(WORD.findall(text)))
    kept = searchable(frequency)
    frequency = collections.Counter({word: n for word, n in frequency.items() if word in kept})
    pairs = collections.Counter(pair for text in texts for pair in set(zip(WORD.findall(text), WORD.findall(text)[1:]))
                                if pair[0] in kept and pair[1] in kept)

    def near(share, within=frequency):
        return min(within, key=lambda item: abs(within[item] / sample - share))

    common = near(0.5)
    tenth = near(0.1)
    rare = near(1 / 4000)
    phrase = " ".join(near(0.01, pairs))
    apart = max(((first, second) for first in frequency for second in frequency
                 if first < second and 0.1 < frequency[first] / sample < 0.4 and 0.1 < frequency[second] / sample < 0.4),
                key=lambda pair: min(frequency[pair[0]], frequency[pair[1]]) - 1000 * pairs[pair] - 1000 * pairs[pair[::-1]])
    return {f"rare word ({rare})": rare, f"word in a tenth ({tenth})": tenth, f"common word ({common})": common,
            f'phrase ("{phrase}")': f'"{phrase}"', f'common words apart ("{" ".join(apart)}")': f'"{" ".join(apart)}"',
            "no match (qzxvortil)": "qzxvortil"}


def timed(corpus, text, repeats):
    """p50/p95 ms of the first page and of the next one, and the matches on the first page."""
    first, second = [], []
    shown = 0
    for _ in range(repeats):
        started = time.perf_counter()
        found, after = browse.page(corpus, browse.DocumentFilter(query=text))
        first.append(time.perf_counter() - started)
        shown = len(found)
        if after is not None:
            started = time.perf_counter()
            browse.page(corpus, browse.DocumentFilter(query=text), after=after)
            second.append(time.perf_counter() - started)
    return summary(first), summary(second) if second else "–", shown


def summary(timings):
    timings = sorted(timings)
    return f"p50 {timings[len(timings) // 2] * 1000:5.1f} ms, p95 {timings[int(0.95 * (len(timings) - 1))] * 1000:5.1f} ms"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()
    pool = sentences()
    cases = queries(pool)
    project = Project.objects.create(name="search benchmark")
    try:
        for size in (int(size) for size in args.sizes.split(",")):
            started = time.monotonic()
            corpus = build(project, size, pool)
            print(f"database: {connection.vendor}; {size:,} notes written in {time.monotonic() - started:.0f} s")
            for label, text in cases.items():
                first, second, shown = timed(corpus, text, args.repeats)
                print(f"  {label:<48} first page {first}; next page {second}; {shown} on the first page")
            corpora.delete_documents(corpus)
    finally:
        corpora.delete_project_data(project)


if __name__ == "__main__":
    main()
