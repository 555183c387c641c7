"""A project's corpora: which of them are labeled (the queue), and removing a corpus's documents (with their
annotations, assignments and reviews) in a few statements."""

from django.db import connection, transaction
from django.db.models import Sum

from studio import audit
from studio.errors import Refusal

from ..models import Annotation, Assignment, Corpus, Document, Review, Span


class CorpusRoleError(Refusal):
    """A role the corpus cannot take; the message says why."""


def queued(project):
    """The project's ready corpora annotators label: the ones the queue hands out, the counts count and
    snapshots freeze unless the manager chooses others."""
    return project.corpora.filter(status=Corpus.Status.READY, role=Corpus.Role.QUEUE)


def queued_documents(project):
    """How many notes the queued corpora hold."""
    return queued(project).aggregate(total=Sum("document_count"))["total"] or 0


@transaction.atomic
def set_role(user, corpus, role):
    """Put a corpus in the labeling queue or keep it aside; audited."""
    if role not in Corpus.Role.values:
        raise CorpusRoleError(f"A corpus's role is one of {', '.join(Corpus.Role.values)}, not {role!r}.")
    if corpus.role == role:
        return corpus
    old, corpus.role = corpus.role, role
    corpus.save(update_fields=["role"])
    audit.record(user, "corpus.role", corpus, project_id=corpus.project_id, name=corpus.name, old=old, new=role)
    return corpus

# Django's delete() loads every document that annotations or repeats point at before deleting
# it; at a million documents that is a million objects in memory. These statements are what it
# would run, without the loading.
_DELETE_DOCUMENTS = [
    """DELETE FROM {spans} WHERE annotation_id IN (
           SELECT a.id FROM {annotations} a JOIN {documents} d ON d.id = a.document_id WHERE d.corpus_id = %s)""",
    """DELETE FROM {labels} WHERE annotation_id IN (
           SELECT a.id FROM {annotations} a JOIN {documents} d ON d.id = a.document_id WHERE d.corpus_id = %s)""",
    "DELETE FROM {annotations} WHERE document_id IN (SELECT id FROM {documents} WHERE corpus_id = %s)",
    """DELETE FROM {review_labels} WHERE review_id IN (
           SELECT r.id FROM {reviews} r JOIN {documents} d ON d.id = r.document_id WHERE d.corpus_id = %s)""",
    "DELETE FROM {reviews} WHERE document_id IN (SELECT id FROM {documents} WHERE corpus_id = %s)",
    "DELETE FROM {assignments} WHERE document_id IN (SELECT id FROM {documents} WHERE corpus_id = %s)",
    "UPDATE {documents} SET duplicate_of_id = NULL WHERE corpus_id = %s AND duplicate_of_id IS NOT NULL",
    "DELETE FROM {documents} WHERE corpus_id = %s",
]


@transaction.atomic
def delete_documents(corpus):
    tables = {"labels": Annotation.labels.through._meta.db_table, "annotations": Annotation._meta.db_table,
              "spans": Span._meta.db_table,
              "documents": Document._meta.db_table, "assignments": Assignment._meta.db_table,
              "reviews": Review._meta.db_table, "review_labels": Review.labels.through._meta.db_table}
    with connection.cursor() as cursor:
        for statement in _DELETE_DOCUMENTS:
            cursor.execute(statement.format(**tables), [corpus.pk])


@transaction.atomic
def delete_corpus(user, corpus):
    audit.record(user, "corpus.delete", corpus, project_id=corpus.project_id,
                 name=corpus.name, documents=corpus.document_count)
    delete_documents(corpus)
    corpus.delete()


@transaction.atomic
def delete_project_data(project):
    """A project and everything in it, its corpora's documents deleted as above (the benchmarks
    clean up with this)."""
    for corpus in project.corpora.order_by("-id"):  # derived corpora before their parents
        delete_documents(corpus)
        corpus.delete()
    project.delete()
