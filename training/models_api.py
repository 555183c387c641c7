"""Models, pretraining, fine-tuning and evaluation through the API (managers)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from labeling.access import get_project
from labeling.api import PROJECT_PK
from labeling.models import Role

from . import settings_schema
from .access import get_report, get_version
from .downloads import version_zip_response
from .evaluation.compare import ComparisonError, compare
from .finetuning import run as finetuning
from .model_views import base_choices
from .pretraining import config as configs
from .pretraining.run import PretrainingError, start_pretraining
from .serializers import (
    EvaluateSerializer,
    EvaluationSerializer,
    FinetuningSerializer,
    ModelVersionSerializer,
    PretrainingSerializer,
    RegisteredModelSerializer,
)


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
        return Response(RegisteredModelSerializer(
            project.registered_models.prefetch_related("versions__aliases", "aliases"), many=True).data)


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


@extend_schema(parameters=[PROJECT_PK])
class FinetuningDefaults(APIView):
    """Every fine-tuning setting with its default, and the bases to start from."""

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request, project_pk):
        project = get_project(request.user, project_pk, Role.MANAGER)
        return Response({"settings": settings_schema.describe(finetuning.SETTINGS),
                         "bases": ["baseline", *(value for value, _label in base_choices(project))]})


@extend_schema(parameters=[PROJECT_PK])
class FinetuningList(APIView):
    """Fine-tuning runs; POST starts one: {"snapshot": id, ...settings}. An evaluation on the test split follows."""

    @extend_schema(responses=FinetuningSerializer(many=True))
    def get(self, request, project_pk):
        project = get_project(request.user, project_pk, Role.MANAGER)
        return Response(FinetuningSerializer(project.finetunings.all()[:100], many=True).data)

    @extend_schema(request=OpenApiTypes.OBJECT, responses={201: FinetuningSerializer})
    def post(self, request, project_pk):
        project = get_project(request.user, project_pk, Role.MANAGER)
        settings_ = dict(request.data)
        snapshot = project.snapshots.filter(pk=settings_.pop("snapshot", None) or 0).first()
        if snapshot is None:
            raise ValidationError({"snapshot": ["No such snapshot in this project."]})
        try:
            run = finetuning.start_finetuning(request.user, project, snapshot, settings_)
        except (finetuning.FinetuneError, settings_schema.SettingsError) as error:
            raise ValidationError({"detail": str(error)}) from None
        return Response(FinetuningSerializer(run).data, status=status.HTTP_201_CREATED)


@extend_schema(parameters=[PROJECT_PK])
class EvaluationList(APIView):
    """Start an evaluation of a classifier on a snapshot's test split (refused when their labels differ)."""

    @extend_schema(request=EvaluateSerializer, responses={201: EvaluationSerializer})
    def post(self, request, project_pk):
        project = get_project(request.user, project_pk, Role.MANAGER)
        serializer = EvaluateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        version = get_version(request.user, project_pk, serializer.validated_data["model_version"])
        snapshot = project.snapshots.filter(pk=serializer.validated_data["snapshot"]).first()
        if snapshot is None:
            raise ValidationError({"snapshot": ["No such snapshot in this project."]})
        try:
            report = finetuning.start_evaluation(request.user, project, version, snapshot)
        except finetuning.FinetuneError as error:
            raise ValidationError({"detail": str(error)}) from None
        return Response(EvaluationSerializer(report).data, status=status.HTTP_201_CREATED)


@extend_schema(parameters=[PROJECT_PK])
class EvaluationDetail(APIView):
    """An evaluation report: every figure, and the misclassified documents with their scores."""

    @extend_schema(responses=EvaluationSerializer)
    def get(self, request, project_pk, pk):
        return Response(EvaluationSerializer(get_report(request.user, project_pk, pk)).data)


@extend_schema(parameters=[PROJECT_PK, OpenApiParameter("report", int, many=True,
                                                        description="Two or more report ids on one snapshot split.")])
class EvaluationComparison(APIView):
    """Reports side by side: each metric with its delta against the first, and paired bootstrap tests."""

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request, project_pk):
        get_project(request.user, project_pk, Role.MANAGER)
        ids = [int(value) for value in request.query_params.getlist("report") if value.isdigit()]
        reports = [get_report(request.user, project_pk, pk) for pk in dict.fromkeys(ids)]
        try:
            found = compare(reports)
        except ComparisonError as error:
            raise ValidationError({"detail": str(error)}) from None
        return Response({"reports": [report.pk for report in reports],
                         "metrics": [{key: row[key] for key in ("metric", "values", "deltas")} for row in found["table"]],
                         "tests": found["tests"]})
