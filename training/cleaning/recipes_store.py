"""Saved cleaning recipes, per project. Audited."""

from django.db import transaction

from studio import audit

from ..models import CleaningRecipe
from . import recipe as recipes


@transaction.atomic
def save_recipe(user, project, name, settings):
    """Create or replace the project's recipe of this name; RecipeError for bad settings."""
    name = (name or "").strip()
    if not name:
        raise recipes.RecipeError("name: give the recipe a name.")
    if len(name) > 120:
        raise recipes.RecipeError("name: at most 120 characters.")
    full = recipes.clean(settings)
    saved, created = CleaningRecipe.objects.update_or_create(
        project=project, name=name, defaults={"steps": full, "created_by": user})
    audit.record(user, "recipe.save", saved, project_id=project.pk, name=name, created=created)
    return saved


@transaction.atomic
def delete_recipe(user, recipe):
    audit.record(user, "recipe.delete", recipe, project_id=recipe.project_id, name=recipe.name)
    recipe.delete()
