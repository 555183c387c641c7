"""Scoped lookups for cleaning and model objects (see labeling.access): 404 for what the user may not see."""

from labeling.access import get_project, in_project, one_of
from labeling.models import Role

from .models import ModelVersion


def get_run(user, project_pk, pk):
    """Cleaning reports show notes before de-identification: managers only."""
    return in_project(user, project_pk, Role.MANAGER,
                      lambda project: project.cleaning_runs.select_related("source", "output", "job", "recipe"), pk,
                      "cleaning run")


def get_recipe(user, project_pk, pk):
    return in_project(user, project_pk, Role.MANAGER, lambda project: project.cleaning_recipes.all(), pk, "recipe")


def get_version(user, project_pk, pk, *, admins=False):
    """Managers; with `admins`, studio admins in every project too (the registry, where they promote; see
    get_project)."""
    project = get_project(user, project_pk, Role.MANAGER, admins=admins)
    version = one_of(ModelVersion.objects.select_related("registered_model", "base__registered_model", "job")
                     .filter(registered_model__project=project), pk, "model version")
    version.registered_model.project = project
    return version


def get_report(user, project_pk, pk, *, admins=False):
    return in_project(user, project_pk, Role.MANAGER,
                      lambda project: project.evaluations.select_related("model_version__registered_model", "snapshot",
                                                                         "job"), pk, "evaluation report", admins=admins)
