"""The registry through the API: promotion (admins), proposals (managers), rollback, the alias
history, prediction jobs over a corpus, and the predict endpoint services call with a token."""

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from labeling.access import get_corpus, get_project, one_of
from labeling.api import PROJECT_PK
from labeling.models import Role
from studio.serializers import JobSerializer

from . import retraining, serving
from .models import RetrainPolicy
from .access import get_version
from .predict_job import PredictError, start_prediction
from .registry import aliases
from .serializers import (
    AliasChangeSerializer,
    AliasMoveSerializer,
    PredictJobSerializer,
    PredictRequestSerializer,
    RetrainPolicySerializer,
)


def case_summary(case):
    """A promotion case (see registry.aliases.promotion_case) as JSON."""
    comparison = case["comparison"]
    return {
        "candidate": case["candidate"].pk, "production": case["production"].pk if case["production"] else None,
        "gold_snapshot": case["snapshot"].pk if case["snapshot"] else None,
        "candidate_report": case["candidate_report"].pk if case["candidate_report"] else None,
        "production_report": case["production_report"].pk if case["production_report"] else None,
        "problems": case["problems"], "worse": case["worse"], "primary_metric": aliases.PRIMARY_METRIC,
        "delta": case["delta"],
        "metrics": [{key: row[key] for key in ("metric", "values", "deltas")} for row in comparison["table"]]
        if comparison else [],
        "test": comparison["tests"][1] if comparison else None,
    }


@extend_schema(parameters=[PROJECT_PK])
class PromotionCase(APIView):
    """What promoting this version would mean: its gold evaluation against production's, the deltas,
    the paired test, and what stands in the way."""

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request, project_pk, pk):
        return Response(case_summary(aliases.promotion_case(get_version(request.user, project_pk, pk))))


@extend_schema(parameters=[PROJECT_PK])
class AliasMove(APIView):
    """Move an alias to this version: production (admins; needs a gold evaluation, a reason when the
    version is worse than production; the files' sha256 is checked) or staging (managers propose)."""

    @extend_schema(request=AliasMoveSerializer, responses={201: AliasChangeSerializer})
    def post(self, request, project_pk, pk):
        version = get_version(request.user, project_pk, pk)
        serializer = AliasMoveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        move = aliases.promote if serializer.validated_data["alias"] == "production" else aliases.propose
        try:
            change = move(request.user, version, serializer.validated_data["reason"])
        except aliases.PromotionError as error:
            raise ValidationError({"detail": str(error)}) from None
        return Response(AliasChangeSerializer(change).data, status=status.HTTP_201_CREATED)


@extend_schema(parameters=[PROJECT_PK])
class Rollback(APIView):
    """Production back to the version that held it before (admins), in one action."""

    @extend_schema(request=AliasMoveSerializer, responses={201: AliasChangeSerializer})
    def post(self, request, project_pk, pk):
        project = get_project(request.user, project_pk, Role.MANAGER)
        registered = one_of(project.registered_models.all(), pk, "registered model")
        try:
            change = aliases.rollback(request.user, registered, str(request.data.get("reason", ""))[:2000])
        except aliases.PromotionError as error:
            raise ValidationError({"detail": str(error)}) from None
        return Response(AliasChangeSerializer(change).data, status=status.HTTP_201_CREATED)


@extend_schema(parameters=[PROJECT_PK])
class AliasHistory(APIView):
    """Which version held which alias when, moved by whom and why, newest first."""

    @extend_schema(responses=AliasChangeSerializer(many=True))
    def get(self, request, project_pk, pk):
        project = get_project(request.user, project_pk, Role.MANAGER)
        registered = one_of(project.registered_models.all(), pk, "registered model")
        changes = registered.alias_changes.select_related("registered_model", "version", "previous", "actor")
        return Response(AliasChangeSerializer(changes[:200], many=True).data)


@extend_schema(parameters=[PROJECT_PK])
class PredictCorpus(APIView):
    """Start a prediction job: this classifier labels and scores every document of a corpus, shown
    to annotators as pre-selections and ordering the queue by uncertainty."""

    @extend_schema(request=PredictJobSerializer, responses={201: JobSerializer})
    def post(self, request, project_pk, pk):
        version = get_version(request.user, project_pk, pk)
        serializer = PredictJobSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        corpus = get_corpus(request.user, project_pk, serializer.validated_data["corpus"], Role.MANAGER)
        try:
            job = start_prediction(request.user, version.registered_model.project, version, corpus,
                                   serializer.validated_data["measure"])
        except PredictError as error:
            raise ValidationError({"detail": str(error)}) from None
        return Response(JobSerializer(job).data, status=status.HTTP_201_CREATED)


@extend_schema(parameters=[PROJECT_PK])
class Predict(APIView):
    """Labels and scores for one or many texts from the production classifier (or a named model or
    version). Any member, or a service's token whose user is a member."""

    @extend_schema(request=PredictRequestSerializer, responses=OpenApiTypes.OBJECT)
    def post(self, request, project_pk):
        project = get_project(request.user, project_pk)
        serializer = PredictRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        texts = data.get("texts", data.get("text"))
        try:
            return Response(serving.predict(project, texts, data.get("model"), data.get("version")))
        except serving.ServingError as error:
            return Response({"detail": str(error)}, status=error.status)



@extend_schema(parameters=[PROJECT_PK])
class RetrainPolicyDetail(APIView):
    """The project's “retrain the baseline every N new labels” order (404 until one is set); PUT
    sets it; POST …/run/ starts a retraining now."""

    @extend_schema(responses=RetrainPolicySerializer)
    def get(self, request, project_pk):
        project = get_project(request.user, project_pk, Role.MANAGER)
        policy = RetrainPolicy.objects.filter(project=project).first()
        if policy is None:
            raise Http404("No retraining order in this project.")
        return Response(RetrainPolicySerializer(policy).data)

    @extend_schema(request=RetrainPolicySerializer, responses=RetrainPolicySerializer)
    def put(self, request, project_pk):
        project = get_project(request.user, project_pk, Role.MANAGER)
        current = RetrainPolicy.objects.filter(project=project).first() or RetrainPolicy()  # defaults
        serializer = RetrainPolicySerializer(current if current.pk else None, data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = {name: serializer.validated_data.get(name, getattr(current, name))
                  for name in ("every", "model_name", "measure", "enabled")}
        return Response(RetrainPolicySerializer(retraining.set_policy(request.user, project, **fields)).data)


@extend_schema(parameters=[PROJECT_PK])
class RetrainNow(APIView):
    @extend_schema(request=None, responses={201: JobSerializer})
    def post(self, request, project_pk):
        project = get_project(request.user, project_pk, Role.MANAGER)
        policy = RetrainPolicy.objects.filter(project=project).first()
        if policy is None:
            raise ValidationError({"detail": "Set the retraining order first (PUT …/retrain-policy/)."})
        return Response(JobSerializer(retraining.start_retraining(policy, request.user)).data,
                        status=status.HTTP_201_CREATED)
