"""Fine-tuning runs as JSON."""

from rest_framework import serializers

from studio.serializers import TrainingDefaultsSerializer

from ..models import Finetuning


class FinetuningSerializer(serializers.ModelSerializer):
    class Meta:
        model = Finetuning
        fields = ["id", "snapshot", "config", "job", "status", "output", "created_at"]
        read_only_fields = fields


class FinetuningDefaultsSerializer(TrainingDefaultsSerializer):
    encoder_settings = serializers.ListField(
        child=serializers.CharField(), help_text="Settings only an encoder's fine-tune reads; the baseline ignores "
                                                 "them (its form hides them).")
