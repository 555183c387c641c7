"""Fine-tuning, web side: the settings, checks, the run record and its `finetune` job."""

from django.db import transaction

from labeling.models import DatasetSnapshot
from labeling.services.snapshots import contents as snapshot_contents
from studio import audit
from studio.errors import Refusal
from studio.jobs import service as jobs_service
from studio.settings_schema import Schema, Setting, SettingsError

from ..models import Finetuning, ModelVersion, RegisteredModel
from ..pretraining.config import base_folders, check_length

SETTINGS = Schema(
    Setting("model_name", str, "", help="The registered classifier the new version joins (default: from the snapshot)."),
    Setting("base", str, "baseline", help="baseline (TF-IDF + logistic regression), version:<encoder id> or "
                                          "folder:<name> for a classifier; crf for a span tagger (a snapshot with "
                                          "spans)."),
    Setting("learning_rate", float, 0.0, minimum=0.0, maximum=1.0,
            help="Peak learning rate of the encoder (0: by the base's size: 1e-4 up to 50M parameters, 5e-5 up to "
                 "200M, 2e-5 above)."),
    Setting("epochs", float, 3.0, minimum=0.1, maximum=100.0, help="Passes over the training split."),
    Setting("batch_size", int, 16, minimum=1, maximum=1024,
            help="Documents per batch (reading long notes in windows: up to batch_size × max_windows windows)."),
    Setting("max_length", int, 256, minimum=16, maximum=4096,
            help="Tokens the encoder reads at once: a document's first (longer ones are cut), or each window's."),
    Setting("long_notes", str, "truncate", choices=("truncate", "windows"),
            help="Documents longer than max_length: truncate (read their first max_length tokens) or windows (read "
                 "whole, in overlapping windows of max_length tokens whose logits are combined)."),
    Setting("stride", int, 0, minimum=0, maximum=4096,
            help="Windows: tokens each window starts on from the one before (0: half of max_length)."),
    Setting("max_windows", int, 16, minimum=1, maximum=256,
            help="Windows: a document's first this many windows are read (the rest is cut)."),
    Setting("window_pooling", str, "max", choices=("max", "mean", "attention"),
            help="Windows: how a document's window logits combine: their maximum, their mean, or attention learnt "
                 "during fine-tuning."),
    Setting("head_learning_rate", float, 0.0, minimum=0.0, maximum=1.0,
            help="Peak learning rate of the new classification head (0: ten times the encoder's)."),
    Setting("layer_decay", float, 1.0, minimum=0.1, maximum=1.0,
            help="Layer-wise learning-rate decay: each layer below the top learns at this share of the one above "
                 "(1: every layer alike)."),
    Setting("warmup_ratio", float, 0.06, minimum=0.0, maximum=0.5, help="Share of the steps spent warming up."),
    Setting("weight_decay", float, 0.01, minimum=0.0, maximum=1.0, help="AdamW weight decay."),
    Setting("class_weighting", bool, False, help="Weigh rare labels (a span tagger's: rare tags) up in the loss "
                                                 "(imbalanced data)."),
    Setting("early_stopping", int, 2, minimum=0, maximum=100,
            help="Stop after this many epochs without a better validation macro F1 (a span tagger's: entity F1) and "
                 "keep the best epoch (0: never; the last epoch is kept)."),
    Setting("augment_ratio", float, 0.0, minimum=0.0, maximum=5.0,
            help="Add this share of the training split again as copies with words masked and domain synonyms "
                 "swapped in (0: none)."),
    Setting("synonyms", list, [], help="Domain synonyms for augmentation, one group a line: MI = myocardial infarction."),
    Setting("pooling", str, "auto", choices=("auto", "cls", "mean"),
            help="How the encoder's states become the head's input: mean (the average of the tokens, as "
                 "sentence-embedding models are trained), cls (the model's own head), auto (mean for a "
                 "sentence-transformers base that pools by the mean, else cls)."),
    Setting("seed", int, 13, minimum=0, maximum=2**31 - 1, help="Fixes the initial weights and the batches."),
    Setting("seeds", int, 1, minimum=1, maximum=10,
            help="Train this many times, with seed, seed + 1, …: one version and evaluation each; the run keeps the "
                 "best on validation and records the spread."),
    Setting("trials", int, 0, minimum=0, maximum=30,
            help="Search the settings instead (0: no search): this many trials of learning rate, epochs, batch size, "
                 "class weighting and layer decay, each scored on validation; the best is registered and evaluated."),
    Setting("task", str, "auto", choices=("auto", "labels", "spans"),
            help="labels: a classifier of the snapshot's document labels; spans: a span tagger of its spans; auto: "
                 "spans for the CRF or a snapshot with spans only, else labels."),
    Setting("tasks", list, [],
            help="Multi-task: snapshots (ids) of this project's other tasks, labeling the same notes differently; one "
                 "encoder learns the run's snapshot and these together, a head per task, and registers one version "
                 "per task (their encoder files shared)."),
    Setting("task_weights", list, [],
            help="Multi-task: each task's loss weight, the run's snapshot first (default: 1 each)."),
    Setting("c1", float, 0.05, minimum=0.0, maximum=10.0, help="CRF: L1 regularisation."),
    Setting("c2", float, 0.05, minimum=0.0, maximum=10.0, help="CRF: L2 regularisation."),
    Setting("iterations", int, 150, minimum=1, maximum=5000, help="CRF: optimiser iterations at most."),
    Setting("teacher", int, 0, minimum=0,
            help="Distil: a classifier version of this project (any kind: baseline, encoder, ONNX, ensemble) whose "
                 "probabilities the new encoder learns from as well as the labels (0: an ordinary fine-tune)."),
    Setting("temperature", float, 2.0, minimum=1.0, maximum=20.0,
            help="Distil: how far the teacher's probabilities are softened (τ; 1: as they are)."),
    Setting("alpha", float, 0.5, minimum=0.0, maximum=1.0,
            help="Distil: the weight of the gold labels' loss; the teacher's weighs 1 − α."),
    Setting("unlabeled_corpora", list, [],
            help="Distil: corpora of this project whose notes the teacher labels for the student (its validation and "
                 "test notes are left out)."),
    Setting("max_unlabeled", int, 20_000, minimum=0, maximum=1_000_000,
            help="Distil: at most this many unlabeled notes."),
    Setting("student_layers", int, 0, minimum=0, maximum=48,
            help="Distil: keep this many of the base's layers, evenly spaced (0: all): a smaller, faster student."),
    Setting("devices", int, 1, minimum=1, maximum=16,
            help="GPUs of one worker to train on together (PyTorch DDP): each takes an equal part of every batch, so "
                 "the same settings train the same model faster. A worker without GPUs runs that many processes on "
                 "its CPU. An encoder classifier of one task only."),
    Setting("queue", str, "gpu", choices=("gpu", "cpu"), help="gpu (CPU-only machines run it on the CPU too) or cpu."),
    what="fine-tuning setting",
)


