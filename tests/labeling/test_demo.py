from django.core.management import call_command

from labeling.models import Document, Membership, Project, Role
from labeling.services import demo
from labeling.services.demo_notes import generate_notes


def test_loaddemo_creates_the_project_and_prints_passwords_once(db, capsys):
    call_command("loaddemo", "--notes", "40")
    first = capsys.readouterr().out
    project = Project.objects.get(name=demo.DEMO_PROJECT_NAME)
    assert Document.objects.filter(corpus__project=project).count() == 40
    assert project.corpora.get().document_count == 40
    assert [label.name for label in project.label_schema.labels.all()] == sorted(demo.SPECIALTIES)
    roles = dict(Membership.objects.filter(project=project).values_list("user__username", "role"))
    assert roles == {"demo-manager": Role.MANAGER, "demo-reviewer": Role.REVIEWER, "demo-annotator": Role.ANNOTATOR, "demo-admin": Role.MANAGER}
    for username in roles:
        assert username in first
    call_command("loaddemo")
    second = capsys.readouterr().out
    assert "loaded already" in second and "demo-manager " not in second


def test_the_demo_users_can_log_in_with_the_printed_passwords(client, db):
    _project, passwords = demo.load_demo(note_count=5)
    for username, password in passwords.items():
        assert client.login(username=username, password=password), username
    admin = Membership.objects.get(user__username="demo-admin").user
    assert admin.is_staff and admin.has_perm("studio.promote_model")


def test_the_notes_are_the_same_for_the_same_seed_and_name_their_specialty():
    first = list(generate_notes(50))
    assert first == list(generate_notes(50))
    assert {specialty for _, _, specialty in first} == set(demo.SPECIALTIES)
    assert all("MRN:" in text and "Signed:" in text for _, text, _ in first)
