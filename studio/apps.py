from pathlib import Path

from django.apps import AppConfig
from django.conf import settings
from django.utils.module_loading import autodiscover_modules


class StudioConfig(AppConfig):
    name = "studio"
    verbose_name = "Studio"

    def ready(self):
        # The embedded default keeps its database, broker and artifacts under var/;
        # creating the folders here lets a fresh checkout start without a manual step.
        for folder in embedded_folders():
            Path(folder).mkdir(parents=True, exist_ok=True)
        autodiscover_modules("jobs")  # each app declares its job kinds in its jobs.py


def embedded_folders():
    folders = [settings.STUDIO_ARTIFACTS_DIR, settings.STATIC_ROOT]
    db = settings.DATABASES["default"]
    if db["ENGINE"] == "django.db.backends.sqlite3":
        folders.append(Path(str(db["NAME"])).parent)
        if db.get("TEST", {}).get("NAME"):
            folders.append(Path(db["TEST"]["NAME"]).parent)
    options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
    folders.extend(options[key] for key in ("data_folder_in", "processed_folder", "control_folder") if key in options)
    return folders