# What only an encoder's fine-tune reads; the baseline fits with the rest (its queue is always the CPU's).
ENCODER_SETTINGS = ("learning_rate", "head_learning_rate", "layer_decay", "epochs", "batch_size", "max_length",
                    "long_notes", "stride", "max_windows", "window_pooling", "warmup_ratio", "weight_decay",
                    "early_stopping", "pooling", "seeds", "trials", "queue", "tasks", "task_weights",
                    "teacher", "temperature", "alpha", "unlabeled_corpora", "max_unlabeled", "student_layers",
                    "devices")
CRF_SETTINGS = ("c1", "c2", "iterations")  # what only the CRF span tagger reads
CLASSIFIER_SETTINGS = ("class_weighting", "augment_ratio", "synonyms")  # the baseline's and encoders', not the CRF's


class FinetuneError(Refusal):
    """The fine-tune or evaluation cannot start as asked; the message says why."""


def clean_config(raw):
    config = SETTINGS.clean(raw)
    kind, _, name = config["base"].partition(":")
    if config["base"] not in ("baseline", "crf") and (kind not in ("version", "folder") or not name):
        raise SettingsError("base: baseline, crf, version:<encoder id> or folder:<name>.")
    if kind == "folder" and name not in base_folders():
        raise SettingsError(f"base: no model folder {name!r} under the base models folder.")
    return config


