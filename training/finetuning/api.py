"""Fine-tuning through the API (managers)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from labeling.api.base import ProjectAPIView

from ..registry.bases import base_choices
from . import service as finetuning
from .serializers import FinetuningDefaultsSerializer, FinetuningSerializer


class FinetuningDefaults(ProjectAPIView):
    """Every fine-tuning setting with its default, the bases to start from, and the settings only encoders read."""

    @extend_schema(responses=FinetuningDefaultsSerializer)
    def get(self, request, project_pk):
        return Response({"settings": finetuning.SETTINGS.describe(),
                         "bases": ["baseline", *(value for value, _label in base_choices(self.project))],
                         "encoder_settings": list(finetuning.ENCODER_SETTINGS)})


class FinetuningList(ProjectAPIView):
    """Fine-tuning runs; POST starts one: {"snapshot": id, ...settings}. An evaluation on the test split follows."""

    @extend_schema(responses=FinetuningSerializer(many=True))
    def get(self, request, project_pk):
        return Response(FinetuningSerializer(self.project.finetunings.all()[:100], many=True).data)

    @extend_schema(request=OpenApiTypes.OBJECT, responses={201: FinetuningSerializer})
    def post(self, request, project_pk):
        settings_ = dict(request.data)
        snapshot = self.project.snapshots.filter(pk=settings_.pop("snapshot", None) or 0).first()
        if snapshot is None:
            raise ValidationError({"snapshot": ["No such snapshot in this project."]})
        run = finetuning.start_finetuning(request.user, self.project, snapshot, settings_)
        return Response(FinetuningSerializer(run).data, status=status.HTTP_201_CREATED)
