"""What an admin needs to know to trust the studio: database, broker, artifacts, workers and their devices."""

import shutil

from django.conf import settings
from django.db import connection

from .. import artifacts
from ..celery import app


def database_status():
    status = {"kind": connection.vendor, "reachable": False, "error": ""}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        status["reachable"] = True
    except Exception as error:  # any driver error means "not reachable"; show it
        status["error"] = str(error)
    return status


def broker_status():
    url = app.conf.broker_url
    status = {"kind": url.split("://", 1)[0], "reachable": False, "error": ""}
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        status["reachable"] = True
    except Exception as error:  # kombu raises transport-specific errors
        status["error"] = str(error)
    return status


def artifacts_status():
    """Where the artifacts live, whether this process can reach them, and the free space of its folder (the
    artifacts themselves, or its cache of the store)."""
    status = {"kind": "folder", "where": "", "reachable": False, "error": "", "free_bytes": None}
    try:
        store = artifacts.store()
        status.update(kind="s3" if store.remote else "folder", where=store.describe())
        store.prepare()
        status["free_bytes"] = shutil.disk_usage(settings.STUDIO_ARTIFACTS_DIR).free
        status["reachable"] = True
    except Exception as error:  # a wrong URL, an unreachable endpoint, a refused key: show it
        status["error"] = str(error)
    return status


def workers_status(timeout=1.5):
    """Live workers from `inspect ping`, with their queues and compute device."""
    try:
        pongs = app.control.inspect(timeout=timeout).ping() or {}
    except Exception as error:
        return {"workers": [], "error": str(error)}
    names = sorted(pongs)
    if not names:
        return {"workers": [], "error": ""}
    inspector = app.control.inspect(destination=names, timeout=timeout, limit=len(names))
    queues = inspector.active_queues() or {}
    devices = inspector._request("device") or {}
    workers = [
        {
            "name": name,
            "queues": sorted(queue["name"] for queue in queues.get(name, [])),
            "device": devices.get(name, {"kind": "unknown"}),
        }
        for name in names
    ]
    return {"workers": workers, "error": ""}


def system_status():
    broker = broker_status()
    workers = workers_status() if broker["reachable"] else {"workers": [], "error": "broker unreachable"}
    return {"database": database_status(), "broker": broker, "artifacts": artifacts_status(), **workers}
