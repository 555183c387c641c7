"""Cleaning through the API (managers): recipes, starting a run, its report and clusters."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from labeling.access import get_corpus, get_project
from labeling.api import PROJECT_PK
from labeling.models import Role
from labeling.services.browse import FilterError, whole_number

from . import settings_schema
from .access import get_recipe, get_run
from .cleaning import recipe as recipes
from .cleaning import recipes_store, report
from .cleaning.pipeline import CleaningError, start_cleaning
from .serializers import CleanStartSerializer, RecipeSerializer, RunReportSerializer, RunSerializer


@extend_schema(parameters=[PROJECT_PK])
class RecipeDefaults(APIView):
    """Every cleaning setting with its default, type and meaning."""

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request, project_pk):
        get_project(request.user, project_pk, Role.MANAGER)
        return Response(settings_schema.describe(recipes.SETTINGS))


@extend_schema(parameters=[PROJECT_PK])
class RecipeList(APIView):
    """The project's saved recipes; POST saves one (a recipe of the same name is replaced)."""

    @extend_schema(responses=RecipeSerializer(many=True))
    def get(self, request, project_pk):
        project = get_project(request.user, project_pk, Role.MANAGER)
        return Response(RecipeSerializer(project.cleaning_recipes.all(), many=True).data)

    @extend_schema(request=RecipeSerializer, responses={201: RecipeSerializer})
    def post(self, request, project_pk):
        project = get_project(request.user, project_pk, Role.MANAGER)
        serializer = RecipeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            saved = recipes_store.save_recipe(request.user, project, serializer.validated_data["name"],
                                              serializer.validated_data["steps"])
        except recipes.RecipeError as error:
            raise ValidationError({"detail": str(error)}) from None
        return Response(RecipeSerializer(saved).data, status=status.HTTP_201_CREATED)


@extend_schema(parameters=[PROJECT_PK])
class RecipeDetail(APIView):
    @extend_schema(responses=RecipeSerializer)
    def get(self, request, project_pk, pk):
        return Response(RecipeSerializer(get_recipe(request.user, project_pk, pk)).data)

    @extend_schema(responses={204: None})
    def delete(self, request, project_pk, pk):
        recipes_store.delete_recipe(request.user, get_recipe(request.user, project_pk, pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(parameters=[PROJECT_PK])
class CleanCorpus(APIView):
    """Clean a corpus into a new one with a recipe; answers with the run (its job does the work)."""

    @extend_schema(request=CleanStartSerializer, responses={201: RunSerializer})
    def post(self, request, project_pk, pk):
        corpus = get_corpus(request.user, project_pk, pk, Role.MANAGER)
        serializer = CleanStartSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        saved = None
        settings = serializer.validated_data["recipe"]
        if serializer.validated_data["recipe_id"] is not None:
            saved = get_recipe(request.user, project_pk, serializer.validated_data["recipe_id"])
            settings = {**saved.steps, **settings}
        try:
            run = start_cleaning(request.user, corpus.project, corpus, settings, saved)
        except (CleaningError, recipes.RecipeError) as error:
            raise ValidationError({"detail": str(error)}) from None
        return Response(RunSerializer(run).data, status=status.HTTP_201_CREATED)


@extend_schema(parameters=[PROJECT_PK])
class RunList(APIView):
    @extend_schema(responses=RunSerializer(many=True))
    def get(self, request, project_pk):
        project = get_project(request.user, project_pk, Role.MANAGER)
        return Response(RunSerializer(project.cleaning_runs.all()[:100], many=True).data)


@extend_schema(parameters=[PROJECT_PK])
class RunDetail(APIView):
    """A run's report: documents in and out, drops per rule, changes per step, de-identification
    counts, seconds per step, repeated lines removed, and before/after samples."""

    @extend_schema(responses=RunReportSerializer)
    def get(self, request, project_pk, pk):
        return Response(RunReportSerializer(get_run(request.user, project_pk, pk)).data)


@extend_schema(parameters=[PROJECT_PK, OpenApiParameter("after", int, description="The last representative id seen.")])
class RunClusters(APIView):
    """Near-duplicate clusters, 50 a page: the kept note's id, the cluster's size and its members."""

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request, project_pk, pk):
        run = get_run(request.user, project_pk, pk)
        try:
            after = whole_number(request.query_params, "after") or 0
        except FilterError as error:
            raise ValidationError({"detail": str(error)}) from None
        found, next_after = report.clusters(run, after)
        return Response({"clusters": found, "next_after": next_after})
