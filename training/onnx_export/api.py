"""ONNX exports through the API."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from labeling.access import one_of
from labeling.api.base import ProjectAPIView
from labeling.models import Role

from ..models import ModelVersion
from .service import PRECISIONS, start_export


class ExportRequestSerializer(serializers.Serializer):
    precisions = serializers.ListField(child=serializers.ChoiceField(choices=PRECISIONS), required=False,
                                       default=list(PRECISIONS), min_length=1,
                                       help_text="fp32 (ONNX as trained), int8 (weights quantised), or both.")


class ExportStarted(serializers.Serializer):
    job = serializers.IntegerField()


class OnnxExport(ProjectAPIView):
    """Export an encoder classifier version to ONNX for CPU serving without torch (managers): an `onnx_export` job
    registers one new version of the same model per precision and evaluates each."""

    minimum_role = Role.MANAGER

    @extend_schema(request=ExportRequestSerializer, responses={201: ExportStarted})
    def post(self, request, project_pk, pk):
        data = self.validated(ExportRequestSerializer)
        version = one_of(ModelVersion.objects.select_related("registered_model").filter(
            registered_model__project=self.project), pk, "model version")
        job = start_export(request.user, self.project, version, data["precisions"])
        return Response({"job": job.pk}, status=status.HTTP_201_CREATED)
