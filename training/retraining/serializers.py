"""The retraining order as JSON."""

from rest_framework import serializers

from ..models import RetrainPolicy


class RetrainPolicySerializer(serializers.ModelSerializer):
    class Meta:
        model = RetrainPolicy
        fields = ["enabled", "every", "model_name", "measure", "pending", "runs", "last_job", "updated_at"]
        read_only_fields = ["pending", "runs", "last_job", "updated_at"]
