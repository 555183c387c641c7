"""Serving through the API: the predict endpoint services call with a token, and prediction
jobs over a corpus."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from labeling.access import get_corpus
from labeling.api.base import ProjectAPIView
from labeling.models import Role
from studio.serializers import JobSerializer

from ..access import get_version
from . import service as serving
from .serializers import PredictJobSerializer, PredictRequestSerializer, PredictResponseSerializer
from .service import start_prediction


class PredictCorpus(ProjectAPIView):
    """Start a prediction job: this classifier labels and scores every document of a corpus, shown
    to annotators as pre-selections and ordering the queue by uncertainty."""

    @extend_schema(request=PredictJobSerializer, responses={201: JobSerializer})
    def post(self, request, project_pk, pk):
        version = get_version(request.user, self.project, pk)
        data = self.validated(PredictJobSerializer)
        corpus = get_corpus(request.user, self.project, data["corpus"], Role.MANAGER)
        job = start_prediction(request.user, version.registered_model.project, version, corpus,
                               data["measure"], data["explain"])
        return Response(JobSerializer(job).data, status=status.HTTP_201_CREATED)


class Predict(ProjectAPIView):
    """Labels and scores for one or many texts from the production classifier (or a named model or
    version). Any member, or a service's token whose user is a member."""

    minimum_role = Role.ANNOTATOR

    @extend_schema(request=PredictRequestSerializer, responses=PredictResponseSerializer)
    def post(self, request, project_pk):
        data = self.validated(PredictRequestSerializer)
        texts = data.get("texts", data.get("text"))
        return Response(serving.predict(self.project, texts, data.get("model"), data.get("version"),
                                        explain=data["explain"]))
