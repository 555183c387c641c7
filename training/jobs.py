"""Training's job kinds. The run functions live in each stage's run.py (worker side); cleanups in its
service.py (light: a cancel from a web request runs them)."""

from studio.jobs.kinds import QUEUE, JobKind, register
from studio.jobs.outputs import ObjectType, register_object
from studio.settings_schema import Setting


def stage_kind(name, label, run, record, param, description, first=False):
    """A stage's job on either queue, started by the stage's service for one run record."""
    return JobKind(name=name, label=label, run=f"training.{run}", record=(f"training.{record}", param),
                   queue_param="queue", startable_by_users=False, description=description,
                   params=(Setting(param, int, minimum=1), QUEUE), first=first)


register(
    JobKind(
        name="selftest",
        label="Pipeline self-test",
        run="training.selftest.run",
        queue_param="queue",
        description="A small deterministic training loop that checkpoints: checks that workers take jobs, "
                    "report progress, stop on cancel and resume after a crash.",
        params=(
            Setting("queue", str, "cpu", choices=("cpu", "gpu"), help="Which workers run it."),
            Setting("steps", int, 200, minimum=1, maximum=100_000),
            Setting("step_seconds", float, 0.05, minimum=0, maximum=10, help="Pause per step, to watch it run."),
            Setting("checkpoint_every", int, 20, minimum=1, maximum=100_000),
            Setting("seed", int, 13, minimum=0),
            Setting("fail_at_step", int, -1, minimum=-1, help="Raise an error at this step (-1: never)."),
            Setting("crash_at_step", int, -1, minimum=-1, help="Kill the worker process at this step (-1: never)."),
        ),
    ),
    JobKind(
        name="clean",
        label="Corpus cleaning",
        run="training.cleaning.run.run_cleaning",
        cleanup="training.cleaning.service.cleanup",
        record=("training.CleaningRun", "run_id"),
        queue="cpu",
        startable_by_users=False,
        description="Normalises, filters, deduplicates and de-identifies a corpus into a new cleaned corpus.",
        params=(Setting("run_id", int, minimum=1),),
    ),
    stage_kind("pretrain", "Domain pretraining", "pretraining.run.run_pretraining", "Pretraining", "pretraining_id",
               "Trains a domain tokenizer and an encoder (masked language model or contrastive) on corpora."),
    stage_kind("finetune", "Fine-tuning", "finetuning.run.run_finetuning", "Finetuning", "finetuning_id",
               "Trains a classifier (the baseline or an encoder) on a snapshot's train split, then evaluates it."),
    stage_kind("distill", "Distillation", "finetuning.run.run_finetuning", "Finetuning", "finetuning_id",
               "Trains a student encoder on a teacher classifier's probabilities (and the labels), on a snapshot's "
               "train split and unlabeled corpora, then evaluates it."),
    stage_kind("evaluate", "Evaluation", "evaluation.run.run_evaluation", "EvaluationReport", "report_id",
               "Scores a classifier on a snapshot's split: F1, per-label figures, confusion, calibration, errors.",
               first=True),  # minutes at most, and the fine-tune that started it is waiting to be judged
    JobKind(
        name="predict",
        label="Prediction",
        run="training.serving.run.run_prediction",
        queue_param="queue",
        startable_by_users=False,
        description="Labels and scores a corpus with a classifier version: pre-selections for annotators and "
                    "the uncertainty the task queue orders by.",
        params=(Setting("version_id", int, minimum=1), Setting("corpus_id", int, minimum=1),
                Setting("measure", str, "least_confidence", choices=("least_confidence", "margin", "entropy")),
                Setting("explain", bool, False), QUEUE),
    ),
    JobKind(
        name="ensemble",
        label="Ensemble",
        run="training.ensembles.run.run_ensemble",
        queue_param="queue",
        startable_by_users=False,
        description="Combines classifier versions with the same labels into one, weights chosen on a snapshot's "
                    "validation split, compared with its best member on the test split, then evaluated.",
        params=(Setting("version_ids", list), Setting("snapshot_id", int, minimum=1), Setting("name", str, ""),
                QUEUE),
    ),
    JobKind(
        name="onnx_export",
        label="ONNX export",
        run="training.onnx_export.run.run_onnx_export",
        queue="cpu",
        startable_by_users=False,
        description="Exports an encoder classifier to ONNX (fp32) and int8-quantised ONNX for serving on a CPU "
                    "without torch: new versions of the same model, checked against the original, then evaluated.",
        params=(Setting("version_id", int, minimum=1), Setting("precisions", list, ["fp32", "int8"])),
    ),
    JobKind(
        name="phi_spans",
        label="PHI span proposal",
        run="training.cleaning.phi_spans.run_phi_spans",
        queue="cpu",
        startable_by_users=False,
        description="Finds protected health information in a corpus's notes with the de-identification patterns "
                    "and proposes it as spans annotators see pre-selected.",
        params=(Setting("corpus_id", int, minimum=1), Setting("categories", list, [])),
    ),
    JobKind(
        name="retrain",
        label="Retraining",
        run="training.retraining.run.run_retraining",
        cleanup="labeling.services.snapshots.cleanup",  # its records follow the job; its snapshot is cleaned up
        queue="cpu",
        startable_by_users=False,
        description="Freezes the labels so far, fits the baseline, evaluates it and predicts the project's "
                    "corpora (the project's “retrain every N labels” order).",
        params=(Setting("policy_id", int, minimum=1),),
    ),
)
register_object(
    ObjectType("model_version", "Model version", "training.ModelVersion", "model-version",
               keys=("version_id", "model_version", "model_versions")),
    ObjectType("evaluation", "Evaluation", "training.EvaluationReport", "evaluation-report",
               keys=("report_id", "evaluation", "evaluations")),
    ObjectType("cleaning_run", "Cleaning run", "training.CleaningRun", "cleaning-run", keys=("run_id",)),
)
