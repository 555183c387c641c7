"""Settings come from the environment; bad values and insecure production setups fail at start."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from studio.settings import env as studio_env

ROOT = Path(__file__).resolve().parents[2]
GOOD_SECRET = secrets.token_urlsafe(64)


def manage(*args, settings="studio.settings.production", **env):
    environment = {
        key: value for key, value in os.environ.items()
        if key not in {"SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    environment.update(DJANGO_SETTINGS_MODULE=settings, **env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )


def test_production_passes_the_deploy_check(tmp_path):
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING",
        SECRET_KEY=GOOD_SECRET, ALLOWED_HOSTS="studio.example.org", DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    "secret",
    ["", "django-insecure-vertical-studio-development-only", "django-insecure-" + "x" * 60, "short-but-random-7f3a", "a" * 80,
     "changeme" * 8],
)
def test_production_refuses_an_insecure_secret(secret):
    result = manage("check", SECRET_KEY=secret, ALLOWED_HOSTS="studio.example.org")
    assert result.returncode != 0
    assert "SECRET_KEY is insecure" in result.stderr


def test_production_refuses_debug():
    result = manage("check", SECRET_KEY=GOOD_SECRET, ALLOWED_HOSTS="studio.example.org", DEBUG="1")
    assert result.returncode != 0
    assert "DEBUG must be off in production" in result.stderr


def test_production_needs_allowed_hosts():
    result = manage("check", SECRET_KEY=GOOD_SECRET)
    assert result.returncode != 0
    assert "ALLOWED_HOSTS" in result.stderr


@pytest.mark.parametrize(
    "name,value",
    [("DEBUG", "maybe"), ("DATABASE_URL", "nosuchdb://x"), ("CELERY_BROKER_URL", "amqp-ish"), ("SESSION_COOKIE_AGE", "eight hours")],
)
def test_a_malformed_variable_fails_at_start_naming_it(name, value):
    result = manage("check", settings="studio.settings.local", **{name: value})
    assert result.returncode != 0
    assert f"Environment variable {name}=" in result.stderr


def test_env_bool_accepts_the_usual_spellings(monkeypatch):
    for raw, expected in [("1", True), ("yes", True), ("ON", True), ("0", False), ("off", False)]:
        monkeypatch.setenv("STUDIO_FLAG", raw)
        assert studio_env.env_bool("STUDIO_FLAG", None) is expected
    monkeypatch.delenv("STUDIO_FLAG")
    assert studio_env.env_bool("STUDIO_FLAG", True) is True


def test_env_int_checks_the_minimum(monkeypatch):
    monkeypatch.setenv("STUDIO_NUMBER", "0")
    with pytest.raises(ImproperlyConfigured, match="STUDIO_NUMBER='0' is not an integer of at least 1"):
        studio_env.env_int("STUDIO_NUMBER", 5, minimum=1)


def test_sqlite_runs_in_wal_mode(db):
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("the embedded default only: this run uses " + connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"


def test_celery_is_configured_for_long_jobs(settings):
    from studio.celery import app

    conf = app.conf
    assert conf.task_acks_late and conf.task_reject_on_worker_lost
    assert conf.worker_prefetch_multiplier == 1
    assert conf.accept_content == ["json"] and conf.task_serializer == "json"
    assert sorted(queue.name for queue in conf.task_queues) == ["cpu", "gpu"]
    assert {queue.name: queue.routing_key for queue in conf.task_queues} == {"cpu": "cpu", "gpu": "gpu"}
    if conf.broker_url.startswith("redis"):
        assert conf.broker_transport_options["visibility_timeout"] > settings.STUDIO_LONGEST_JOB_SECONDS
