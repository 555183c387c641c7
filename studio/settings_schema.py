"""One way to declare settings: job parameters, cleaning recipes, pretraining and fine-tuning
configurations. A `Setting` has a type, a default, a range, choices and help; a `Schema` fills
defaults, checks a JSON object and names whatever is wrong, describes itself for the API and the
job-kinds list, and builds the browser form's fields."""

from dataclasses import dataclass

from django import forms

from .errors import Refusal


class SettingsError(Refusal):
    """A setting is missing, unknown, of the wrong type or out of range; the message names it."""


@dataclass(frozen=True)
class Setting:
    name: str
    type: type
    default: object = None  # None: required
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple = ()
    help: str = ""

    def check(self, raw):
        """The value as this setting's type (numbers may come as text), or SettingsError naming it."""
        name, kind = self.name, self.type
        if kind is bool or isinstance(raw, bool):
            if kind is not bool or not isinstance(raw, bool):
                raise SettingsError(f"{name}: expected {kind.__name__}, got {raw!r}.")
            value = raw
        elif kind in (int, float):
            if isinstance(raw, str):
                try:
                    raw = float(raw) if kind is float else int(raw)
                except ValueError:
                    raise SettingsError(f"{name}: expected {kind.__name__}, got {raw!r}.") from None
            if not isinstance(raw, (int, float)):
                raise SettingsError(f"{name}: expected {kind.__name__}, got {raw!r}.")
            if kind is int and raw != int(raw):
                raise SettingsError(f"{name}: expected a whole number, got {raw!r}.")
            value = kind(raw)
        elif not isinstance(raw, kind):
            raise SettingsError(f"{name}: expected {kind.__name__}, got {raw!r}.")
        else:
            value = list(raw) if kind is list else raw
        if self.minimum is not None and value < self.minimum:
            raise SettingsError(f"{name}: must be at least {self.minimum}, got {value}.")
        if self.maximum is not None and value > self.maximum:
            raise SettingsError(f"{name}: must be at most {self.maximum}, got {value}.")
        if self.choices and value not in self.choices:
            raise SettingsError(f"{name}: must be one of {', '.join(map(str, self.choices))}, got {value!r}.")
        return value

    @property
    def initial(self):
        return list(self.default) if isinstance(self.default, list) else self.default

    def form_field(self, choices=None):
        """A form field for this setting; `choices` (value, label) pairs make it a select."""
        label = self.name.replace("_", " ").capitalize()
        choices = choices if choices is not None else [(choice, choice) for choice in self.choices]
        if choices:
            return forms.ChoiceField(choices=choices, label=label, required=self.type is not str or
                                     all(option for option, _ in choices))
        if self.type is bool:
            return forms.BooleanField(required=False, label=label)
        if self.type is int:
            return forms.IntegerField(min_value=self.minimum, max_value=self.maximum, label=label)
        if self.type is float:
            return forms.FloatField(min_value=self.minimum, max_value=self.maximum, label=label)
        return forms.CharField(required=False, max_length=300, label=label)


class Schema:
    """An ordered set of settings; `what` names them in messages ("cleaning setting")."""

    def __init__(self, *settings, what="setting"):
        self.settings = {setting.name: setting for setting in settings}
        self.what = what

    def __iter__(self):
        return iter(self.settings.values())

    def __getitem__(self, name):
        return self.settings[name]

    def defaults(self):
        return {setting.name: setting.initial for setting in self}

    def clean(self, raw):
        """`raw` (an object) with defaults filled in and every value checked."""
        if not isinstance(raw, dict):
            raise SettingsError(f"expected an object of {self.what}s.")
        unknown = sorted(set(raw) - set(self.settings))
        if unknown:
            raise SettingsError(f"{unknown[0]}: not a {self.what} (known: {', '.join(self.settings)}).")
        values = {}
        for setting in self:
            value = raw.get(setting.name)
            if value is None and setting.default is None:
                raise SettingsError(f"{setting.name}: this {self.what} is required.")
            values[setting.name] = setting.initial if value is None else setting.check(value)
        return values

    def describe(self):
        """Every setting with its default, type, range and meaning (each …/defaults/ endpoint)."""
        return {setting.name: {"default": setting.default, "type": setting.type.__name__, "minimum": setting.minimum,
                               "maximum": setting.maximum, "help": setting.help} for setting in self}


class SettingsForm(forms.Form):
    """A field for every setting of `schema`, with its defaults; `settings()` gives the JSON.
    `choices` turns a setting into a select, `many` into checkboxes, `lines` into one-per-line text."""

    schema = Schema()
    choices, many, lines = {}, {}, ()

    def __init__(self, *args, initial_settings=None, **kwargs):
        super().__init__(*args, **kwargs)
        values = self.schema.defaults() | (initial_settings or {})
        for setting in self.schema:
            name, value, help_text = setting.name, values[setting.name], setting.help
            if name in self.many:
                field = forms.MultipleChoiceField(choices=self.many[name], required=False,
                                                  label=name.replace("_", " ").capitalize(),
                                                  widget=forms.CheckboxSelectMultiple)
            elif name in self.lines:
                field = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}),
                                        label=name.replace("_", " ").capitalize())
                help_text += " One per line."
                value = "\n".join(map(str, value))
            else:
                field = setting.form_field(self.choices.get(name))
            field.help_text, field.initial = help_text, value
            self.fields[name] = field
        self.order_fields(list(self.schema.settings))

    def settings(self):
        data = {name: self.cleaned_data[name] for name in self.schema.settings}
        for name in self.lines:
            data[name] = [line.strip() for line in (data[name] or "").splitlines() if line.strip()]
        for name in self.many:
            if self.schema[name].type is list and all(str(option).isdigit() for option, _ in self.many[name]):
                data[name] = [int(value) for value in data[name]]
        return data
