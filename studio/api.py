from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from . import audit, users
from .jobs import kinds
from .jobs import service as jobs_service
from .models import Job, QueueCheck
from .serializers import (
    AuditEventSerializer,
    CreatedUserSerializer,
    JobDetailSerializer,
    JobKindSerializer,
    JobSerializer,
    PasswordLinkSerializer,
    QueueCheckSerializer,
    SystemStatusSerializer,
    UserSerializer,
    UserUpdateSerializer,
)
from .services import queue_checks
from .services.system_status import system_status


class SystemStatusView(APIView):
    """Database, broker, live workers with their queues and devices. Admins only."""

    permission_classes = [permissions.IsAdminUser]

    @extend_schema(responses=SystemStatusSerializer)
    def get(self, request):
        return Response(SystemStatusSerializer(system_status()).data)


class QueueCheckViewSet(mixins.CreateModelMixin, mixins.RetrieveModelMixin, mixins.ListModelMixin,
                        viewsets.GenericViewSet):
    """Send a task through a queue to a worker and see when it came back. Admins only."""

    permission_classes = [permissions.IsAdminUser]
    serializer_class = QueueCheckSerializer
    queryset = QueueCheck.objects.all()

    def perform_create(self, serializer):
        serializer.instance = queue_checks.request_check(self.request.user, serializer.validated_data["queue"])


@extend_schema(parameters=[
    OpenApiParameter("project", int, description="Only events of this project."),
    OpenApiParameter("verb", str, description="Only events with this verb, e.g. membership.role."),
])
class AuditEventList(generics.ListAPIView):
    """The audit trail, newest first. Admins only."""

    permission_classes = [permissions.IsAdminUser]
    query = ("project", "verb")
    serializer_class = AuditEventSerializer

    def get_queryset(self):
        params = self.request.query_params
        return audit.search(project=params.get("project", ""), verb=params.get("verb", ""))


@extend_schema(parameters=[
    OpenApiParameter("project", int, description="Only jobs of this project."),
    OpenApiParameter("status", str, description="Only jobs with this status."),
    OpenApiParameter("kind", str, description="Only jobs of this kind."),
])
class JobViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Jobs you may see: admins all, managers those of their projects. Start jobs under /api/projects/{id}/jobs/."""

    query = ("project", "status", "kind")
    queryset = Job.objects.none()

    def get_serializer_class(self):
        return JobDetailSerializer if self.action == "retrieve" else JobSerializer

    def get_queryset(self):
        jobs = Job.objects.for_user(self.request.user).select_related("created_by")
        params = self.request.query_params
        if params.get("project", "").isdigit():
            jobs = jobs.filter(project_id=int(params["project"]))
        for field in ("status", "kind"):
            if params.get(field):
                jobs = jobs.filter(**{field: params[field]})
        return jobs

    @extend_schema(request=None, responses=JobSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Cancel a queued job at once, or ask a running one to stop at its next check."""
        return Response(JobSerializer(jobs_service.cancel_job(request.user, self.get_object())).data)

    @extend_schema(request=None, responses={201: JobSerializer})
    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):
        """Start a new attempt of a failed or cancelled job with the same parameters."""
        return Response(JobSerializer(jobs_service.retry_job(request.user, self.get_object())).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "array", "items": {"type": "number"}}}}})
    @action(detail=True, methods=["get"])
    def metrics(self, request, pk=None):
        """Every metric's curve: {name: [[step, value], ...]}."""
        return Response(jobs_service.metric_series(self.get_object()))


class JobKindList(APIView):
    """The job kinds, with their parameters, defaults and limits."""

    @extend_schema(responses=JobKindSerializer(many=True))
    def get(self, request):
        return Response(JobKindSerializer(kinds.all_kinds(), many=True).data)


def _with_rights(accounts):
    """Accounts with `may_create_projects` set, for UserSerializer."""
    creators = users.project_creator_ids()
    for account in accounts:
        account.may_create_projects = account.pk in creators
    return accounts


class UserViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Studio accounts. Admins only: create one (its one-time set-password link comes back once), change its
    e-mail, deactivate or reactivate it, grant or withdraw the right to create projects, reset its password."""

    permission_classes = [permissions.IsAdminUser]
    serializer_class = UserSerializer

    def get_queryset(self):
        return users.accounts()

    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(UserSerializer(_with_rights(page), many=True).data)

    def retrieve(self, request, pk=None):
        return Response(UserSerializer(_with_rights([self.get_object()])[0]).data)

    @extend_schema(request=UserSerializer, responses={201: CreatedUserSerializer})
    def create(self, request):
        serializer = UserSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        account = users.create_user(request.user, data["username"], data["email"],
                                    may_create_projects=data["may_create_projects"])
        link = users.password_link(request.user, account, request.build_absolute_uri)
        body = UserSerializer(_with_rights([account])[0]).data
        return Response({**body, "password_link": PasswordLinkSerializer(link).data}, status=status.HTTP_201_CREATED)

    @extend_schema(request=UserUpdateSerializer, responses=UserSerializer)
    def partial_update(self, request, pk=None):
        account = self.get_object()
        serializer = UserUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if "email" in data:
            users.set_email(request.user, account, data["email"])
        if "may_create_projects" in data:
            users.set_may_create_projects(request.user, account, data["may_create_projects"])
        if "is_active" in data:
            users.set_active(request.user, account, data["is_active"])
        return Response(UserSerializer(_with_rights([account])[0]).data)

    @extend_schema(request=None, responses={201: PasswordLinkSerializer})
    @action(detail=True, methods=["post"], url_path="password-link")
    def password_link(self, request, pk=None):
        """Reset the user's password: the current one stops working, and a one-time link to choose a new one
        comes back (and is e-mailed when the studio can send mail)."""
        link = users.password_link(request.user, self.get_object(), request.build_absolute_uri)
        return Response(PasswordLinkSerializer(link).data, status=status.HTTP_201_CREATED)
