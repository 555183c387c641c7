"""Who gets which documents, through the API: annotator pools and model predictions (managers)."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from ..access import get_document, get_pool
from ..models import Role
from ..serializers import (
    PoolCreateSerializer,
    PoolSerializer,
    PredictionBatchSerializer,
    PredictionSerializer,
)
from ..services import browse, pools, predictions
from .base import ProjectAPIView


class PoolList(ProjectAPIView):
    """Annotator pools: documents only named annotators get (and get first). Managers."""

    @extend_schema(responses=PoolSerializer(many=True))
    def get(self, request, project_pk):
        return Response(PoolSerializer(self.project.pools.prefetch_related("annotators"), many=True).data)

    @extend_schema(request=PoolCreateSerializer, responses={201: PoolSerializer})
    def post(self, request, project_pk):
        data = self.validated(PoolCreateSerializer)
        corpus = self.project.corpora.filter(pk=data["corpus"]).first()
        if corpus is None:
            raise ValidationError({"corpus": ["No such corpus in this project."]})
        document_filter = browse.DocumentFilter.from_params(data["filter"], role_allows_labels=True)
        pool = pools.create_pool(request.user, self.project, name=data["name"], annotators=data["annotators"],
                                 corpus=corpus, document_filter=document_filter)
        return Response(PoolSerializer(pool).data, status=status.HTTP_201_CREATED)


class PoolDetail(ProjectAPIView):
    """Lift a pool's restriction: its documents go to every annotator again. Managers."""

    @extend_schema(responses={204: None})
    def delete(self, request, project_pk, pk):
        pools.delete_pool(request.user, get_pool(request.user, self.project, pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class PredictionList(ProjectAPIView):
    """Record a model's predictions (managers): annotators see them pre-selected, and a project whose
    task order is by uncertainty hands out the least certain first."""

    @extend_schema(request=PredictionBatchSerializer, responses={201: inline_serializer(
        "PredictionsStored", {"stored": serializers.IntegerField(help_text="How many predictions were recorded.")})})
    def post(self, request, project_pk):
        data = self.validated(PredictionBatchSerializer)
        stored = predictions.record(self.project, data["model_version"],
                                    data["predictions"])
        return Response({"stored": stored}, status=status.HTTP_201_CREATED)


class DocumentPredictions(ProjectAPIView):
    """The models' predictions for a document, newest first (any member: annotators see them pre-selected)."""

    minimum_role = Role.ANNOTATOR

    @extend_schema(responses=PredictionSerializer(many=True))
    def get(self, request, project_pk, pk):
        document = get_document(request.user, self.project, pk)
        return Response(PredictionSerializer(document.predictions.prefetch_related("labels"), many=True).data)
