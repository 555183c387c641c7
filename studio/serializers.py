from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .jobs import outputs
from .models import AuditEvent, Job, QueueCheck
from .services.queue_checks import QUEUES


class ComponentStatusSerializer(serializers.Serializer):
    kind = serializers.CharField()
    reachable = serializers.BooleanField()
    error = serializers.CharField(allow_blank=True)


class ArtifactsStatusSerializer(ComponentStatusSerializer):
    kind = serializers.ChoiceField(choices=["folder", "s3"])
    where = serializers.CharField(help_text="The folder, or s3://bucket/prefix.")
    free_bytes = serializers.IntegerField(allow_null=True, help_text="Free space of this process's folder (the "
                                                                     "artifacts, or its cache of the store).")


class WorkerStatusSerializer(serializers.Serializer):
    name = serializers.CharField()
    queues = serializers.ListField(child=serializers.CharField())
    device = serializers.DictField(help_text="kind: cuda (with gpus: name, memory_bytes) or cpu.")


class SystemStatusSerializer(serializers.Serializer):
    database = ComponentStatusSerializer()
    broker = ComponentStatusSerializer()
    artifacts = ArtifactsStatusSerializer()
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


class JobSerializer(serializers.ModelSerializer):
    created_by = serializers.CharField(source="created_by.username", read_only=True, default=None)
    elapsed_seconds = serializers.FloatField(read_only=True, allow_null=True)

    class Meta:
        model = Job
        fields = [
            "id", "kind", "status", "queue", "params", "project", "created_by", "inputs", "outputs",
            "progress", "message", "eta_seconds", "elapsed_seconds", "metrics", "error",
            "attempt", "retry_of", "starts", "worker", "device", "heartbeat_at", "cancel_requested",
            "queued_at", "started_at", "finished_at",
        ]
        read_only_fields = fields


class JobLinkSerializer(serializers.Serializer):
    label = serializers.CharField(help_text="What the object is: Corpus, Snapshot, Model version, Evaluation…")
    text = serializers.CharField(help_text="Its name, or #id (deleted) when it is gone.")
    url = serializers.CharField(help_text="Its page; empty when it has none.")


class JobDetailSerializer(JobSerializer):
    log = serializers.CharField(read_only=True, help_text="The job's log (its last bytes when long).")
    traceback = serializers.CharField(read_only=True)
    links = serializers.SerializerMethodField(help_text="The objects the job read and made, as its page links them.")

    class Meta(JobSerializer.Meta):
        fields = [*JobSerializer.Meta.fields, "log", "traceback", "links"]
        read_only_fields = fields

    @extend_schema_field(JobLinkSerializer(many=True))
    def get_links(self, job):
        return [{"label": link.label, "text": link.text, "url": link.url} for link in outputs.job_links(job)]


class JobStartSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="A job kind from /api/job-kinds/.")
    params = serializers.DictField(required=False, default=dict, help_text="Parameters of that kind; defaults fill the rest.")


class JobParamSerializer(serializers.Serializer):
    name = serializers.CharField()
    type = serializers.CharField(source="type.__name__")
    default = serializers.JSONField()
    minimum = serializers.FloatField(allow_null=True)
    maximum = serializers.FloatField(allow_null=True)
    choices = serializers.ListField(child=serializers.JSONField())
    help = serializers.CharField()


class JobKindSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    description = serializers.CharField()
    queue = serializers.CharField()
    startable_by_users = serializers.BooleanField(help_text="False: started by its own endpoint (imports).")
    params = JobParamSerializer(many=True)


class UserSerializer(serializers.Serializer):
    """A studio account as admins see it."""

    id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(max_length=150)
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    is_active = serializers.BooleanField(read_only=True, help_text="Deactivated users cannot log in or use tokens.")
    is_admin = serializers.BooleanField(source="is_staff", read_only=True, help_text="A studio admin (staff).")
    may_create_projects = serializers.BooleanField(required=False, default=False)
    has_password = serializers.BooleanField(source="has_usable_password", read_only=True,
                                            help_text="False until the user follows a set-password link.")
    last_login = serializers.DateTimeField(read_only=True, allow_null=True)
    date_joined = serializers.DateTimeField(read_only=True)


class UserUpdateSerializer(serializers.Serializer):
    email = serializers.EmailField(required=False, allow_blank=True)
    is_active = serializers.BooleanField(required=False)
    may_create_projects = serializers.BooleanField(required=False)


class PasswordLinkSerializer(serializers.Serializer):
    url = serializers.URLField(help_text="Opens the page where the user chooses a password; works once.")
    expires_at = serializers.DateTimeField()
    emailed = serializers.BooleanField(help_text="Whether it was also e-mailed to the user.")
    mail_error = serializers.CharField(allow_blank=True, help_text="Why it could not be e-mailed, if it could not.")


class CreatedUserSerializer(UserSerializer):
    password_link = PasswordLinkSerializer(read_only=True, help_text="Shown once: give it to the user.")


class ErrorSerializer(serializers.Serializer):
    """Every refusal: one sentence a person can act on (field errors add `errors`)."""

    detail = serializers.CharField()
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()), required=False,
                                   help_text="Field name → its problems, when fields were invalid.")


class SettingSerializer(serializers.Serializer):
    default = serializers.JSONField(help_text="The value used when the setting is left out.")
    type = serializers.CharField(help_text="int, float, str, bool or list.")
    minimum = serializers.FloatField(allow_null=True)
    maximum = serializers.FloatField(allow_null=True)
    help = serializers.CharField()


def settings_description():
    """A …/defaults/ endpoint's settings: each by name with its default, type, range and meaning."""
    return serializers.DictField(child=SettingSerializer(), help_text="Setting name → its description.")


# The same, as a whole response body (a dict keyed by setting name; the Setting component comes from the above).
SETTINGS_RESPONSE = {"type": "object", "description": "Setting name → its description.",
                     "additionalProperties": {"$ref": "#/components/schemas/Setting"}}


class TrainingDefaultsSerializer(serializers.Serializer):
    settings = settings_description()
    bases = serializers.ListField(child=serializers.CharField(), help_text="Bases a run may start from.")