def start_finetuning(user, project, snapshot, raw):
    config = clean_config(raw)
    if snapshot.project_id != project.pk or snapshot.status != DatasetSnapshot.Status.READY:
        raise FinetuneError("The snapshot is not a ready snapshot of this project.")
    if config["base"].startswith("version:") and not ModelVersion.objects.filter(
            pk=int(config["base"][8:]) if config["base"][8:].isdigit() else 0, registered_model__project=project,
            registered_model__kind=RegisteredModel.Kind.ENCODER).exists():
        raise FinetuneError("base: no encoder version with that id in this project.")
    document_labels, spans = snapshot_contents(snapshot)
    if config["task"] == "auto":
        config["task"] = "spans" if config["base"] == "crf" or not document_labels else "labels"
    if config["task"] == "spans" and (not spans or config["base"] == "baseline"):
        raise FinetuneError("A span tagger trains on a snapshot with spans, from the CRF or an encoder."
                            if spans else "This snapshot holds no spans.")
    if config["task"] == "labels" and (not document_labels or config["base"] == "crf"):
        raise FinetuneError("A classifier trains on document labels, from the baseline or an encoder"
                            + ("" if document_labels else ": this snapshot holds spans only (task spans)") + ".")
    if config["base"] not in ("baseline", "crf"):
        check_length(project, config["base"], config["max_length"])
    check_windows(config)
    if config["task_weights"] and not config["tasks"]:
        raise SettingsError("task_weights: weigh the tasks of a multi-task fine-tune (give tasks too).")
    others = check_tasks(project, snapshot, config) if config["tasks"] else []
    kind = "span tagger" if config["task"] == "spans" else "classifier"
    config["model_name"] = config["model_name"] or f"{snapshot.name} {kind}"[:120]
    queue = "cpu" if config["base"] in ("baseline", "crf") else config["queue"]
    config["queue"] = queue
    if (config["trials"] or config["seeds"] > 1) and config["task"] == "spans":
        raise SettingsError("seeds and trials: a span tagger trains once per run.")
    if config["trials"] and (config["base"] == "baseline" or config["seeds"] > 1):
        raise SettingsError("trials: a search is for an encoder, and trains one seed per trial (set seeds to 1).")
    check_devices(config)
    teacher = check_teacher(project, config) if config["teacher"] else None
    if config["base"] == "baseline" and config["seeds"] > 1 and not config["augment_ratio"]:
        raise SettingsError("seeds: the baseline gives the same model for every seed (only augmentation draws on "
                            "it); train it once.")
    with transaction.atomic():
        run = Finetuning.objects.create(project=project, snapshot=snapshot, config=config, created_by=user)
        inputs = [{"type": "snapshot", "id": other.pk, "label": other.name} for other in [snapshot, *others]]
        if teacher is not None:
            inputs.append({"type": "model_version", "id": teacher.pk, "label": f"teacher {teacher}"})
        run.job = jobs_service.start_job(user, "distill" if config["teacher"] else "finetune",
                                         {"finetuning_id": run.pk, "queue": queue}, project=project, inputs=inputs)
        audit.record(user, "model.distill" if config["teacher"] else "model.finetune", run, project_id=project.pk,
                     snapshot=snapshot.pk, base=config["base"], teacher=config["teacher"] or None)
    return run


def check_windows(config):
    """Windows are for an encoder classifier of document labels trained on its labels; the stride (0: half of
    max_length) is kept in the settings so the version says what ran."""
    if config["long_notes"] != "windows":
        return
    if config["base"] in ("baseline", "crf") or config["task"] != "labels":
        raise SettingsError("long_notes: windows are read by an encoder classifier of document labels (the baseline "
                            "reads every word of a note already).")
    if config["teacher"]:
        raise SettingsError("long_notes: a distillation's student reads each note's first max_length tokens "
                            "(set long_notes to truncate).")
    config["stride"] = config["stride"] or config["max_length"] // 2
    if config["stride"] > config["max_length"] - 2:
        raise SettingsError("stride: at most max_length − 2 (a window's tokens less its [CLS] and [SEP]), or "
                            "windows would leave tokens out.")


