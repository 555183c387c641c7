"""The retraining order through the API (managers)."""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from labeling.api.base import ProjectAPIView
from studio.serializers import JobSerializer

from ..models import RetrainPolicy
from . import service as retraining
from .serializers import RetrainPolicySerializer


class RetrainPolicyDetail(ProjectAPIView):
    """The project's “retrain the baseline every N new labels” order (404 until one is set); PUT
    sets it; POST …/run/ starts a retraining now."""

    @extend_schema(responses=RetrainPolicySerializer)
    def get(self, request, project_pk):
        policy = RetrainPolicy.objects.filter(project=self.project).first()
        if policy is None:
            raise Http404("No retraining order in this project.")
        return Response(RetrainPolicySerializer(policy).data)

    @extend_schema(request=RetrainPolicySerializer, responses=RetrainPolicySerializer)
    def put(self, request, project_pk):
        current = RetrainPolicy.objects.filter(project=self.project).first() or RetrainPolicy()  # defaults
        serializer = RetrainPolicySerializer(current if current.pk else None, data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = {name: serializer.validated_data.get(name, getattr(current, name))
                  for name in ("every", "model_name", "measure", "enabled")}
        return Response(RetrainPolicySerializer(retraining.set_policy(request.user, self.project, **fields)).data)


class RetrainNow(ProjectAPIView):
    @extend_schema(request=None, responses={201: JobSerializer})
    def post(self, request, project_pk):
        policy = RetrainPolicy.objects.filter(project=self.project).first()
        if policy is None:
            raise ValidationError({"detail": "Set the retraining order first (PUT …/retrain-policy/)."})
        return Response(JobSerializer(retraining.start_retraining(policy, request.user)).data,
                        status=status.HTTP_201_CREATED)
