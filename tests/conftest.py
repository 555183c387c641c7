import os
from types import SimpleNamespace

import pytest
from django.core.cache import cache

from labeling.models import Role
from studio import dispatch
from tests.support.factories import (
    MembershipFactory,
    ProjectFactory,
    UserFactory,
    make_admin,
    make_project_creator,
)
from tests.support.importing import run
from tests.support.object_store import SeaweedServer


@pytest.fixture(autouse=True)
def _clear_cache():
    # Login throttling lives in the cache; no test sees another's failures.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def project(db):
    return ProjectFactory(name="Cardiology notes")


@pytest.fixture
def other_project(db):
    project = ProjectFactory(name="Someone else's project")
    MembershipFactory(project=project, user=UserFactory(username="stranger"), role=Role.MANAGER)
    return project


@pytest.fixture
def manager(project):
    user = make_project_creator(UserFactory(username="manager"))
    MembershipFactory(project=project, user=user, role=Role.MANAGER)
    return user


@pytest.fixture
def reviewer(project):
    user = UserFactory(username="reviewer")
    MembershipFactory(project=project, user=user, role=Role.REVIEWER)
    return user


@pytest.fixture
def annotator(project):
    user = UserFactory(username="annotator")
    MembershipFactory(project=project, user=user, role=Role.ANNOTATOR)
    return user


@pytest.fixture
def outsider(db):
    return UserFactory(username="outsider")


@pytest.fixture
def admin_user(db):
    return make_admin(UserFactory(username="studio-admin"))


@pytest.fixture
def login(client):
    def _login(user):
        if user is not None:
            client.force_login(user)
        return client

    return _login


@pytest.fixture
def artifacts(settings, tmp_path):
    settings.STUDIO_ARTIFACTS_DIR = tmp_path
    return tmp_path


@pytest.fixture
def sent(monkeypatch):
    """Tasks handed to the broker, instead of sending them."""
    messages = []
    monkeypatch.setattr(dispatch, "send", lambda name, args, queue, priority=None: messages.append((name, args, queue)))
    return messages


@pytest.fixture
def do_import(manager, project, sent, artifacts, django_capture_on_commit_callbacks):
    return lambda name, data, **mapping: run(manager, project, name, data, django_capture_on_commit_callbacks, **mapping)


@pytest.fixture(scope="session")
def seaweed(tmp_path_factory):
    """One real S3-compatible server for the session (the one CI started, at STUDIO_TEST_S3_ENDPOINT, or one of its
    own); each test takes a bucket of its own."""
    endpoint = os.environ.get("STUDIO_TEST_S3_ENDPOINT")
    server = SeaweedServer.running_at(endpoint) if endpoint else SeaweedServer(tmp_path_factory.mktemp("seaweed")).start()
    yield server
    server.stop()


@pytest.fixture
def object_store(seaweed, settings, tmp_path, monkeypatch):
    """Artifacts in a fresh bucket of the real store, this process's cache in a folder of its own; `env` is what a
    worker process needs to use the same store."""
    bucket = seaweed.new_bucket()
    url = f"s3://{bucket}/studio"
    for name, value in seaweed.environment().items():
        monkeypatch.setenv(name, value)
    settings.STUDIO_ARTIFACTS_URL = url
    settings.STUDIO_ARTIFACTS_DIR = tmp_path / "web"
    return SimpleNamespace(server=seaweed, bucket=bucket, url=url, cache=tmp_path / "web",
                           env={**seaweed.environment(), "STUDIO_ARTIFACTS_URL": url},
                           keys=lambda prefix="": [key.removeprefix("studio/")
                                                   for key in seaweed.keys(bucket, f"studio/{prefix}")])
