from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "training"
    verbose_name = "Training"

    def ready(self):
        from django.db.models.signals import post_save

        from studio.jobs.kinds import JobKind, Param, register

        post_save.connect(_count_label, sender="labeling.Annotation", dispatch_uid="training-count-label")

        register(JobKind(
            name="selftest",
            label="Pipeline self-test",
            run="training.services.selftest.run",
            queue_param="queue",
            description="A small deterministic training loop that checkpoints: checks that workers take jobs, "
                        "report progress, stop on cancel and resume after a crash.",
            params=(
                Param("queue", str, "cpu", choices=("cpu", "gpu"), help="Which workers run it."),
                Param("steps", int, 200, minimum=1, maximum=100_000),
                Param("step_seconds", float, 0.05, minimum=0, maximum=10, help="Pause per step, to watch it run."),
                Param("checkpoint_every", int, 20, minimum=1, maximum=100_000),
                Param("seed", int, 13, minimum=0),
                Param("fail_at_step", int, -1, minimum=-1, help="Raise an error at this step (-1: never)."),
                Param("crash_at_step", int, -1, minimum=-1, help="Kill the worker process at this step (-1: never)."),
            ),
        ))
        register(JobKind(
            name="clean",
            label="Corpus cleaning",
            run="training.cleaning.pipeline.run_cleaning",
            queue="cpu",
            startable_by_users=False,
            description="Normalises, filters, deduplicates and de-identifies a corpus into a new cleaned corpus.",
            params=(Param("run_id", int, minimum=1),),
        ))
        register(JobKind(
            name="pretrain",
            label="Domain pretraining",
            run="training.pretraining.run.run_pretraining",
            queue_param="queue",
            startable_by_users=False,
            description="Trains a domain tokenizer and an encoder (masked language model or contrastive) on corpora.",
            params=(
                Param("pretraining_id", int, minimum=1),
                Param("queue", str, "gpu", choices=("cpu", "gpu"), help="Which workers run it."),
            ),
        ))
        for name, label, run, param, description in (
            ("finetune", "Fine-tuning", "training.finetuning.run.run_finetuning", "finetuning_id",
             "Trains a classifier (the baseline or an encoder) on a snapshot's train split, then evaluates it."),
            ("evaluate", "Evaluation", "training.finetuning.run.run_evaluation", "report_id",
             "Scores a classifier on a snapshot's split: F1, per-label figures, confusion, calibration, errors."),
        ):
            register(JobKind(
                name=name, label=label, run=run, queue_param="queue", startable_by_users=False, description=description,
                params=(Param(param, int, minimum=1),
                        Param("queue", str, "gpu", choices=("cpu", "gpu"), help="Which workers run it.")),
            ))
        register(JobKind(
            name="predict", label="Prediction", run="training.predict_job.run_prediction", queue_param="queue",
            startable_by_users=False,
            description="Labels and scores a corpus with a classifier version: pre-selections for annotators and "
                        "the uncertainty the task queue orders by.",
            params=(Param("version_id", int, minimum=1), Param("corpus_id", int, minimum=1),
                    Param("measure", str, "least_confidence", choices=("least_confidence", "margin", "entropy")),
                    Param("queue", str, "gpu", choices=("cpu", "gpu"), help="Which workers run it.")),
        ))
        register(JobKind(
            name="retrain", label="Retraining", run="training.retraining.run_retraining", queue="cpu",
            startable_by_users=False,
            description="Freezes the labels so far, fits the baseline, evaluates it and predicts the project's "
                        "corpora (the project's “retrain every N labels” order).",
            params=(Param("policy_id", int, minimum=1),),
        ))


def _count_label(sender, instance, created, **kwargs):
    """A label an annotator added counts towards the project's retraining order."""
    if created and instance.annotator_id is not None:
        from .retraining import count_label

        count_label(instance.document_id)
