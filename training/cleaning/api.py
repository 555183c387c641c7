"""Cleaning through the API (managers): recipes, starting a run, its report and clusters."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from labeling.access import get_corpus
from labeling.api.base import ProjectAPIView
from labeling.models import Role
from labeling.services.browse import whole_number
from studio.serializers import SETTINGS_RESPONSE, JobSerializer

from ..access import get_recipe, get_run
from . import recipe as recipes
from . import recipes_store, report
from .serializers import (
    CleanStartSerializer,
    ClusterPageSerializer,
    RecipeSerializer,
    RunReportSerializer,
    RunSerializer,
)
from .phi_spans import CATEGORIES
from .phi_spans import start as start_phi_spans
from .service import start_cleaning


class RecipeDefaults(ProjectAPIView):
    """Every cleaning setting with its default, type and meaning."""

    @extend_schema(responses={200: SETTINGS_RESPONSE})
    def get(self, request, project_pk):
        return Response(recipes.SETTINGS.describe())


class RecipeList(ProjectAPIView):
    """The project's saved recipes; POST saves one (a recipe of the same name is replaced)."""

    @extend_schema(responses=RecipeSerializer(many=True))
    def get(self, request, project_pk):
        return Response(RecipeSerializer(self.project.cleaning_recipes.all(), many=True).data)

    @extend_schema(request=RecipeSerializer, responses={201: RecipeSerializer})
    def post(self, request, project_pk):
        data = self.validated(RecipeSerializer)
        saved = recipes_store.save_recipe(request.user, self.project, data["name"],
                                          data["steps"])
        return Response(RecipeSerializer(saved).data, status=status.HTTP_201_CREATED)


class RecipeDetail(ProjectAPIView):
    @extend_schema(responses=RecipeSerializer)
    def get(self, request, project_pk, pk):
        return Response(RecipeSerializer(get_recipe(request.user, self.project, pk)).data)

    @extend_schema(responses={204: None})
    def delete(self, request, project_pk, pk):
        recipes_store.delete_recipe(request.user, get_recipe(request.user, self.project, pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class CleanCorpus(ProjectAPIView):
    """Clean a corpus into a new one with a recipe; answers with the run (its job does the work)."""

    @extend_schema(request=CleanStartSerializer, responses={201: RunSerializer})
    def post(self, request, project_pk, pk):
        corpus = get_corpus(request.user, self.project, pk, Role.MANAGER)
        data = self.validated(CleanStartSerializer)
        saved = None
        settings = data["recipe"]
        if data["recipe_id"] is not None:
            saved = get_recipe(request.user, self.project, data["recipe_id"])
            settings = {**saved.steps, **settings}
        run = start_cleaning(request.user, corpus.project, corpus, settings, saved)
        return Response(RunSerializer(run).data, status=status.HTTP_201_CREATED)


class RunList(ProjectAPIView):
    @extend_schema(responses=RunSerializer(many=True))
    def get(self, request, project_pk):
        return Response(RunSerializer(self.project.cleaning_runs.all()[:100], many=True).data)


class RunDetail(ProjectAPIView):
    """A run's report: documents in and out, drops per rule, changes per step, de-identification
    counts, seconds per step, repeated lines removed, and before/after samples."""

    @extend_schema(responses=RunReportSerializer)
    def get(self, request, project_pk, pk):
        return Response(RunReportSerializer(get_run(request.user, self.project, pk)).data)


@extend_schema(parameters=[OpenApiParameter("after", int, description="The last representative id seen.")])
class RunClusters(ProjectAPIView):
    """Near-duplicate clusters, 50 a page: the kept note's id, the cluster's size and its members."""

    query = ("after",)

    @extend_schema(responses=ClusterPageSerializer)
    def get(self, request, project_pk, pk):
        run = get_run(request.user, self.project, pk)
        after = whole_number(request.query_params, "after") or 0
        found, next_after = report.clusters(run, after)
        return Response({"clusters": found, "next_after": next_after})


class PhiSpansStartSerializer(serializers.Serializer):
    categories = serializers.ListField(child=serializers.ChoiceField(choices=CATEGORIES), required=False,
                                       default=list(CATEGORIES), help_text="Which identifiers to look for.")


class ProposePhiSpans(ProjectAPIView):
    """Propose the corpus's PHI as spans (managers): the de-identification patterns find names, dates, phone
    numbers, … in every note, and annotators see them pre-selected (span labels named after the categories)."""

    @extend_schema(request=PhiSpansStartSerializer, responses={201: JobSerializer})
    def post(self, request, project_pk, pk):
        corpus = get_corpus(request.user, project_pk, pk, Role.MANAGER)
        data = self.validated(PhiSpansStartSerializer)
        job = start_phi_spans(request.user, self.project, corpus, data["categories"])
        return Response(JobSerializer(job).data, status=status.HTTP_201_CREATED)
