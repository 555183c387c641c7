from django import forms

from .cleaning import recipe as recipes
from .cleaning.deid import CATEGORIES


class RecipeForm(forms.Form):
    """Every cleaning setting as a field, with the recipe's defaults; `settings()` gives the JSON."""

    save_as = forms.CharField(required=False, max_length=120, label="Save these settings as a recipe named")

    def __init__(self, *args, initial_settings=None, **kwargs):
        super().__init__(*args, **kwargs)
        values = {**recipes.defaults(), **(initial_settings or {})}
        for name, (kind, _default, minimum, maximum, help_text) in recipes.SETTINGS.items():
            label = name.replace("_", " ").capitalize()
            if kind is bool:
                field = forms.BooleanField(required=False, label=label, help_text=help_text)
            elif kind is int:
                field = forms.IntegerField(min_value=minimum, max_value=maximum, label=label, help_text=help_text)
            elif kind is float:
                field = forms.FloatField(min_value=minimum, max_value=maximum, label=label, help_text=help_text)
            elif name == "replacement":
                field = forms.ChoiceField(choices=[(value, value) for value in recipes.REPLACEMENTS], label=label,
                                          help_text=help_text)
            elif name == "categories":
                field = forms.MultipleChoiceField(choices=[(value, value) for value in CATEGORIES], required=False,
                                                  widget=forms.CheckboxSelectMultiple, label=label, help_text=help_text)
            else:  # id_patterns, names: one per line
                field = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}), label=label,
                                        help_text=help_text + " One per line.")
                values[name] = "\n".join(values[name])
            field.initial = values[name]
            self.fields[name] = field
        self.order_fields([*recipes.SETTINGS, "save_as"])

    def settings(self):
        data = {name: self.cleaned_data[name] for name in recipes.SETTINGS}
        for name in ("id_patterns", "names"):
            data[name] = [line.strip() for line in (data[name] or "").splitlines() if line.strip()]
        return data
