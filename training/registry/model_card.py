"""The model card that goes into a version's download (README.md): what it was trained on, how it
scored (with intervals), its labels, intended use, limitations and lineage."""

import html
import re

from django.utils import timezone

from ..finetuning.classifier_file import reading_in_words
from ..models import EvaluationReport
from .aliases import gold_snapshot_of

_MARKUP = re.compile(r"([\\`*_{}\[\]()#+\-.!|~])")


def _figure(value):
    return "—" if value is None else f"{value:.3f}"


def _text(value):
    """A name as plain text on one line: Markdown and HTML in it are shown, never interpreted."""
    return html.escape(_MARKUP.sub(r"\\\1", " ".join(str(value).split())), quote=False)


def _code(value):
    """A value as one code span on one line."""
    return "`" + " ".join(str(value).replace("`", "'").split()) + "`"


def model_card(version):
    registered = version.registered_model
    project = registered.project
    lineage, metrics = version.lineage or {}, version.metrics or {}
    aliases = [alias.name for alias in version.aliases.all()]
    lines = [f"# {_text(registered.name)} — version {version.version}", "",
             f"A {registered.kind} from the project “{_text(project.name)}”, registered "
             f"{timezone.localtime(version.created_at):%Y-%m-%d %H:%M %Z}"
             f"{' by ' + _text(version.created_by.get_username()) if version.created_by else ''}."
             f"{' Now holds: ' + ', '.join(aliases) + '.' if aliases else ''}", ""]
    lines += ["## Data", ""]
    if "snapshot" in lineage:
        snapshot = lineage["snapshot"]
        lines.append(f"- Trained on the train split of snapshot “{_text(snapshot['name'])}” (#{snapshot['id']}, "
                     f"sha256 {_code(snapshot['sha256'])}); validation split used for early stopping and thresholds.")
    for corpus in lineage.get("corpora", []):
        lines.append(f"- Pretrained on corpus “{_text(corpus['name'])}” ({_text(corpus['kind'])}, "
                     f"{corpus['documents']:,} documents"
                     f"{', source sha256 ' + _code(corpus['source_sha256']) if corpus.get('source_sha256') else ''}).")
    if "labels" in lineage:
        lines += ["", "## Labels", "",
                  f"{'Multi-label' if lineage.get('multi_label') else 'Single-label'}: "
                  + ", ".join(_code(label) for label in lineage["labels"]) + "."]
    reports = EvaluationReport.objects.filter(model_version=version, status=EvaluationReport.Status.DONE) \
        .select_related("snapshot").order_by("-id")[:5]
    lines += ["", "## Evaluation", ""]
    if reports:
        gold_snapshot, _task = gold_snapshot_of(version)
        lines += ["| snapshot | split | documents | macro F1 (95% interval) | micro F1 | accuracy | ECE |",
                  "| --- | --- | ---: | --- | ---: | ---: | ---: |"]
        for report in reports:
            figures = report.metrics
            low, high = (figures.get("macro_f1_interval") or [None, None])[:2]
            gold = " (gold)" if gold_snapshot == report.snapshot else ""
            lines.append(f"| {_text(report.snapshot.name)}{gold} | {report.split} | {figures.get('documents', '—')} | "
                         f"{_figure(figures.get('macro_f1'))} ({_figure(low)}–{_figure(high)}) | "
                         f"{_figure(figures.get('micro_f1'))} | {_figure(figures.get('accuracy'))} | "
                         f"{_figure(figures.get('ece'))} |")
    else:
        lines.append("Not evaluated yet.")
    if metrics:
        lines += ["", "Training figures: " + ", ".join(
            f"{_text(key)} {value:.4g}" if isinstance(value, float) else f"{_text(key)} {value}"
            for key, value in metrics.items()
            if isinstance(value, int | float)) + "."]
    lines += ["", "## Intended use", "",
              f"{'Suggesting labels for' if registered.kind == 'classifier' else 'Fine-tuning classifiers on'} "
              f"documents like those of this project, with a person checking the result. Not for decisions about "
              f"patients without clinical review.",
              "", "## Limitations", "",
              "- It learned from this project's documents and labels only; other sites, specialties or writing "
              "styles may score lower than the figures above.",
              "- Figures come from held-out documents of the same snapshot: they estimate, not guarantee, "
              "performance in use; see the intervals.",
              "- Scores are probabilities as calibrated on the test split (ECE above); thresholds for multi-label "
              "were tuned on the validation split."]
    lines += ["", "## Lineage", "",
              f"- Base: {_text(lineage.get('base') or version.base_name or (version.base or 'none'))}",
              *([f"- Distilled from {_text(lineage['teacher']['name'])} (sha256 "
                 f"{_code(lineage['teacher']['sha256'])}): {_code(lineage.get('distillation', {}))}"]
                if lineage.get("teacher") else []),
              *([f"- Exported to ONNX {_text(lineage.get('precision', ''))} from "
                 f"{_text(lineage['exported_from']['name'])} (sha256 {_code(lineage['exported_from']['sha256'])}); "
                 "served by ONNX Runtime"] if lineage.get("exported_from") else []),
              *([f"- Multi-task: the head for {_text(lineage['multitask']['task'])}; one encoder learnt "
                 f"{_text(', '.join(lineage['multitask']['tasks']))} (loss weights "
                 f"{_code(lineage['multitask']['weights'])}), its file {_code(lineage['multitask']['encoder_file'])} "
                 f"(sha256 {_code(lineage['multitask']['encoder_sha256'])}) shared by each task's version"]
                if lineage.get("multitask") else []),
              *([f"- Long notes: {reading}"] if (reading := reading_in_words(
                  lineage, (version.params or {}).get("max_length", 0))) else []),
              f"- Job: #{version.job_id}" if version.job_id else "- Job: —",
              f"- Device: {_text(lineage.get('device', '—'))}",
              f"- Artifact sha256 (files of this folder before this card was added): {_code(version.sha256)}",
              f"- Parameters: {_code(version.params)}", ""]
    return "\n".join(lines)
