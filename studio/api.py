from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from . import audit
from .jobs import kinds
from .jobs import service as jobs_service
from .models import Job, QueueCheck
from .serializers import (
    AuditEventSerializer,
    JobDetailSerializer,
    JobKindSerializer,
    JobSerializer,
    QueueCheckSerializer,
    SystemStatusSerializer,
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
