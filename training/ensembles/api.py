"""Ensembles through the API."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from labeling.access import one_of
from labeling.api.base import ProjectAPIView
from labeling.models import Role

from .service import MAX_MEMBERS, start_ensemble


class EnsembleRequestSerializer(serializers.Serializer):
    versions = serializers.ListField(child=serializers.IntegerField(), min_length=2, max_length=MAX_MEMBERS,
                                     help_text="The classifier versions to combine (same labels).")
    snapshot = serializers.IntegerField(help_text="A ready snapshot: its validation split chooses the weights, its "
                                                  "test split compares the ensemble with its best member.")
    name = serializers.CharField(required=False, allow_blank=True, max_length=120,
                                 help_text="The registered model the ensemble joins (default: the first member's "
                                           "model + “ensemble”).")


class EnsembleStarted(serializers.Serializer):
    job = serializers.IntegerField()


class EnsembleCreate(ProjectAPIView):
    """Combine classifier versions into an ensemble version (managers): an `ensemble` job weighs them on the
    snapshot's validation split, registers the ensemble and evaluates it."""

    minimum_role = Role.MANAGER

    @extend_schema(request=EnsembleRequestSerializer, responses={201: EnsembleStarted})
    def post(self, request, project_pk):
        data = self.validated(EnsembleRequestSerializer)
        snapshot = one_of(self.project.snapshots.all(), data["snapshot"], "snapshot")
        job = start_ensemble(request.user, self.project, data["versions"], snapshot, data.get("name", ""))
        return Response({"job": job.pk}, status=status.HTTP_201_CREATED)
