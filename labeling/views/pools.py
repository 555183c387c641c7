"""Annotator pools in the browser: a manager sets the documents a corpus filter shows aside for
named annotators (from the corpus page), and lifts that again (from the members page)."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from ..access import get_corpus, get_pool
from ..models import Role
from ..services import browse, pools


@login_required
@require_POST
def pool_create(request, pk, corpus_pk):
    corpus = get_corpus(request.user, pk, corpus_pk, Role.MANAGER)
    back = reverse("corpus-detail", args=[pk, corpus.pk])
    try:
        document_filter = browse.DocumentFilter.from_params(request.POST, role_allows_labels=True)
    except browse.FilterError as error:
        messages.error(request, str(error))
        return redirect(back)
    annotators = [value for value in request.POST.getlist("annotators") if value.isdigit()]
    try:
        pool = pools.create_pool(request.user, corpus.project, name=request.POST.get("name", ""),
                                 annotators=annotators, corpus=corpus, document_filter=document_filter)
    except pools.PoolError as error:
        messages.error(request, str(error))
        params = urlencode(document_filter.as_params())
        return redirect(f"{back}?{params}" if params else back)
    messages.success(request, f"{pool.document_count} documents are now only for "
                              f"{', '.join(user.get_username() for user in pool.annotators.all())}.")
    return redirect("member-list", pk=pk)


@login_required
@require_POST
def pool_delete(request, pk, pool_pk):
    pool = get_pool(request.user, pk, pool_pk)
    released = pools.delete_pool(request.user, pool)
    messages.success(request, f"Pool {pool.name!r} removed: its {released} documents go to every annotator again.")
    return redirect("member-list", pk=pk)
