"""The fine-tuning settings as a form."""

from django import forms

from studio.settings_schema import SettingsForm

from .service import CRF_SETTINGS, ENCODER_SETTINGS, SETTINGS


class FinetuneForm(SettingsForm):
    schema = SETTINGS
    lines = ("synonyms",)

    def __init__(self, *args, snapshots=(), bases=(), **kwargs):
        self.choices = {"base": list(bases)}
        super().__init__(*args, **kwargs)
        self.fields["snapshot"] = forms.TypedChoiceField(
            coerce=int, label="Snapshot", help_text="Trains on its train split, picks thresholds and stops early on "
            "validation, and is evaluated on test.",
            choices=[(snapshot.pk, f"{snapshot.name} ({snapshot.row_count} documents)") for snapshot in snapshots])
        self.order_fields(["snapshot", *self.schema.settings])
        # Shown only when an encoder is the base (studio/static/studio/finetune_form.js); left out, they take defaults.
        for kind, names in (("encoder", ENCODER_SETTINGS), ("crf", CRF_SETTINGS)):
            for name in names:
                self.fields[name].required = False
                self.fields[name].widget.attrs["data-base-kind"] = kind
        self.fields["base"].widget.attrs["data-base-select"] = ""

    def settings(self):
        data = super().settings()
        return {name: self.schema[name].default if name in (*ENCODER_SETTINGS, *CRF_SETTINGS) and value in (None, "")
                else value
                for name, value in data.items()}
