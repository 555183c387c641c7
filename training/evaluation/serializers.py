"""Evaluation reports as JSON."""

from rest_framework import serializers

from ..models import EvaluationReport


class EvaluationSerializer(serializers.ModelSerializer):
    class Meta:
        model = EvaluationReport
        fields = ["id", "model_version", "snapshot", "split", "job", "status", "metrics", "errors", "created_at"]
        read_only_fields = fields


class EvaluateSerializer(serializers.Serializer):
    model_version = serializers.IntegerField(help_text="A classifier version of the project.")
    snapshot = serializers.IntegerField(help_text="A ready snapshot of the project with the classifier's labels.")
