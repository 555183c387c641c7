"""Models and pretraining through the API (managers)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from labeling.access import get_project
from labeling.api import PROJECT_PK
from labeling.models import Role

from . import settings_schema
from .access import get_version
from .downloads import version_zip_response
from .model_views import base_choices
from .pretraining import config as configs
from .pretraining.run import PretrainingError, start_pretraining
from .serializers import ModelVersionSerializer, PretrainingSerializer, RegisteredModelSerializer


@extend_schema(parameters=[PROJECT_PK])
class PretrainingDefaults(APIView):
    """Every pretraining setting with its default, type and meaning, and the bases to continue from."""

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request, project_pk):
        project = get_project(request.user, project_pk, Role.MANAGER)
        return Response({"settings": settings_schema.describe(configs.SETTINGS),
                         "bases": [value for value, _label in base_choices(project)]})


@extend_schema(parameters=[PROJECT_PK])
class PretrainingList(APIView):
    """The project's pretraining runs; POST starts one with a configuration (missing settings take defaults)."""

    @extend_schema(responses=PretrainingSerializer(many=True))
    def get(self, request, project_pk):
        project = get_project(request.user, project_pk, Role.MANAGER)
        return Response(PretrainingSerializer(project.pretrainings.all()[:100], many=True).data)

    @extend_schema(request=OpenApiTypes.OBJECT, responses={201: PretrainingSerializer})
    def post(self, request, project_pk):
        project = get_project(request.user, project_pk, Role.MANAGER)
        try:
            run = start_pretraining(request.user, project, request.data)
        except (PretrainingError, settings_schema.SettingsError) as error:
            raise ValidationError({"detail": str(error)}) from None
        return Response(PretrainingSerializer(run).data, status=status.HTTP_201_CREATED)


@extend_schema(parameters=[PROJECT_PK])
class ModelList(APIView):
    """The project's registered models with their versions."""

    @extend_schema(responses=RegisteredModelSerializer(many=True))
    def get(self, request, project_pk):
        project = get_project(request.user, project_pk, Role.MANAGER)
        return Response(RegisteredModelSerializer(project.registered_models.prefetch_related("versions"),
                                                  many=True).data)


@extend_schema(parameters=[PROJECT_PK])
class ModelVersionDetail(APIView):
    @extend_schema(responses=ModelVersionSerializer)
    def get(self, request, project_pk, pk):
        return Response(ModelVersionSerializer(get_version(request.user, project_pk, pk)).data)


@extend_schema(parameters=[PROJECT_PK])
class ModelVersionDownload(APIView):
    """The version's Hugging Face folder as a ZIP (config.json, model.safetensors, tokenizer files)."""

    @extend_schema(responses={(200, "application/zip"): OpenApiTypes.BINARY})
    def get(self, request, project_pk, pk):
        return version_zip_response(request.user, get_version(request.user, project_pk, pk))
