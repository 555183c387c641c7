"""The demo project that `make run` loads: notes, a label schema and one user per role."""

import hashlib
import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import transaction

from ..models import Corpus, Document, Label, LabelSchema, Project, Role
from . import projects as project_service
from . import search
from .demo_notes import SPECIALTIES, generate_notes

DEMO_PROJECT_NAME = "Demo: clinic letters by specialty"
DEMO_USERS = [
    # username, role in the demo project, studio admin
    ("demo-manager", Role.MANAGER, False),
    ("demo-reviewer", Role.REVIEWER, False),
    ("demo-annotator", Role.ANNOTATOR, False),
    ("demo-admin", Role.MANAGER, True),
]
HOTKEYS = "12345"
COLORS = ["#c53030", "#2b6cb0", "#2f855a", "#6b46c1", "#b7791f"]
BATCH_SIZE = 200


def demo_exists():
    return Project.objects.filter(name=DEMO_PROJECT_NAME).exists()


def _create_user(username, admin):
    password = secrets.token_urlsafe(12)
    user = get_user_model().objects.create_user(username=username, email=f"{username}@example.org", password=password)
    if admin:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
        user.user_permissions.add(Permission.objects.get(codename="promote_model", content_type__app_label="studio"))
    return user, password


@transaction.atomic
def load_demo(note_count=300):
    """Create the demo project; returns {username: password}. Passwords are not stored anywhere else."""
    if demo_exists():
        raise ValueError("The demo project exists already.")
    if get_user_model().objects.filter(username__in=[name for name, _, _ in DEMO_USERS]).exists():
        raise ValueError("Demo users exist already; remove them or reset their passwords.")
    passwords = {}
    users = {}
    for username, _role, admin in DEMO_USERS:
        users[username], passwords[username] = _create_user(username, admin)
    manager = users["demo-manager"]
    manager.user_permissions.add(Permission.objects.get(codename="add_project", content_type__app_label="labeling"))

    project = project_service.create_project(
        manager,
        name=DEMO_PROJECT_NAME,
        description="Synthetic clinic letters, discharge summaries and referrals. Label each with its specialty.",
    )
    for username, role, _admin in DEMO_USERS[1:]:
        project_service.add_member(manager, project, users[username], role)

    schema = LabelSchema.objects.create(
        project=project,
        kind=LabelSchema.Kind.SINGLE,
        guidelines="Choose the **specialty** that the note is mainly about.\n\nIf two apply, choose the one the plan addresses.",
    )
    for position, name in enumerate(sorted(SPECIALTIES)):
        Label.objects.create(schema=schema, name=name, color=COLORS[position], hotkey=HOTKEYS[position], position=position)

    corpus = Corpus.objects.create(project=project, name="Synthetic clinic notes", created_by=manager, source_name="generated")
    batch = []
    digest = hashlib.sha256()
    for external_id, text, specialty in generate_notes(note_count):
        digest.update(text.encode())
        batch.append(Document(
            corpus=corpus, external_id=external_id, text=text, meta={"specialty_hint": specialty},
            content_hash=hashlib.sha256(text.encode()).hexdigest(), length=len(text),
        ))
        if len(batch) >= BATCH_SIZE:
            Document.objects.bulk_create(batch)
            batch = []
    Document.objects.bulk_create(batch)
    corpus.document_count = note_count
    corpus.status = Corpus.Status.READY
    corpus.source_sha256 = digest.hexdigest()
    corpus.save(update_fields=["document_count", "status", "source_sha256"])
    search.index_corpus(corpus)
    return project, passwords


def reset_passwords():
    """New passwords for the demo users that exist; returns {username: password}."""
    passwords = {}
    for user in get_user_model().objects.filter(username__in=[name for name, _, _ in DEMO_USERS]):
        passwords[user.username] = secrets.token_urlsafe(12)
        user.set_password(passwords[user.username])
        user.save(update_fields=["password"])
    return passwords


