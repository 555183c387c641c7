"""Retraining the baseline every N new labels (see RetrainPolicy). Each label an annotator adds
counts towards the project's policy (one UPDATE); the request that makes the count reach N claims
the retraining atomically and starts a `retrain` job, which in one run freezes a snapshot of the
labels so far, fits the baseline on it, starts its evaluation on the snapshot's test split, and
predicts every ready corpus of the project with the new version."""

from django.db import transaction
from django.db.models import F

from studio import audit
from studio.jobs import service as jobs_service

from ..models import RetrainPolicy


def set_policy(user, project, *, every, model_name, measure, enabled):
    policy, created = RetrainPolicy.objects.update_or_create(project=project, defaults={
        "every": every, "model_name": model_name.strip() or "Retrained baseline", "measure": measure,
        "enabled": enabled, **({"created_by": user} if user else {})})
    audit.record(user, "model.retrain_policy", policy, project_id=project.pk, every=every, enabled=enabled,
                 model=policy.model_name)
    return policy


def count_label(project_id):
    """One more human label in this project: count it, and start a retraining when one is due."""
    policies = RetrainPolicy.objects.filter(enabled=True, project_id=project_id)
    if not policies.update(pending=F("pending") + 1):
        return None
    if not policies.filter(pending__gte=F("every")).update(pending=0):
        return None  # not due, or another request claimed it first
    return start_retraining(policies.get())


def start_retraining(policy, user=None):
    with transaction.atomic():
        job = jobs_service.start_job(user or policy.created_by, "retrain", {"policy_id": policy.pk},
                                     project=policy.project)
        RetrainPolicy.objects.filter(pk=policy.pk).update(last_job=job, runs=F("runs") + 1)
    return job
