from django.conf import settings
from django.db import models


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
