"""Uploads, corpora and documents through the API. Imports run as jobs; poll /api/jobs/{id}/."""

from django.conf import settings
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status, viewsets
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from studio.serializers import JobSerializer

from .. import upload_handlers
from ..access import get_corpus, get_document, get_project, get_upload
from ..importing.sources import ImportFileError
from ..models import Corpus, Role
from ..serializers import (
    CorpusRoleSerializer,
    CorpusSerializer,
    DocumentSerializer,
    ImportStartSerializer,
    PreviewSerializer,
    ServerFileSerializer,
    UploadCreateSerializer,
    UploadSerializer,
)
from ..services import browse, corpora, imports, uploads
from .base import ProjectAPIView


class UploadView(ProjectAPIView):
    """Upload a file (multipart, field `file`) to import; answers with a preview for the column mapping. Managers."""

    parser_classes = [MultiPartParser]

    @extend_schema(request=UploadCreateSerializer, responses={201: UploadSerializer})
    def post(self, request, project_pk):
        incoming = request.data.get("file")
        if upload_handlers.too_large(request._request):
            raise uploads.UploadTooLarge(
                f"The file is larger than the upload limit of {settings.STUDIO_MAX_UPLOAD_BYTES:,} bytes; "
                "split it, or ask an admin to raise STUDIO_MAX_UPLOAD_BYTES."
            )
        if incoming is None:
            raise ValidationError({"file": ["Attach the file to import as the multipart field 'file'."]})
        try:
            upload = uploads.store_upload(request.user, self.project, incoming.name, incoming.chunks())
        except ImportFileError as error:
            raise ValidationError({"file": [str(error)]}) from error
        return Response({**UploadSerializer(upload).data, "preview": imports.preview(upload)}, status=status.HTTP_201_CREATED)


class ServerFileView(ProjectAPIView):
    """Import a file already on the server, read in place (for files too big for a browser). Admins.

    The path must lie in one of the server import folders (STUDIO_SERVER_IMPORT_DIRS); answers like an upload."""

    @extend_schema(request=ServerFileSerializer, responses={201: UploadSerializer})
    def post(self, request, project_pk):
        if not request.user.is_superuser:
            raise PermissionDenied("Only admins may import files from the server.")
        data = self.validated(ServerFileSerializer)
        try:
            upload = uploads.register_server_file(request.user, self.project, data["path"])
        except ImportFileError as error:
            raise ValidationError({"path": [str(error)]}) from error
        return Response({**UploadSerializer(upload).data, "preview": imports.preview(upload)}, status=status.HTTP_201_CREATED)


@extend_schema(parameters=[OpenApiParameter("format", str, description="Read the file as this format.")])
class UploadPreviewView(ProjectAPIView):
    """The first rows of an upload read as a format, for the column mapping. Managers."""

    query = ("format",)

    @extend_schema(responses=PreviewSerializer)
    def get(self, request, project_pk, pk):
        upload = get_upload(request.user, self.project, pk)
        return Response(imports.preview(upload, request.query_params.get("format") or None))


@extend_schema(parameters=[])
class CorpusViewSet(viewsets.GenericViewSet):
    """A project's corpora. Members read; managers import (POST), change the role (PATCH) and delete."""

    serializer_class = CorpusSerializer
    queryset = Corpus.objects.none()

    def list(self, request, project_pk):
        project = get_project(request.user, project_pk)
        page = self.paginate_queryset(project.corpora.all())
        return self.get_paginated_response(CorpusSerializer(page, many=True).data)

    def retrieve(self, request, project_pk, pk):
        return Response(CorpusSerializer(get_corpus(request.user, project_pk, pk)).data)

    @extend_schema(request=ImportStartSerializer, responses={201: JobSerializer})
    def create(self, request, project_pk):
        """Import an upload into a new corpus; answers with the import job."""
        serializer = ImportStartSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        upload = get_upload(request.user, project_pk, data.pop("upload"))
        if not data.pop("allow_short_text"):
            try:
                imports.check_text_column(upload, data["format"], data["text_field"])
            except ImportFileError as error:
                raise ValidationError({"text_field": [str(error)]}) from error
        corpus, job = imports.start_import(request.user, upload, **data)
        return Response({"corpus": CorpusSerializer(corpus).data, "job": JobSerializer(job).data}, status=status.HTTP_201_CREATED)

    @extend_schema(request=CorpusRoleSerializer, responses=CorpusSerializer)
    def partial_update(self, request, project_pk, pk):
        """Put the corpus in the labeling queue or keep it aside (managers)."""
        corpus = get_corpus(request.user, project_pk, pk, Role.MANAGER)
        serializer = CorpusRoleSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        corpora.set_role(request.user, corpus, serializer.validated_data["role"])
        return Response(CorpusSerializer(corpus).data)

    def destroy(self, request, project_pk, pk):
        corpus = get_corpus(request.user, project_pk, pk, Role.MANAGER)
        if corpus.derived.exists():
            raise ValidationError({"detail": "Corpora were derived from this one (cleaned versions); delete them first."})
        corpora.delete_corpus(request.user, corpus)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(parameters=[
    OpenApiParameter("after", int, description="Documents with an id after this one (keyset pagination)."),
    OpenApiParameter("limit", int, description="At most this many (default 50, at most 500)."),
    OpenApiParameter("q", str, description="Only documents whose text has all these words (full-text search)."),
    OpenApiParameter("split", str, description="Only documents of this split ('' for unassigned)."),
    OpenApiParameter("duplicates", str, description="yes: only notes repeating an earlier one; no: none of those."),
    OpenApiParameter("labeled", str, description="yes or no: documents with or without annotations. Reviewers."),
    OpenApiParameter("label", int, description="Only documents some annotation gave this label id. Reviewers."),
    OpenApiParameter("annotator", str, description="A user id, or 'imported' for labels from the file. Reviewers."),
])
class DocumentList(ProjectAPIView):
    """A corpus's documents in id order, a page at a time: pass `next_after` back as `after`. Members."""

    query = ("after", "limit", "q", "split", "duplicates", "labeled", "label", "annotator")
    minimum_role = Role.ANNOTATOR

    @extend_schema(responses=DocumentSerializer(many=True))
    def get(self, request, project_pk, corpus_pk):
        corpus = get_corpus(request.user, self.project, corpus_pk)
        params = request.query_params
        document_filter = browse.DocumentFilter.from_params(
            params, browse.may_filter_labels(request.user, corpus.project))
        after = browse.whole_number(params, "after") or 0
        limit = min(max(browse.whole_number(params, "limit") or 50, 1), 500)
        page, next_after = browse.page(corpus, document_filter, after, limit)
        return Response({"results": DocumentSerializer(page, many=True).data, "next_after": next_after})


class DocumentDetail(ProjectAPIView):
    """One document. Members."""

    minimum_role = Role.ANNOTATOR

    @extend_schema(responses=DocumentSerializer)
    def get(self, request, project_pk, pk):
        return Response(DocumentSerializer(get_document(request.user, self.project, pk)).data)
