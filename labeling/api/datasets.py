"""Snapshots and exports through the API (managers): make, list, read and download snapshots;
stream the labels as JSON Lines or CSV."""

from drf_spectacular.utils import OpenApiParameter, OpenApiTypes, extend_schema
from rest_framework import status
from rest_framework.response import Response

from ..access import get_snapshot
from ..downloads import export_response, snapshot_file_response
from ..models import Role
from ..serializers import SnapshotCreateSerializer, SnapshotSerializer
from ..services import exports, snapshots
from .base import PROJECT_PK, ProjectAPIView


class SnapshotList(ProjectAPIView):
    """The project's snapshots, newest first; POST freezes the labels now (a `snapshot` job writes the file)."""

    @extend_schema(responses=SnapshotSerializer(many=True))
    def get(self, request, project_pk):
        return Response(SnapshotSerializer(self.project.snapshots.select_related("created_by"), many=True).data)

    @extend_schema(request=SnapshotCreateSerializer, responses={201: SnapshotSerializer})
    def post(self, request, project_pk):
        data = self.validated(SnapshotCreateSerializer)
        snapshot = snapshots.start_snapshot(request.user, self.project, **data)
        return Response(SnapshotSerializer(snapshot).data, status=status.HTTP_201_CREATED)


class SnapshotDetail(ProjectAPIView):
    """One snapshot: status, sha256, counts per split and label, the rules that decided the labels."""

    @extend_schema(responses=SnapshotSerializer)
    def get(self, request, project_pk, pk):
        return Response(SnapshotSerializer(get_snapshot(request.user, self.project, pk, Role.MANAGER)).data)


class SnapshotDownload(ProjectAPIView):
    """The snapshot's Parquet file (404 until it is ready). Its sha256 is in the X-Content-SHA256 header."""

    @extend_schema(responses={(200, "application/vnd.apache.parquet"): OpenApiTypes.BINARY})
    def get(self, request, project_pk, pk):
        return snapshot_file_response(request.user, get_snapshot(request.user, self.project, pk, Role.MANAGER))


class SnapshotSpacyDownload(ProjectAPIView):
    """A snapshot with spans as spaCy's training files: a zip of train.spacy, dev.spacy and test.spacy (DocBin;
    spans in doc.spans["sc"] and doc.ents, document labels in doc.cats). 404 for a snapshot without spans."""

    @extend_schema(responses={(200, "application/zip"): OpenApiTypes.BINARY})
    def get(self, request, project_pk, pk):
        return snapshot_file_response(request.user, get_snapshot(request.user, self.project, pk, Role.MANAGER),
                                      spacy=True)


@extend_schema(parameters=[
    PROJECT_PK,
    OpenApiParameter("format", str, enum=list(exports.FORMATS), description="File format."),
    OpenApiParameter("content", str, enum=list(exports.CONTENTS),
                     description="Every annotation, or each document's resolved labels."),
])
class LabelExport(ProjectAPIView):
    """Stream the project's labels as JSON Lines or CSV (audited)."""

    query = ("format", "content")

    @extend_schema(responses={(200, "application/x-ndjson"): OpenApiTypes.BINARY,
                              (200, "text/csv"): OpenApiTypes.BINARY})
    def get(self, request, project_pk):
        return export_response(request.user, self.project, request.query_params.get("format", "jsonl"),
                               request.query_params.get("content", "annotations"))
