"""What a pretraining or a fine-tune may start from."""

from ..models import ModelVersion, RegisteredModel
from ..pretraining import config as configs


def base_choices(project):
    """The bases a pretraining may continue from: the project's encoder versions and the operator's folders."""
    versions = ModelVersion.objects.filter(registered_model__project=project,
                                           registered_model__kind=RegisteredModel.Kind.ENCODER)
    return ([(f"version:{version.pk}", f"{version} (this project)") for version in versions.select_related(
        "registered_model")] + [(f"folder:{name}", f"{name} (base models folder)") for name in configs.base_folders()])
