"""Pretraining through the API (managers)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from labeling.api.base import ProjectAPIView
from studio.serializers import TrainingDefaultsSerializer

from ..registry.bases import base_choices
from . import config as configs
from .serializers import PretrainingSerializer
from .service import start_pretraining


class PretrainingDefaults(ProjectAPIView):
    """Every pretraining setting with its default, type and meaning, and the bases to continue from."""

    @extend_schema(responses=TrainingDefaultsSerializer)
    def get(self, request, project_pk):
        return Response({"settings": configs.SETTINGS.describe(),
                         "bases": [value for value, _label in base_choices(self.project)]})


class PretrainingList(ProjectAPIView):
    """The project's pretraining runs; POST starts one with a configuration (missing settings take defaults)."""

    @extend_schema(responses=PretrainingSerializer(many=True))
    def get(self, request, project_pk):
        return Response(PretrainingSerializer(self.project.pretrainings.all()[:100], many=True).data)

    @extend_schema(request=OpenApiTypes.OBJECT, responses={201: PretrainingSerializer})
    def post(self, request, project_pk):
        run = start_pretraining(request.user, self.project, request.data)
        return Response(PretrainingSerializer(run).data, status=status.HTTP_201_CREATED)
