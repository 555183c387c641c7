"""The record of one run of a stage (a cleaning, a pretraining, a fine-tuning, an evaluation): what
it was asked to do and what it made. Its status follows its job through `lifecycle`, never by hand."""

from django.db import models

from ..models import Authored


class RunRecord(Authored):
    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    job = models.ForeignKey("studio.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-id"]
