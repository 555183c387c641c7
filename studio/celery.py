"""The Celery application. Workers start with `celery -A studio worker -Q cpu` (or `gpu`)."""

import os

from celery import Celery

from . import broker  # noqa: F401  (the embedded broker's transport, registered as "filesystem")

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studio.settings.local")

app = Celery("studio")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["workers"])
