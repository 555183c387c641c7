from rest_framework import serializers

from .models import AuditEvent, QueueCheck
from .services.queue_checks import QUEUES


class ComponentStatusSerializer(serializers.Serializer):
    kind = serializers.CharField()
    reachable = serializers.BooleanField()
    error = serializers.CharField(allow_blank=True)


class WorkerStatusSerializer(serializers.Serializer):
    name = serializers.CharField()
    queues = serializers.ListField(child=serializers.CharField())
    device = serializers.DictField(help_text="kind: cuda (with gpus: name, memory_bytes) or cpu.")


class SystemStatusSerializer(serializers.Serializer):
    database = ComponentStatusSerializer()
    broker = ComponentStatusSerializer()
    workers = WorkerStatusSerializer(many=True)
    error = serializers.CharField(allow_blank=True)


class QueueCheckSerializer(serializers.ModelSerializer):
    queue = serializers.ChoiceField(choices=QUEUES)
    round_trip_seconds = serializers.FloatField(read_only=True, allow_null=True)

    class Meta:
        model = QueueCheck
        fields = ["id", "queue", "requested_at", "completed_at", "round_trip_seconds", "worker", "device", "error"]
        read_only_fields = ["id", "requested_at", "completed_at", "worker", "device", "error"]


class AuditEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditEvent
        fields = ["id", "actor_name", "verb", "target_type", "target_id", "target_repr", "project_id", "details", "at"]
