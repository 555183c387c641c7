"""The cleaning recipe as a form."""

from django import forms

from studio.settings_schema import SettingsForm

from . import recipe as recipes
from .deid import CATEGORIES
from .service import deid_models, phi_labels


class RecipeForm(SettingsForm):
    schema = recipes.SETTINGS
    many = {"categories": [(value, value) for value in CATEGORIES]}
    lines = ("id_patterns", "names")
    save_as = forms.CharField(required=False, max_length=120, label="Save these settings as a recipe named")

    def __init__(self, *args, project=None, **kwargs):
        self.choices = {"deid_model": [(0, "None: the patterns alone")] + [
            (version.pk, f"{version} (finds {', '.join(phi_labels(version))})")
            for version in (deid_models(project) if project is not None else [])]}
        super().__init__(*args, **kwargs)
        self.order_fields([*self.schema.settings, "save_as"])