def check_tasks(project, snapshot, config):
    """A multi-task fine-tune: an encoder classifier, trained once as set, on snapshots of this project that hold
    document labels (two of a task are one task twice: refused); each task's weight positive. The other tasks'
    snapshots, in order."""
    if config["base"] in ("baseline", "crf") or config["task"] != "labels":
        raise SettingsError("tasks: a multi-task fine-tune trains an encoder (base version:<id> or folder:<name>) on "
                            "document labels.")
    if config["long_notes"] != "truncate" or config["teacher"] or config["trials"] or config["seeds"] > 1:
        raise SettingsError("tasks: a multi-task fine-tune reads each note's first max_length tokens, has no "
                            "teacher and trains once (long_notes truncate, teacher 0, trials 0, seeds 1).")
    ids = [value for value in config["tasks"] if isinstance(value, int) or str(value).isdigit()]
    ids = [int(value) for value in ids]
    if len(ids) != len(config["tasks"]) or snapshot.pk in ids or len(set(ids)) != len(ids):
        raise SettingsError("tasks: ids of other snapshots of this project, each once.")
    others = {other.pk: other for other in DatasetSnapshot.objects.filter(
        project=project, pk__in=ids, status=DatasetSnapshot.Status.READY)}
    if len(others) != len(ids):
        raise FinetuneError("tasks: ready snapshots of this project.")
    frozen = [snapshot.task_id] + [others[pk].task_id for pk in ids]
    if len(set(frozen)) != len(frozen):
        raise FinetuneError("tasks: each snapshot of another task (two snapshots of one task would teach it twice).")
    for other in others.values():
        if not snapshot_contents(other)[0]:
            raise FinetuneError(f"tasks: snapshot {other.name} holds no document labels.")
    weights = config["task_weights"] or [1.0] * (len(ids) + 1)
    if len(weights) != len(ids) + 1 or not all(isinstance(weight, (int, float)) and not isinstance(weight, bool)
                                               and 0 < weight <= 100 for weight in weights):
        raise SettingsError(f"task_weights: {len(ids) + 1} numbers above 0 (at most 100), the run's snapshot first.")
    config["tasks"], config["task_weights"] = ids, [float(weight) for weight in weights]
    return [others[pk] for pk in ids]


def check_devices(config):
    if config["devices"] == 1:
        return
    if config["base"] in ("baseline", "crf") or config["task"] == "spans" or config["tasks"] or config["teacher"]:
        raise SettingsError("devices: several devices train an encoder classifier of one task (not the baseline, a "
                            "span tagger, a multi-task fine-tune or a distillation's student).")
    if config["batch_size"] % config["devices"]:
        raise SettingsError(f"devices: a batch of {config['batch_size']} cannot be split evenly among "
                            f"{config['devices']} devices; choose a batch size that is a multiple of "
                            f"{config['devices']}.")


def check_teacher(project, config):
    """A distillation's teacher and unlabeled corpora are the project's; its student an encoder of document labels,
    trained once. The teacher's version."""
    if config["base"] in ("baseline", "crf") or config["task"] != "labels":
        raise SettingsError("teacher: the student is an encoder classifier (base version:<id> or folder:<name>).")
    if config["trials"]:
        raise SettingsError("teacher: a distillation trains its student with the settings given (set trials to 0).")
    teacher = ModelVersion.objects.select_related("registered_model").filter(
        pk=config["teacher"], registered_model__project=project,
        registered_model__kind=RegisteredModel.Kind.CLASSIFIER).first()
    if teacher is None:
        raise FinetuneError("teacher: no classifier version with that id in this project.")
    ids = [value for value in config["unlabeled_corpora"] if isinstance(value, int) or str(value).isdigit()]
    if len(ids) != len(config["unlabeled_corpora"]) or project.corpora.filter(pk__in=ids).count() != len(set(ids)):
        raise FinetuneError("unlabeled_corpora: corpus ids of this project.")
    config["unlabeled_corpora"] = [int(value) for value in ids]
    return teacher
