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


def get_version(user, project_pk, pk):
    """Managers, and studio admins in every project (they promote; see get_project's `admins`)."""
    project = get_project(user, project_pk, Role.MANAGER, admins=True)
    version = one_of(ModelVersion.objects.select_related("registered_model", "base__registered_model", "job")
                     .filter(registered_model__project=project), pk, "model version")
    version.registered_model.project = project
    return version


def get_report(user, project_pk, pk):
    project = get_project(user, project_pk, Role.MANAGER, admins=True)
    report = one_of(project.evaluations.select_related("model_version__registered_model", "snapshot", "job"), pk,
                    "evaluation report")
    report.project = project
    return report
