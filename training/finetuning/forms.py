"""The fine-tuning settings as a form."""

from django import forms

from studio.settings_schema import SettingsForm

from .service import CLASSIFIER_SETTINGS, CRF_SETTINGS, ENCODER_SETTINGS, SETTINGS


class FinetuneForm(SettingsForm):
    schema = SETTINGS
    lines = ("synonyms", "task_weights")

    def __init__(self, *args, snapshots=(), bases=(), teachers=(), corpora=(), **kwargs):
        self.choices = {"base": list(bases), "teacher": [(0, "none: an ordinary fine-tune"), *teachers]}
        self.many = {"unlabeled_corpora": list(corpora),
                     "tasks": [(snapshot.pk, f"{snapshot.name} ({_task_of(snapshot)}, {snapshot.row_count:,} "
                                             "documents)") for snapshot in snapshots]}
        super().__init__(*args, **kwargs)
        self.fields["snapshot"] = forms.TypedChoiceField(
            coerce=int, label="Snapshot", help_text="Trains on its train split, picks thresholds and stops early on "
            "validation, and is evaluated on test.",
            choices=[(snapshot.pk, f"{snapshot.name} ({snapshot.row_count} documents)") for snapshot in snapshots])
        self.order_fields(["snapshot", *self.schema.settings])
        # Shown only when an encoder is the base (studio/static/studio/finetune_form.js); left out, they take defaults.
        for kinds, names in (("encoder", ENCODER_SETTINGS), ("crf", CRF_SETTINGS),
                             ("baseline encoder", CLASSIFIER_SETTINGS)):
            for name in names:
                self.fields[name].required = False
                self.fields[name].widget.attrs["data-base-kind"] = kinds
        self.fields["task"].required = False
        self.fields["base"].widget.attrs["data-base-select"] = ""
        self.fields["long_notes"].widget.attrs["data-long-notes-select"] = ""
        for name in ("stride", "max_windows", "window_pooling"):  # shown when an encoder reads notes in windows
            self.fields[name].widget.attrs["data-windows-only"] = ""

    def settings(self):
        data = super().settings()
        defaulted = (*ENCODER_SETTINGS, *CRF_SETTINGS, *CLASSIFIER_SETTINGS, "task")
        data = {name: self.schema[name].default if name in defaulted and value in (None, "") else value
                for name, value in data.items()}
        return {**data, "teacher": int(data["teacher"] or 0),
                "task_weights": [_number(weight) for weight in data["task_weights"]]}


def _task_of(snapshot):
    return f"task {snapshot.task.name}" if snapshot.task_id else "main labels"


def _number(text):
    """A weight as typed: its number, or the text itself (which the settings' check refuses by name)."""
    try:
        return float(text)
    except ValueError:
        return text
