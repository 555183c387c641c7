"""Snapshots and exports through the API (managers): make, list, read and download snapshots;
stream the labels as JSON Lines or CSV."""

from drf_spectacular.utils import OpenApiParameter, OpenApiTypes, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from .access import get_project, get_snapshot
from .api import PROJECT_PK
from .downloads import export_response, snapshot_file_response
from .models import Role
from .serializers import SnapshotCreateSerializer, SnapshotSerializer
from .services import exports, snapshots



@extend_schema(parameters=[PROJECT_PK])
class SnapshotList(APIView):
    """The project's snapshots, newest first; POST freezes the labels now (a `snapshot` job writes the file)."""

    @extend_schema(responses=SnapshotSerializer(many=True))
    def get(self, request, project_pk):
        project = get_project(request.user, project_pk, Role.MANAGER)
        return Response(SnapshotSerializer(project.snapshots.select_related("created_by"), many=True).data)

    @extend_schema(request=SnapshotCreateSerializer, responses={201: SnapshotSerializer})
    def post(self, request, project_pk):
        project = get_project(request.user, project_pk, Role.MANAGER)
        serializer = SnapshotCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            snapshot = snapshots.start_snapshot(request.user, project, **serializer.validated_data)
        except snapshots.SnapshotError as error:
            raise ValidationError({"detail": str(error)}) from None
        return Response(SnapshotSerializer(snapshot).data, status=status.HTTP_201_CREATED)


@extend_schema(parameters=[PROJECT_PK])
class SnapshotDetail(APIView):
    """One snapshot: status, sha256, counts per split and label, the rules that decided the labels."""

    @extend_schema(responses=SnapshotSerializer)
    def get(self, request, project_pk, pk):
        return Response(SnapshotSerializer(get_snapshot(request.user, project_pk, pk, Role.MANAGER)).data)


@extend_schema(parameters=[PROJECT_PK])
class SnapshotDownload(APIView):
    """The snapshot's Parquet file (404 until it is ready). Its sha256 is in the X-Content-SHA256 header."""

    @extend_schema(responses={(200, "application/vnd.apache.parquet"): OpenApiTypes.BINARY})
    def get(self, request, project_pk, pk):
        return snapshot_file_response(request.user, get_snapshot(request.user, project_pk, pk, Role.MANAGER))


@extend_schema(parameters=[
    PROJECT_PK,
    OpenApiParameter("format", str, enum=list(exports.FORMATS), description="File format."),
    OpenApiParameter("content", str, enum=list(exports.CONTENTS),
                     description="Every annotation, or each document's resolved labels."),
])
class LabelExport(APIView):
    """Stream the project's labels as JSON Lines or CSV (audited)."""

    @extend_schema(responses={(200, "application/x-ndjson"): OpenApiTypes.BINARY,
                              (200, "text/csv"): OpenApiTypes.BINARY})
    def get(self, request, project_pk):
        project = get_project(request.user, project_pk, Role.MANAGER)
        try:
            return export_response(request.user, project, request.query_params.get("format", "jsonl"),
                                   request.query_params.get("content", "annotations"))
        except exports.ExportError as error:
            raise ValidationError({"detail": str(error)}) from None
