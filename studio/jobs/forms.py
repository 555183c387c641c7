"""A form for any job kind, built from its declared parameters."""

from django import forms

from ..settings_schema import SettingsError


def params_form(kind, data=None):
    fields = {}
    for param in kind.params:
        options = {"label": param.name.replace("_", " ").capitalize(), "help_text": param.help, "initial": param.default}
        if param.choices:
            field = forms.ChoiceField(choices=[(choice, choice) for choice in param.choices], **options)
        elif param.type is bool:
            field = forms.BooleanField(required=False, **options)
        elif param.type is int:
            field = forms.IntegerField(min_value=param.minimum, max_value=param.maximum, **options)
        elif param.type is float:
            field = forms.FloatField(min_value=param.minimum, max_value=param.maximum, **options)
        else:
            field = forms.CharField(**options)
        fields[param.name] = field

    def clean(self):
        cleaned = forms.Form.clean(self)
        try:
            self.params = kind.clean_params({name: value for name, value in cleaned.items() if value is not None})
        except SettingsError as error:
            raise forms.ValidationError(str(error)) from None
        return cleaned

    form_class = type(f"{kind.name.title()}ParamsForm", (forms.Form,), {**fields, "clean": clean})
    return form_class(data, prefix=kind.name)
