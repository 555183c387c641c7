import pytest
from django.core.cache import cache

from labeling.models import Role
from tests.factories import MembershipFactory, ProjectFactory, UserFactory, make_admin, make_project_creator


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
