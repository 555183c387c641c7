"""Retraining the baseline every N new labels (see RetrainPolicy). Each label an annotator adds
counts towards the project's policy (one UPDATE); the request that makes the count reach N claims
the retraining atomically and starts a `retrain` job, which in one run freezes a snapshot of the
labels so far, fits the baseline on it, starts its evaluation on the snapshot's test split, and
predicts every ready corpus of the project with the new version."""

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from labeling.models import Corpus, DatasetSnapshot
from labeling.services import snapshots
from studio import audit
from studio.jobs import service as jobs_service

from .finetuning.run import clean_config, finetune
from .models import Finetuning, RetrainPolicy
from .predict_job import predict_corpus

RATIOS = (0.7, 0.15, 0.15)


def set_policy(user, project, *, every, model_name, measure, enabled):
    policy, created = RetrainPolicy.objects.update_or_create(project=project, defaults={
        "every": every, "model_name": model_name.strip() or "Retrained baseline", "measure": measure,
        "enabled": enabled, **({"created_by": user} if user else {})})
    audit.record(user, "model.retrain_policy", policy, project_id=project.pk, every=every, enabled=enabled,
                 model=policy.model_name)
    return policy


def count_label(document_id):
    """One more human label on this document: count it, and start a retraining when one is due."""
    policies = RetrainPolicy.objects.filter(enabled=True, project__corpora__documents__id=document_id)
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


def run_retraining(job, reporter):
    policy = RetrainPolicy.objects.select_related("project", "created_by").get(pk=job.params["policy_id"])
    project, user = policy.project, policy.created_by
    reporter.progress(0.0, "Freezing the labels so far")
    snapshot = DatasetSnapshot.objects.create(
        project=project, name=f"Retraining {timezone.localtime():%Y-%m-%d %H:%M}", created_by=user,
        train_ratio=RATIOS[0], validation_ratio=RATIOS[1], test_ratio=RATIOS[2], seed=13, job=job)
    snapshots.build(snapshot, job, reporter)
    reporter.log(f"Snapshot {snapshot.name} frozen")
    run = Finetuning.objects.create(project=project, snapshot=snapshot, created_by=user, job=job, config=clean_config(
        {"base": "baseline", "model_name": policy.model_name, "queue": "cpu"}))
    trained = finetune(run, job, reporter)
    version = Finetuning.objects.get(pk=run.pk).output
    reporter.log(f"{version} trained (validation macro F1 {trained['validation_macro_f1']})")
    documents = 0
    for corpus in project.corpora.filter(status=Corpus.Status.READY).order_by("id"):
        documents += predict_corpus(version, corpus, policy.measure, reporter)
    return {"snapshot": snapshot.pk, "model_version": version.pk, "evaluation": trained["evaluation"],
            "predicted_documents": documents}
