from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, mixins, permissions, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from . import audit
from .models import QueueCheck
from .serializers import AuditEventSerializer, QueueCheckSerializer, SystemStatusSerializer
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
    serializer_class = AuditEventSerializer

    def get_queryset(self):
        params = self.request.query_params
        return audit.search(project=params.get("project", ""), verb=params.get("verb", ""))
