"""The registry through the API: registered models and versions, their downloads, promotion
(admins), proposals (managers), rollback and the alias history."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from labeling.access import one_of
from labeling.api.base import ProjectAPIView

from ..access import get_version
from . import aliases
from .downloads import version_zip_response
from .serializers import (
    AliasChangeSerializer,
    AliasMoveSerializer,
    ModelVersionSerializer,
    PromotionCaseSerializer,
    RegisteredModelSerializer,
)


class RegistryAPIView(ProjectAPIView):
    """Managers, and studio admins in every project: they promote and roll back."""

    admins = True


class ModelList(RegistryAPIView):
    """The project's registered models with their versions."""

    @extend_schema(responses=RegisteredModelSerializer(many=True))
    def get(self, request, project_pk):
        return Response(RegisteredModelSerializer(
            self.project.registered_models.prefetch_related("versions__aliases", "aliases"), many=True).data)


class ModelVersionDetail(RegistryAPIView):
    @extend_schema(responses=ModelVersionSerializer)
    def get(self, request, project_pk, pk):
        return Response(ModelVersionSerializer(get_version(request.user, self.project, pk)).data)


class ModelVersionDownload(RegistryAPIView):
    """The version's Hugging Face folder as a ZIP (config.json, model.safetensors, tokenizer files)."""

    @extend_schema(responses={(200, "application/zip"): OpenApiTypes.BINARY})
    def get(self, request, project_pk, pk):
        return version_zip_response(request.user, get_version(request.user, self.project, pk))


def case_summary(case):
    """A promotion case (see registry.aliases.promotion_case) as JSON."""
    comparison = case["comparison"]
    return {
        "candidate": case["candidate"].pk, "production": case["production"].pk if case["production"] else None,
        "gold_snapshot": case["snapshot"].pk if case["snapshot"] else None,
        "candidate_report": case["candidate_report"].pk if case["candidate_report"] else None,
        "production_report": case["production_report"].pk if case["production_report"] else None,
        "problems": case["problems"], "worse": case["worse"], "collapsed": case["collapsed"],
        "primary_metric": case["metric"],
        "delta": case["delta"],
        "metrics": [{key: row[key] for key in ("metric", "values", "deltas")} for row in comparison["table"]]
        if comparison else [],
        "test": comparison["tests"][1] if comparison else None,
    }


class PromotionCase(RegistryAPIView):
    """What promoting this version would mean: its gold evaluation against production's, the deltas,
    the paired test, and what stands in the way."""

    @extend_schema(responses=PromotionCaseSerializer)
    def get(self, request, project_pk, pk):
        return Response(case_summary(aliases.promotion_case(get_version(request.user, self.project, pk))))


class AliasMove(RegistryAPIView):
    """Move an alias to this version: production (admins; needs a gold evaluation, a reason when the
    version is worse than production; the files' sha256 is checked) or staging (managers propose)."""

    @extend_schema(request=AliasMoveSerializer, responses={201: AliasChangeSerializer})
    def post(self, request, project_pk, pk):
        version = get_version(request.user, self.project, pk)
        data = self.validated(AliasMoveSerializer)
        move = aliases.promote if data["alias"] == "production" else aliases.propose
        change = move(request.user, version, data["reason"])
        return Response(AliasChangeSerializer(change).data, status=status.HTTP_201_CREATED)


class Rollback(RegistryAPIView):
    """Production back to the version that held it before (admins), in one action."""

    @extend_schema(request=AliasMoveSerializer, responses={201: AliasChangeSerializer})
    def post(self, request, project_pk, pk):
        registered = one_of(self.project.registered_models.all(), pk, "registered model")
        change = aliases.rollback(request.user, registered, str(request.data.get("reason", ""))[:2000])
        return Response(AliasChangeSerializer(change).data, status=status.HTTP_201_CREATED)


class AliasHistory(RegistryAPIView):
    """Which version held which alias when, moved by whom and why, newest first."""

    @extend_schema(responses=AliasChangeSerializer(many=True))
    def get(self, request, project_pk, pk):
        registered = one_of(self.project.registered_models.all(), pk, "registered model")
        changes = registered.alias_changes.select_related("registered_model", "version", "previous", "actor")
        return Response(AliasChangeSerializer(changes[:200], many=True).data)
