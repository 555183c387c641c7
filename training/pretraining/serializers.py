"""Pretraining runs as JSON."""

from rest_framework import serializers

from ..models import Pretraining


class PretrainingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Pretraining
        fields = ["id", "config", "job", "status", "output", "created_at"]
        read_only_fields = fields
