from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from studio.jobs import kinds
from studio.jobs import service as jobs_service
from studio.serializers import JobSerializer, JobStartSerializer
from studio.settings_schema import SettingsError

from ..access import can_create_projects, get_membership, get_project
from ..models import Membership, Project, Role
from ..serializers import (
    MembershipRoleSerializer,
    MembershipSerializer,
    ProjectSerializer,
)
from ..services import projects as project_service
from .base import PROJECT_PK


class ProjectViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                     mixins.UpdateModelMixin, viewsets.GenericViewSet):
    """Projects you are a member of. Managers edit; users allowed to create projects create them."""

    serializer_class = ProjectSerializer
    queryset = Project.objects.none()

    def get_queryset(self):
        return Project.objects.for_user(self.request.user)

    def get_object(self):
        minimum = Role.ANNOTATOR if self.request.method == "GET" else Role.MANAGER
        return get_project(self.request.user, self.kwargs["pk"], minimum)

    def perform_create(self, serializer):
        if not can_create_projects(self.request.user):
            raise PermissionDenied("Only managers can create projects.")
        project = project_service.create_project(self.request.user, **serializer.validated_data)
        serializer.instance = get_project(self.request.user, project.pk)

    @extend_schema(methods=["GET"], responses=JobSerializer(many=True))
    @extend_schema(methods=["POST"], request=JobStartSerializer, responses={201: JobSerializer})
    @action(detail=True, methods=["get", "post"])
    def jobs(self, request, pk=None):
        """The project's jobs (managers), newest first; POST starts one: {"kind": ..., "params": {...}}."""
        project = get_project(request.user, pk, Role.MANAGER)
        if request.method == "GET":
            page = self.paginate_queryset(project.jobs.select_related("created_by"))
            return self.get_paginated_response(JobSerializer(page, many=True).data)
        serializer = JobStartSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            if not kinds.get(serializer.validated_data["kind"]).startable_by_users:
                raise SettingsError(f"kind: {serializer.validated_data['kind']} jobs are started by their own endpoint.")
            job = jobs_service.start_job(
                request.user, serializer.validated_data["kind"], serializer.validated_data["params"], project=project
            )
        except SettingsError as error:
            raise ValidationError({"params": [str(error)]}) from error
        return Response(JobSerializer(job).data, status=status.HTTP_201_CREATED)

    def perform_update(self, serializer):
        project_service.update_project(self.request.user, serializer.instance, **serializer.validated_data)


@extend_schema(parameters=[PROJECT_PK])
class MembershipViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Members of one project. Every member sees the list; managers add, change roles and remove."""

    serializer_class = MembershipSerializer
    queryset = Membership.objects.none()

    def get_queryset(self):
        project = get_project(self.request.user, self.kwargs["project_pk"])
        return project.memberships.select_related("user")

    def get_object(self):
        return get_membership(self.request.user, self.kwargs["project_pk"], self.kwargs["pk"], Role.ANNOTATOR)

    def create(self, request, project_pk):
        project = get_project(request.user, project_pk, Role.MANAGER)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            membership = project_service.add_member(
                request.user, project, serializer.validated_data["user"], serializer.validated_data["role"]
            )
        except project_service.MembershipError as error:
            raise ValidationError({"user": [str(error)]}) from error
        return Response(self.get_serializer(membership).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=MembershipRoleSerializer, responses=MembershipSerializer)
    def partial_update(self, request, project_pk, pk):
        membership = get_membership(request.user, project_pk, pk, Role.MANAGER)
        serializer = MembershipRoleSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            project_service.change_role(request.user, membership, serializer.validated_data["role"])
        except project_service.MembershipError as error:
            raise ValidationError({"role": [str(error)]}) from error
        return Response(self.get_serializer(membership).data)

    def destroy(self, request, project_pk, pk):
        membership = get_membership(request.user, project_pk, pk, Role.MANAGER)
        project_service.remove_member(request.user, membership)
        return Response(status=status.HTTP_204_NO_CONTENT)
