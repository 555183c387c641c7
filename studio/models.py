from django.conf import settings
from django.db import models
from django.utils import timezone


class Authored(models.Model):
    """Who made a row, and when."""

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True

class StudioPermission(models.Model):
    """Carries studio-wide permissions that belong to no single table."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [("promote_model", "Can promote models to production and roll them back")]


class AuditEvent(models.Model):
    """Who did what to which object, and when. Written by `studio.audit.record`, never edited."""

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    actor_name = models.CharField(max_length=150, help_text="Kept when the user is deleted.")
    verb = models.CharField(max_length=64, db_index=True)
    target_type = models.CharField(max_length=100)
    target_id = models.CharField(max_length=64)
    target_repr = models.CharField(max_length=200)
    # labeling.Project by id: studio sits below labeling and does not import it.
    project_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    details = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.actor_name} {self.verb} {self.target_type}:{self.target_id}"


class QueueCheck(models.Model):
    """A round trip through the broker to a worker and back into the database."""

    queue = models.CharField(max_length=16)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    worker = models.CharField(max_length=200, blank=True)
    device = models.JSONField(default=dict, blank=True)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]

    @property
    def round_trip_seconds(self):
        if self.completed_at is None:
            return None
        return (self.completed_at - self.requested_at).total_seconds()


class JobQuerySet(models.QuerySet):
    def for_user(self, user):
        """Jobs `user` may see: admins (staff) all; managers those of their projects; nobody else any.

        Scoped through the membership relation by name, so studio does not import labeling.
        """
        if not user.is_authenticated:
            return self.none()
        if user.is_staff or user.is_superuser:
            return self.all()
        return self.filter(project__memberships__user=user, project__memberships__role="manager")

    def active(self):
        return self.filter(status__in=[Job.Status.QUEUED, Job.Status.RUNNING])


class Job(models.Model):
    """One long operation, run by a Celery worker. The UI and API read this row, never Celery."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    FINISHED = (Status.SUCCEEDED, Status.FAILED, Status.CANCELLED)

    kind = models.CharField(max_length=40, db_index=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True)
    queue = models.CharField(max_length=16)
    params = models.JSONField(default=dict, blank=True)
    project = models.ForeignKey("labeling.Project", null=True, blank=True, on_delete=models.CASCADE, related_name="jobs")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    inputs = models.JSONField(default=list, blank=True, help_text="[{type, id, label}] of what the job reads.")
    outputs = models.JSONField(default=list, blank=True, help_text="[{type, id, label}] of what the job made.")

    progress = models.FloatField(default=0.0)
    message = models.CharField(max_length=300, blank=True)
    eta_seconds = models.FloatField(null=True, blank=True)
    metrics = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    traceback = models.TextField(blank=True)
    log = models.TextField(blank=True)

    attempt = models.PositiveIntegerField(default=1, help_text="1 for the first run; a retry is a new job, attempt + 1.")
    retry_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="retries")
    starts = models.PositiveIntegerField(default=0, help_text="How many times a worker started this job (crashes re-start it).")
    worker = models.CharField(max_length=200, blank=True)
    worker_pid = models.PositiveIntegerField(null=True, blank=True)
    claim = models.CharField(max_length=32, blank=True, help_text="Token of the current run; stale runs cannot write.")
    device = models.JSONField(default=dict, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    cancel_requested = models.BooleanField(default=False)

    queued_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        ordering = ["-queued_at", "-id"]
        indexes = [
            models.Index(fields=["project", "-queued_at"], name="job_project_recent"),
            models.Index(fields=["status", "heartbeat_at"], name="job_status_heartbeat"),
        ]

    def __str__(self):
        return f"{self.kind} #{self.pk}"

    @property
    def is_finished(self):
        return self.status in self.FINISHED

    @property
    def work_key(self):
        """Its working folder's key in the artifacts (checkpoints, outputs): named by id and queue time, so that a
        job never finds another's checkpoint (after a database reset, say)."""
        return f"jobs/{self.pk}-{self.queued_at:%Y%m%dT%H%M%S%f}"

    @property
    def elapsed_seconds(self):
        if self.started_at is None:
            return None
        return ((self.finished_at or timezone.now()) - self.started_at).total_seconds()


class MetricPoint(models.Model):
    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="metric_points")
    name = models.CharField(max_length=64)
    step = models.IntegerField()
    value = models.FloatField()

    class Meta:
        ordering = ["name", "step", "id"]
        indexes = [models.Index(fields=["job", "name", "step"], name="metric_job_name_step")]
