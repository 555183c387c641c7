"""Every project page marks the tab it belongs to, whatever the depth of its path."""

import re

import pytest
from django.urls import reverse

from labeling.templatetags.project_tabs import project_tab


@pytest.mark.parametrize("path,tab", [
    ("/projects/3/", "overview"), ("/projects/3/edit/", "overview"), ("/projects/3/corpora/4/clean/", "overview"),
    ("/projects/3/cleaning/9/clusters/2/", "overview"), ("/projects/3/labels/schema/", "labels"),
    ("/projects/3/annotate/7/submit/", "annotate"), ("/projects/3/review/12/", "review"),
    ("/projects/3/snapshots/2/", "datasets"), ("/projects/3/evaluations/compare/", "models"),
    ("/projects/3/models/versions/5/promote/", "models"), ("/jobs/4/", "overview"),
])
def test_a_path_names_its_tab(path, tab):
    assert project_tab(path) == tab


@pytest.mark.django_db
@pytest.mark.parametrize("name,tab", [
    ("project-detail", "Overview"), ("label-list", "Labels"), ("annotate", "Annotate"), ("review-list", "Review"),
    ("agreement", "Agreement"), ("member-list", "Members"), ("dashboard", "Dashboard"), ("model-list", "Models"),
    ("dataset-list", "Datasets"), ("project-jobs", "Jobs"), ("pretrain", "Models"), ("corpus-upload", "Overview"),
])
def test_each_project_page_marks_its_tab_and_only_that_one(client, manager, project, name, tab):
    client.force_login(manager)
    page = client.get(reverse(name, args=[project.pk])).content.decode()
    current = re.findall(r'<a href="[^"]*" aria-current="page">([^<]+)</a>', page)
    assert current == [tab]
