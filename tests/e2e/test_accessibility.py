"""Every page an admin can reach by following links, in the light and the dark scheme: axe-core finds no serious or
critical violation, and every page answers without a console error."""

import re
from contextlib import nullcontext
from urllib.parse import urldefrag, urlparse

import pytest

from labeling.models import LabelSchema, Project
from labeling.services import demo
from tests.e2e.conftest import log_in
from tests.e2e.seeing import assert_accessible
from tests.support.classifiers import finetune, labeled_snapshot

SKIPPED = ("/api/", "/accounts/logout", "/django-admin/", "/static/", "download", "/export")
MOST_PAGES = 60


@pytest.fixture
def studio_with_a_model(transactional_db):
    _project, passwords = demo.load_demo(note_count=12)
    project = Project.objects.get(name=demo.DEMO_PROJECT_NAME)
    manager = project.memberships.get(user__username="demo-manager").user
    LabelSchema.objects.filter(project=project).delete()
    snapshot = labeled_snapshot(project, manager, lambda execute: nullcontext(), count=60, name="Gold v1")
    finetune(manager, project, snapshot, lambda execute: nullcontext(), base="baseline", model_name="Triage")
    return passwords


def _links(page, origin):
    hrefs = page.eval_on_selector_all("a[href]:not([download])", "links => links.map(link => link.href)")
    for href in hrefs:
        url = urldefrag(href).url
        if urlparse(url).netloc == origin and not any(part in url for part in SKIPPED):
            yield url


def _shape(path):
    return re.sub(r"\d+", "N", path)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_reachable_page_passes_axe(browser, live_server, studio_with_a_model, scheme):
    context = browser.new_context(base_url=live_server.url, color_scheme=scheme)
    context.set_default_timeout(15_000)
    page = context.new_page()
    problems = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    log_in(page, "demo-admin", studio_with_a_model["demo-admin"])
    origin = urlparse(live_server.url).netloc
    queue, seen = [live_server.url + "/projects/"], set()
    while queue and len(seen) < MOST_PAGES:
        url = queue.pop(0)
        path = urlparse(url).path
        if _shape(path) in seen:  # one page of each kind: one document, one job, one user…
            continue
        seen.add(_shape(path))
        response = page.goto(url)
        assert response.status < 500, (url, response.status)
        assert_accessible(page, f"{path} ({scheme})")
        queue += [link for link in _links(page, origin) if _shape(urlparse(link).path) not in seen]
    assert len(seen) >= 25, sorted(seen)
    assert problems == []
    context.close()
