"""The labels page saves every label at once (and the API changes several), new labels get distinct colour-blind-safe
colours, guidelines render Markdown tables with HTML still escaped, and the project list counts every member."""

import pytest
from django.urls import reverse

from labeling.models import Label, LabelSchema, Role
from labeling.services import schema as schema_service
from studio.models import AuditEvent
from tests.support.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def three_labels(project):
    schema = LabelSchema.objects.create(project=project)
    return [Label.objects.create(schema=schema, name=name, hotkey=str(n + 1), position=n)
            for n, name in enumerate(("Cardiology", "Respiratory", "Neurology"))]


def row(label, **values):
    fields = {"name": label.name, "description": label.description, "color": label.color, "hotkey": label.hotkey,
              "version": label.version, **values}
    return {f"label-{label.pk}-{field}": value for field, value in fields.items()}


def test_one_save_changes_every_label_and_keys_may_swap(client, project, manager):
    first, second, third = three_labels(project)
    client.force_login(manager)
    page = client.get(reverse("label-list", kwargs={"pk": project.pk})).content.decode()
    assert page.count('id="labels-form"') == 1 and page.count('form="labels-form"') == 3 * 5
    response = client.post(reverse("labels-save", kwargs={"pk": project.pk}), {
        **row(first, hotkey="2", name="Cardio"), **row(second, hotkey="1"), **row(third, description="Brain")})
    assert response.status_code == 302
    assert list(Label.objects.values_list("name", "hotkey", "description", "version")) == [
        ("Cardio", "2", "", 2), ("Respiratory", "1", "", 2), ("Neurology", "3", "Brain", 2)]
    assert AuditEvent.objects.filter(verb="label.update").count() == 3


def test_one_bad_row_saves_nothing(client, project, manager):
    first, second, _third = three_labels(project)
    client.force_login(manager)
    clash = client.post(reverse("labels-save", kwargs={"pk": project.pk}), {
        **row(first, name="Respiratory"), **row(second, description="Lungs")})
    assert clash.status_code == 400 and "There is a label “Respiratory” already" in clash.content.decode()
    stale = client.post(reverse("labels-save", kwargs={"pk": project.pk}), {
        **row(first, name="Cardio", version=7), **row(second, description="Lungs")})
    assert stale.status_code == 409 and "changed elsewhere" in stale.content.decode()
    bad = client.post(reverse("labels-save", kwargs={"pk": project.pk}), {**row(first, color="red")})
    assert bad.status_code == 400 and "Use a colour like" in bad.content.decode()
    assert list(Label.objects.values_list("name", "description", "version")) == [
        ("Cardiology", "", 1), ("Respiratory", "", 1), ("Neurology", "", 1)]


def test_the_api_changes_several_labels_at_once(client, project, manager, annotator):
    first, second, _third = three_labels(project)
    url = reverse("api-label-changes", kwargs={"project_pk": project.pk})
    body = {"labels": [{"id": first.pk, "hotkey": "2", "version": 1}, {"id": second.pk, "hotkey": "1"}]}
    client.force_login(annotator)
    assert client.patch(url, body, content_type="application/json").status_code == 403
    client.force_login(manager)
    changed = client.patch(url, body, content_type="application/json")
    assert changed.status_code == 200, changed.json()
    assert [(item["name"], item["hotkey"]) for item in changed.json()] == [("Cardiology", "2"), ("Respiratory", "1")]
    reserved = client.patch(url, {"labels": [{"id": first.pk, "hotkey": "s"}]}, content_type="application/json")
    assert reserved.status_code == 400 and Label.objects.get(pk=first.pk).hotkey == "2"


def test_new_labels_get_distinct_palette_colours_that_differ_from_their_neighbours(project, manager):
    labels = [schema_service.add_label(manager, project, name=f"L{n}") for n in range(9)]
    colors = [label.color for label in labels]
    assert colors[:7] == list(schema_service.PALETTE)
    assert all(before != after for before, after in zip(colors, colors[1:]))
    assert schema_service.add_label(manager, project, name="Mine", color="#123456").color == "#123456"


def test_the_add_form_offers_the_next_palette_colour(client, project, manager):
    schema_service.add_label(manager, project, name="First")
    client.force_login(manager)
    page = client.get(reverse("label-list", kwargs={"pk": project.pk})).content.decode()
    assert f'name="new-color" value="{schema_service.PALETTE[1]}"' in page


def test_labels_added_through_the_api_without_a_colour_differ(client, project, manager):
    client.force_login(manager)
    url = reverse("api-label-list", kwargs={"project_pk": project.pk})
    colors = [client.post(url, {"name": name}, content_type="application/json").json()["color"] for name in "ABC"]
    assert len(set(colors)) == 3


def test_guidelines_render_markdown_tables_and_keep_html_escaped(client, project, manager):
    LabelSchema.objects.create(project=project, guidelines=(
        "| Label | When |\n|:--|--:|\n| Cardiology | <img src=x onerror=alert(1)> heart |\n\n<script>alert(1)</script>"))
    client.force_login(manager)
    html = client.get(reverse("label-list", kwargs={"pk": project.pk})).content.decode()
    rendered = html.split('id="guidelines-rendered">')[1].split("</div>")[0]
    assert '<th class="align-left">Label</th>' in rendered and '<td class="align-right">' in rendered
    assert "<img" not in rendered and "&lt;img src=x onerror=alert(1)&gt;" in rendered
    assert "<script>" not in rendered and "style=" not in rendered


def test_the_project_list_counts_every_member(client, project, manager):
    for name in ("ann", "bob"):
        MembershipFactory(project=project, user=UserFactory(username=name), role=Role.ANNOTATOR)
    client.force_login(manager)
    page = client.get(reverse("project-list")).content.decode()
    row = page.split(f'href="/projects/{project.pk}/"')[1].split("</tr>")[0]
    assert "<td>3</td>" in row
