"""Uploads, corpora and documents through the API. Imports run as jobs; poll /api/jobs/{id}/."""

from django.conf import settings
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status, viewsets
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from studio import audit
from studio.serializers import JobSerializer

from . import upload_handlers
from .access import get_corpus, get_document, get_project, get_upload
from .importing.sources import ImportFileError
from .models import Corpus, Role
from .serializers import (
    CorpusSerializer,
    DocumentSerializer,
    ImportStartSerializer,
    PreviewSerializer,
    UploadCreateSerializer,
    UploadSerializer,
)
from .services import imports, search

PROJECT_PK = OpenApiParameter("project_pk", int, OpenApiParameter.PATH, description="The project's id.")


class UploadTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "upload_too_large"


def _preview(upload, kind=None):
    try:
        found = imports.preview(upload, kind)
    except ImportFileError as error:
        raise ValidationError({"detail": str(error)}) from error
    return {**found, "suggested": imports.suggested_mapping(found["columns"])}


@extend_schema(parameters=[PROJECT_PK])
class UploadView(APIView):
    """Upload a file (multipart, field `file`) to import; answers with a preview for the column mapping. Managers."""

    parser_classes = [MultiPartParser]

    @extend_schema(request=UploadCreateSerializer, responses={201: UploadSerializer})
    def post(self, request, project_pk):
        project = get_project(request.user, project_pk, Role.MANAGER)
        incoming = request.data.get("file")
        if upload_handlers.too_large(request._request):
            raise UploadTooLarge(
                f"The file is larger than the upload limit of {settings.STUDIO_MAX_UPLOAD_BYTES:,} bytes; "
                "split it, or ask an admin to raise STUDIO_MAX_UPLOAD_BYTES."
            )
        if incoming is None:
            raise ValidationError({"file": ["Attach the file to import as the multipart field 'file'."]})
        try:
            upload = imports.store_upload(request.user, project, incoming.name, incoming.chunks())
        except imports.UploadTooLarge as error:
            raise UploadTooLarge(str(error)) from error
        except ImportFileError as error:
            raise ValidationError({"file": [str(error)]}) from error
        return Response({**UploadSerializer(upload).data, "preview": _preview(upload)}, status=status.HTTP_201_CREATED)


@extend_schema(parameters=[PROJECT_PK, OpenApiParameter("format", str, description="Read the file as this format.")])
class UploadPreviewView(APIView):
    """The first rows of an upload read as a format, for the column mapping. Managers."""

    @extend_schema(responses=PreviewSerializer)
    def get(self, request, project_pk, pk):
        upload = get_upload(request.user, project_pk, pk)
        return Response(_preview(upload, request.query_params.get("format") or None))


@extend_schema(parameters=[PROJECT_PK])
class CorpusViewSet(viewsets.GenericViewSet):
    """A project's corpora. Members read; managers import (POST) and delete."""

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
        try:
            corpus, job = imports.start_import(request.user, upload, **data)
        except ImportFileError as error:
            raise ValidationError({"detail": str(error)}) from error
        return Response({"corpus": CorpusSerializer(corpus).data, "job": JobSerializer(job).data}, status=status.HTTP_201_CREATED)

    def destroy(self, request, project_pk, pk):
        corpus = get_corpus(request.user, project_pk, pk, Role.MANAGER)
        if corpus.derived.exists():
            raise ValidationError({"detail": "Corpora were derived from this one (cleaned versions); delete them first."})
        audit.record(request.user, "corpus.delete", corpus, project_id=corpus.project_id,
                     name=corpus.name, documents=corpus.document_count)
        corpus.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(parameters=[
    PROJECT_PK,
    OpenApiParameter("after", int, description="Documents with an id after this one (keyset pagination)."),
    OpenApiParameter("limit", int, description="At most this many (default 50, at most 500)."),
    OpenApiParameter("split", str, description="Only documents of this split."),
    OpenApiParameter("q", str, description="Only documents whose text has all these words (full-text search)."),
])
class DocumentList(APIView):
    """A corpus's documents in id order, a page at a time: pass `next_after` back as `after`. Members."""

    @extend_schema(responses=DocumentSerializer(many=True))
    def get(self, request, project_pk, corpus_pk):
        corpus = get_corpus(request.user, project_pk, corpus_pk)
        params = request.query_params
        try:
            after = int(params.get("after", 0))
            limit = min(max(int(params.get("limit", 50)), 1), 500)
        except ValueError:
            raise ValidationError({"detail": "after and limit must be whole numbers."}) from None
        documents = search.matching(corpus.documents.filter(id__gt=after), params.get("q", "")[:200]).order_by("id")
        if params.get("split") is not None:
            documents = documents.filter(split=params["split"])
        page = list(documents[: limit + 1])
        more = len(page) > limit
        page = page[:limit]
        return Response({
            "results": DocumentSerializer(page, many=True).data,
            "next_after": page[-1].pk if more else None,
        })


@extend_schema(parameters=[PROJECT_PK])
class DocumentDetail(APIView):
    """One document. Members."""

    @extend_schema(responses=DocumentSerializer)
    def get(self, request, project_pk, pk):
        return Response(DocumentSerializer(get_document(request.user, project_pk, pk)).data)
