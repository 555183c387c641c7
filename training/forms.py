from django import forms

from .cleaning import recipe as recipes
from .cleaning.deid import CATEGORIES
from .finetuning import run as finetuning
from .models import RetrainPolicy
from .pretraining import config as pretraining


class SettingsForm(forms.Form):
    """A field for every setting of a settings table, with its defaults; `settings()` gives the JSON.
    `choices` turns a setting into a select, `many` into checkboxes, `lines` into one-per-line text."""

    table, choices, many, lines = {}, {}, {}, ()

    def __init__(self, *args, initial_settings=None, **kwargs):
        super().__init__(*args, **kwargs)
        values = {name: spec[1] for name, spec in self.table.items()} | (initial_settings or {})
        for name, (kind, _default, minimum, maximum, help_text) in self.table.items():
            label = name.replace("_", " ").capitalize()
            value = values[name]
            if name in self.many:
                field = forms.MultipleChoiceField(choices=self.many[name], required=False, label=label,
                                                  widget=forms.CheckboxSelectMultiple)
            elif name in self.choices:
                field = forms.ChoiceField(choices=self.choices[name], label=label, required=kind is not str or
                                          all(option for option, _ in self.choices[name]))
            elif name in self.lines:
                field = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}), label=label)
                help_text += " One per line."
                value = "\n".join(map(str, value))
            elif kind is bool:
                field = forms.BooleanField(required=False, label=label)
            elif kind is int:
                field = forms.IntegerField(min_value=minimum, max_value=maximum, label=label)
            elif kind is float:
                field = forms.FloatField(min_value=minimum, max_value=maximum, label=label)
            else:
                field = forms.CharField(required=False, max_length=300, label=label)
            field.help_text, field.initial = help_text, value
            self.fields[name] = field
        self.order_fields(list(self.table))

    def settings(self):
        data = {name: self.cleaned_data[name] for name in self.table}
        for name in self.lines:
            data[name] = [line.strip() for line in (data[name] or "").splitlines() if line.strip()]
        for name in self.many:
            kind = self.table[name][0]
            if kind is list and all(str(option).isdigit() for option, _ in self.many[name]):
                data[name] = [int(value) for value in data[name]]
        return data


class RecipeForm(SettingsForm):
    table = recipes.SETTINGS
    choices = {"replacement": [(value, value) for value in recipes.REPLACEMENTS]}
    many = {"categories": [(value, value) for value in CATEGORIES]}
    lines = ("id_patterns", "names")
    save_as = forms.CharField(required=False, max_length=120, label="Save these settings as a recipe named")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.order_fields([*self.table, "save_as"])


class PretrainForm(SettingsForm):
    table = pretraining.SETTINGS

    def __init__(self, *args, corpora=(), bases=(), **kwargs):
        self.many = {"corpora": [(str(corpus.pk), f"{corpus.name} ({corpus.get_kind_display().lower()}, "
                                                  f"{corpus.document_count} notes)") for corpus in corpora]}
        self.choices = {
            "objective": [(value, value) for value in pretraining.OBJECTIVES],
            "start": [(value, value) for value in pretraining.STARTS],
            "preset": [(value, value) for value in pretraining.PRESETS],
            "schedule": [(value, value) for value in pretraining.SCHEDULES],
            "queue": [("gpu", "gpu"), ("cpu", "cpu")],
            "base": [("", "—"), *bases],
        }
        super().__init__(*args, **kwargs)
        self.fields["corpora"].initial = [str(pk) for pk in self.fields["corpora"].initial]


class FinetuneForm(SettingsForm):
    table = finetuning.SETTINGS
    lines = ("synonyms",)

    def __init__(self, *args, snapshots=(), bases=(), **kwargs):
        self.choices = {"base": list(bases), "queue": [("gpu", "gpu"), ("cpu", "cpu")]}
        super().__init__(*args, **kwargs)
        self.fields["snapshot"] = forms.TypedChoiceField(
            coerce=int, label="Snapshot", help_text="Trains on its train split, picks thresholds and stops early on "
            "validation, and is evaluated on test.",
            choices=[(snapshot.pk, f"{snapshot.name} ({snapshot.row_count} documents)") for snapshot in snapshots])
        self.order_fields(["snapshot", *self.table])


class RetrainPolicyForm(forms.ModelForm):
    class Meta:
        model = RetrainPolicy
        fields = ["enabled", "every", "model_name", "measure"]
        labels = {"enabled": "Retrain automatically", "every": "Every this many new labels",
                  "model_name": "Classifier name", "measure": "Uncertainty measure"}
