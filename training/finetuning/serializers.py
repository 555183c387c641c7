"""Fine-tuning runs as JSON."""

from rest_framework import serializers

from ..models import Finetuning


class FinetuningSerializer(serializers.ModelSerializer):
    class Meta:
        model = Finetuning
        fields = ["id", "snapshot", "config", "job", "status", "output", "created_at"]
        read_only_fields = fields
