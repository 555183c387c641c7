"""Prediction jobs from a version's page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from labeling.access import get_corpus
from labeling.models import Role

from ..access import get_version
from .service import PredictError, start_prediction


@login_required
@require_POST
def predict_corpus(request, pk, version_pk):
    version = get_version(request.user, pk, version_pk)
    corpus_pk = request.POST.get("corpus", "")
    corpus = get_corpus(request.user, pk, int(corpus_pk) if corpus_pk.isdigit() else 0, Role.MANAGER)
    try:
        job = start_prediction(request.user, version.registered_model.project, version, corpus,
                               request.POST.get("measure", "least_confidence"), request.POST.get("explain") == "on")
    except PredictError as error:
        messages.error(request, str(error))
        return redirect("model-version", pk=pk, version_pk=version.pk)
    messages.success(request, f"Predicting {corpus.name} with {version}: annotators see the labels as "
                              "pre-selections once it finishes.")
    return redirect("job-detail", pk=job.pk)
