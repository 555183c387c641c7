"""Annotator pools: a manager sets a corpus, or the documents a filter picks in it, aside for
named annotators. Only they get those documents, and they get them before any other. Audited."""

from django.db import transaction

from studio import audit
from studio.errors import Refusal

from ..models import AnnotatorPool, Document, Membership
from . import browse, search


class PoolError(Refusal):
    """The pool cannot be made as asked; the message says why."""


def selected_documents(corpus, document_filter):
    """The corpus's documents the filter picks (all of them for an empty filter)."""
    documents = document_filter.apply(corpus.documents.all())
    if document_filter.query:
        documents = search.matching(documents, document_filter.query)
    return documents


@transaction.atomic
def create_pool(actor, project, *, name, annotators, corpus, document_filter=None):
    """A pool of the corpus's documents the filter picks, for these project members. A document
    already in another pool moves to this one."""
    name = (name or "").strip()
    if not name:
        raise PoolError("Give the pool a name.")
    if AnnotatorPool.objects.filter(project=project, name=name).exists():
        raise PoolError(f"This project has a pool named {name!r} already.")
    if corpus.project_id != project.pk:
        raise PoolError("That corpus is not this project's.")
    user_ids = sorted({int(user) for user in annotators})
    if not user_ids:
        raise PoolError("Name at least one annotator.")
    members = list(Membership.objects.filter(project=project, user_id__in=user_ids).select_related("user"))
    if len(members) != len(user_ids):
        raise PoolError("Some of these people are not members of the project.")
    document_filter = document_filter or browse.DocumentFilter()
    described = ", ".join(f"{key}={value}" for key, value in document_filter.as_params().items())
    pool = AnnotatorPool.objects.create(
        project=project, name=name, created_by=actor,
        description=f"{corpus.name}" + (f" where {described}" if described else ""),
    )
    pool.annotators.set([member.user for member in members])
    chosen = selected_documents(corpus, document_filter).values("id")
    pool.document_count = Document.objects.filter(id__in=chosen).update(pool=pool)
    pool.save(update_fields=["document_count"])
    audit.record(actor, "pool.create", pool, project_id=project.pk, name=name, corpus=corpus.pk,
                 filter=document_filter.as_params(), documents=pool.document_count,
                 annotators=[member.user.get_username() for member in members])
    return pool


@transaction.atomic
def delete_pool(actor, pool):
    """Lift the restriction: the pool's documents go to everyone again."""
    released = Document.objects.filter(pool=pool).update(pool=None)
    audit.record(actor, "pool.delete", pool, project_id=pool.project_id, name=pool.name, documents=released)
    pool.delete()
    return released
