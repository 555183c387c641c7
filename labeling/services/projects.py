"""Projects and their members: every change here is audited."""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import BooleanField, ExpressionWrapper, Q

from studio import audit
from studio.errors import Refusal

from ..models import Document, Membership, Project, Role


class MembershipError(Refusal):
    """A membership change that would leave the project in a bad state."""


@transaction.atomic
def create_project(actor, *, name, description=""):
    project = Project.objects.create(name=name, description=description, created_by=actor)
    membership = Membership.objects.create(project=project, user=actor, role=Role.MANAGER, added_by=actor)
    audit.record(actor, "project.create", project, project_id=project.pk, name=name)
    audit.record(actor, "membership.add", membership, project_id=project.pk, user=actor.get_username(), role=Role.MANAGER)
    return project


EDITABLE_FIELDS = ("name", "description", "overlap", "reservation_minutes", "task_order", "gold_snapshot")


@transaction.atomic
def update_project(actor, project, **values):
    """Change the editable fields given; a new overlap reopens or closes documents for the task queue."""
    changed = {field: value for field, value in values.items()
               if field in EDITABLE_FIELDS and getattr(project, field) != value}
    if changed:
        for field, value in changed.items():
            setattr(project, field, value)
        project.save(update_fields=[*changed, "updated_at"])
        audit.record(actor, "project.update", project, project_id=project.pk,
                     fields=sorted(changed), **({"overlap": project.overlap} if "overlap" in changed else {}),
                     **({"gold_snapshot": project.gold_snapshot_id} if "gold_snapshot" in changed else {}))
    if "overlap" in changed:
        Document.objects.filter(corpus__project=project).update(
            full=ExpressionWrapper(Q(claims__gte=project.overlap), output_field=BooleanField()))
    return project


def find_user(identifier):
    """The active user with this exact username or e-mail address; MembershipError when there is none."""
    users = get_user_model().objects.filter(is_active=True)
    identifier = identifier.strip()
    user = users.filter(username=identifier).first() or (
        users.filter(email__iexact=identifier).first() if "@" in identifier else None
    )
    if user is None:
        raise MembershipError("No active user has this username or e-mail address.")
    return user


@transaction.atomic
def add_member(actor, project, user, role):
    if Membership.objects.filter(project=project, user=user).exists():
        raise MembershipError(f"{user.get_username()} is already a member of this project.")
    membership = Membership.objects.create(project=project, user=user, role=role, added_by=actor)
    audit.record(actor, "membership.add", membership, project_id=project.pk, user=user.get_username(), role=role)
    return membership


def _other_managers(membership):
    return (
        Membership.objects.select_for_update()
        .filter(project_id=membership.project_id, role=Role.MANAGER)
        .exclude(pk=membership.pk)
    )


@transaction.atomic
def change_role(actor, membership, role):
    old = membership.role
    if old == role:
        return membership
    if old == Role.MANAGER and not _other_managers(membership).exists():
        raise MembershipError("A project needs at least one manager: make someone else a manager first.")
    membership.role = role
    membership.save(update_fields=["role"])
    audit.record(
        actor, "membership.role", membership, project_id=membership.project_id,
        user=membership.user.get_username(), old=old, new=role,
    )
    return membership


@transaction.atomic
def remove_member(actor, membership):
    if membership.role == Role.MANAGER and not _other_managers(membership).exists():
        raise MembershipError("A project needs at least one manager: make someone else a manager first.")
    audit.record(
        actor, "membership.remove", membership, project_id=membership.project_id,
        user=membership.user.get_username(), role=membership.role,
    )
    membership.delete()
