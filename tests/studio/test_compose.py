"""docker-compose.yml and the Dockerfile refer only to things that exist in the project."""

import re
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import get_commands
from django.urls import resolve

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
STUDIO_SERVICES = [name for name, service in SERVICES.items() if service.get("build")]
QUEUES = {queue.name for queue in settings.CELERY_TASK_QUEUES}


def check_command(command):
    program, *args = command
    if program == "gunicorn":
        if args[0] == "-c":
            config = args[1].removeprefix("python:")
            assert (ROOT / (config.replace(".", "/") + ".py")).exists(), config
            args = args[2:]
        module, attribute = args[0].split(":")
        path = ROOT / (module.replace(".", "/") + ".py")
        assert path.exists(), path
        assert re.search(rf"^{attribute} = ", path.read_text(), re.M), f"{path} defines no {attribute}"
    elif program == "celery":
        assert args[:2] == ["-A", "studio"] and (ROOT / "studio" / "celery.py").exists()
        assert args[2] in {"worker", "inspect"}
        if "-Q" in args:
            assert set(args[args.index("-Q") + 1].split(",")) <= QUEUES
    elif program == "python":
        if args[0] == "manage.py":
            assert (ROOT / "manage.py").exists() and args[1] in get_commands()
        else:
            assert args[0] == "-c"
            for path in re.findall(r"http://127\.0\.0\.1:8000(/[^'\"]*)", args[1]):
                resolve(path)
    else:
        pytest.fail(f"unexpected program {program!r} in {command}")


def test_the_expected_services_exist():
    assert {"postgres", "redis", "objectstore", "web", "worker-cpu", "worker-gpu"} <= set(SERVICES)


@pytest.mark.parametrize("name", STUDIO_SERVICES)
def test_each_studio_service_command_refers_to_something_that_exists(name):
    check_command(SERVICES[name]["command"])


@pytest.mark.parametrize("name", STUDIO_SERVICES)
def test_each_health_check_refers_to_something_that_exists(name):
    healthcheck = SERVICES[name].get("healthcheck")
    if healthcheck is None:
        assert name in ("migrate", "artifacts-check")
        return
    kind, *command = healthcheck["test"]
    check_command(command if kind == "CMD" else command[0].replace("$$HOSTNAME", "host").split()[:5])


def test_every_service_has_a_health_check_or_runs_once():
    for name, service in SERVICES.items():
        assert "healthcheck" in service or service.get("restart") == "no", name


def test_the_gpu_worker_reserves_a_gpu_and_runs_one_job_at_a_time():
    worker = SERVICES["worker-gpu"]
    devices = worker["deploy"]["resources"]["reservations"]["devices"]
    assert devices[0]["driver"] == "nvidia" and devices[0]["capabilities"] == ["gpu"]
    command = worker["command"]
    assert command[command.index("-Q") + 1] == "gpu"
    assert command[command.index("--concurrency") + 1] == "1"


def _writable(service):
    return {volume.split(":")[0] for volume in service.get("volumes", ()) if not volume.endswith(":ro")}


def test_artifacts_live_in_the_object_store_and_no_worker_shares_a_writable_volume_with_the_web_app():
    for name in STUDIO_SERVICES:
        environment = SERVICES[name]["environment"]
        assert environment["STUDIO_ARTIFACTS_URL"] == "${STUDIO_ARTIFACTS_URL:-s3://studio/artifacts}"
        assert environment["AWS_ENDPOINT_URL"] == "${AWS_ENDPOINT_URL:-http://objectstore:8333}"
    store = SERVICES["objectstore"]["command"]
    assert "-s3" in store and not any(arg.startswith("-s3.port=") for arg in store)  # its default port, 8333
    for worker in ("worker-cpu", "worker-gpu"):
        assert _writable(SERVICES[worker]) and not _writable(SERVICES[worker]) & _writable(SERVICES["web"])
        assert SERVICES[worker]["depends_on"]["artifacts-check"]["condition"] == "service_completed_successfully"
    assert SERVICES["artifacts-check"]["command"] == ["python", "manage.py", "check_artifacts", "--create-bucket"]
    identities = COMPOSE["configs"]["s3-identities"]["content"]
    assert "${STUDIO_S3_ACCESS_KEY}" in identities and "${STUDIO_S3_SECRET_KEY}" in identities


def test_the_dockerfile_copies_only_what_exists():
    dockerfile = (ROOT / "Dockerfile").read_text()
    for source in re.findall(r"^COPY (\S+(?: \S+)*) \S+$", dockerfile, re.M):
        for path in source.split():
            assert (ROOT / path).exists(), path
