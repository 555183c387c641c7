"""The `retrain` job (see service)."""

from django.utils import timezone

from labeling.models import Corpus, DatasetSnapshot
from labeling.services import snapshots

from ..finetuning.run import finetune
from ..finetuning.service import clean_config
from ..models import Finetuning, RetrainPolicy
from ..serving.run import predict_corpus

RATIOS = (0.7, 0.15, 0.15)


def run_retraining(job, reporter):
    policy = RetrainPolicy.objects.select_related("project", "created_by").get(pk=job.params["policy_id"])
    project, user = policy.project, policy.created_by
    reporter.stage(0.0, "Freezing the labels so far")
    snapshot = DatasetSnapshot.objects.create(
        project=project, name=f"Retraining {timezone.localtime():%Y-%m-%d %H:%M}", created_by=user,
        train_ratio=RATIOS[0], validation_ratio=RATIOS[1], test_ratio=RATIOS[2], seed=13, job=job)
    snapshots.build(snapshot, job, reporter.span(0.0, 0.3))
    reporter.log(f"Snapshot {snapshot.name} frozen")
    run = Finetuning.objects.create(project=project, snapshot=snapshot, created_by=user, job=job, config=clean_config(
        {"base": "baseline", "model_name": policy.model_name, "queue": "cpu"}))
    trained = finetune(run, job, reporter.span(0.3, 0.7))
    version = Finetuning.objects.get(pk=run.pk).output
    reporter.log(f"{version} trained (validation macro F1 {trained['validation_macro_f1']})")
    documents = 0
    corpora = list(project.corpora.filter(status=Corpus.Status.READY).order_by("id"))
    for index, corpus in enumerate(corpora):
        part = reporter.span(0.7 + 0.3 * index / len(corpora), 0.7 + 0.3 * (index + 1) / len(corpora))
        documents += predict_corpus(version, corpus, policy.measure, part)
    return {"snapshot": snapshot.pk, "model_version": version.pk, "evaluation": trained["evaluation"],
            "predicted_documents": documents}
