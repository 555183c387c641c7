"""Studio accounts: admins create users, hand them a one-time set-password link (shown once, and e-mailed when
the studio can send mail), reset passwords, deactivate users and grant the right to create projects.
Every change is audited."""

import smtplib
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from rest_framework.authtoken.models import Token

from . import audit
from .errors import Refusal

# labeling.Project's "add" permission, named by its label: the shell does not import labeling.
CREATE_PROJECTS = ("labeling", "add_project")
SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"


class UserError(Refusal):
    pass


@dataclass(frozen=True)
class PasswordLink:
    url: str
    expires_at: object
    emailed: bool
    mail_error: str = ""


def is_studio_admin(user):
    """Studio admins (staff) manage users, see system status, jobs and the audit log, and reach every project's
    models."""
    # Staff alone, as the guards of these pages and of the API (staff_member_required, IsAdminUser) decide.
    return bool(user is not None and user.is_authenticated and user.is_active and user.is_staff)


def can_create_projects(user):
    return bool(user.is_authenticated and user.has_perm(".".join(CREATE_PROJECTS)))


def mail_configured():
    """An SMTP host is set, or another backend (console, file, a test's outbox) was chosen on purpose."""
    return bool(settings.EMAIL_HOST) or settings.EMAIL_BACKEND != SMTP_BACKEND


def accounts():
    return get_user_model().objects.order_by("username")


def project_creator_ids():
    """Ids of the users allowed to create projects, in one query (directly, through a group, or as superusers)."""
    app_label, codename = CREATE_PROJECTS
    permission = {"content_type__app_label": app_label, "codename": codename}
    return set(get_user_model().objects.filter(
        Q(is_superuser=True) | Q(user_permissions__in=Permission.objects.filter(**permission))
        | Q(groups__permissions__in=Permission.objects.filter(**permission))
    ).values_list("pk", flat=True))


def _check_admin(actor, user=None):
    if not is_studio_admin(actor):
        raise UserError("Only studio admins can manage users.", status=403)
    # A superuser's link or password in an admin's hands would be that superuser's powers.
    if user is not None and user.is_superuser and not actor.is_superuser:
        raise UserError("Only a superuser can change a superuser's account.", status=403)


def _create_projects_permission():
    app_label, codename = CREATE_PROJECTS
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


@transaction.atomic
def create_user(actor, username, email="", *, may_create_projects=False):
    """A new active user without a password: they choose one through a set-password link."""
    _check_admin(actor)
    username, email = username.strip(), email.strip()
    users = get_user_model().objects
    if not username:
        raise UserError("Give the new user a username.")
    if users.filter(username__iexact=username).exists():
        raise UserError(f"The username {username} is taken.")
    if email and users.filter(email__iexact=email).exists():
        raise UserError(f"Another user has the e-mail address {email}.")
    user = users.create_user(username=username, email=email)  # no password given: an unusable one, in one write
    audit.record(actor, "user.create", user, username=username, email=email)
    if may_create_projects:
        set_may_create_projects(actor, user, True)
    return user


def password_link(actor, user, build_url):
    """A one-time link to choose a new password, valid for PASSWORD_RESET_TIMEOUT seconds and until used.

    The user's current password stops working at once (and their sessions end with it). `build_url` turns
    the link's path into an absolute URL (a request's build_absolute_uri)."""
    _check_admin(actor, user)
    if not user.is_active:
        raise UserError(f"{user.get_username()} is deactivated: reactivate them first.")
    user.set_unusable_password()
    user.save(update_fields=["password"])
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    url = build_url(reverse("set-password", args=[uid, default_token_generator.make_token(user)]))
    expires_at = timezone.now() + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT)
    emailed, mail_error = False, ""
    if user.email and mail_configured():
        try:
            send_mail(
                "Choose your Vertical Studio password",
                f"Hello {user.get_username()},\n\nChoose your password for Vertical Studio here:\n{url}\n\n"
                f"The link works once, until {expires_at:%Y-%m-%d %H:%M %Z}.\n",
                None, [user.email],
            )
            emailed = True
        except (OSError, smtplib.SMTPException) as error:  # the link is still shown: the admin passes it on
            mail_error = str(error) or type(error).__name__
    details = {"emailed": emailed, **({"mail_error": mail_error} if mail_error else {})}
    audit.record(actor, "user.password_link", user, **details)
    return PasswordLink(url=url, expires_at=expires_at, emailed=emailed, mail_error=mail_error)


@transaction.atomic
def set_active(actor, user, active):
    """A deactivated user can no longer log in; their sessions and API token stop working."""
    _check_admin(actor, user)
    if not active and user.pk == actor.pk:
        raise UserError("You cannot deactivate yourself.")
    if user.is_active == active:
        return user
    user.is_active = active
    user.save(update_fields=["is_active"])
    if not active:
        Token.objects.filter(user=user).delete()
    audit.record(actor, "user.activate" if active else "user.deactivate", user)
    return user


def set_may_create_projects(actor, user, allowed):
    _check_admin(actor, user)
    permission = _create_projects_permission()
    if user.user_permissions.filter(pk=permission.pk).exists() == allowed:
        return user
    (user.user_permissions.add if allowed else user.user_permissions.remove)(permission)
    for cache in ("_perm_cache", "_user_perm_cache"):
        user.__dict__.pop(cache, None)
    audit.record(actor, "user.create_projects", user, allowed=allowed)
    return user


def set_email(actor, user, email):
    _check_admin(actor, user)
    email = email.strip()
    if email == user.email:
        return user
    if email and get_user_model().objects.filter(email__iexact=email).exclude(pk=user.pk).exists():
        raise UserError(f"Another user has the e-mail address {email}.")
    user.email = email
    user.save(update_fields=["email"])
    audit.record(actor, "user.email", user, email=email)
    return user
