"""The cleaning recipe as a form."""

from django import forms

from studio.settings_schema import SettingsForm

from . import recipe as recipes
from .deid import CATEGORIES


class RecipeForm(SettingsForm):
    schema = recipes.SETTINGS
    many = {"categories": [(value, value) for value in CATEGORIES]}
    lines = ("id_patterns", "names")
    save_as = forms.CharField(required=False, max_length=120, label="Save these settings as a recipe named")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.order_fields([*self.schema.settings, "save_as"])
