"""The audit trail: `record` writes one event; `readable` turns events into sentences with links for the audit page."""

import re
from dataclasses import dataclass, field

from django.apps import apps
from django.contrib.auth import get_user_model
from django.urls import NoReverseMatch, reverse

from .models import AuditEvent


def record(actor, verb, target, *, project_id=None, **details):
    """Write one audit event about `target` (any model instance)."""
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_name=actor.get_username() if actor is not None and actor.is_authenticated else "system",
        verb=verb,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        target_repr=str(target)[:200],
        project_id=project_id,
        details=details,
    )


def search(project="", verb=""):
    """Audit events, newest first, optionally of one project (id as text) and one verb."""
    events = AuditEvent.objects.all()
    if str(project).isdigit():
        events = events.filter(project_id=int(project))
    if verb:
        events = events.filter(verb=verb)
    return events


# What a person calls each kind of object, by its model label.
TYPE_NAMES = {
    "labeling.project": "project", "labeling.corpus": "corpus", "labeling.document": "note",
    "labeling.datasetsnapshot": "snapshot", "labeling.membership": "membership", "labeling.label": "label",
    "labeling.labelschema": "label schema", "labeling.annotatorpool": "annotator pool", "labeling.upload": "upload",
    "labeling.annotation": "annotation", "labeling.review": "review", "studio.job": "job",
    "studio.queuecheck": "queue check", "training.modelversion": "model version",
    "training.registeredmodel": "registered model", "training.pretraining": "pretraining run",
    "training.finetuning": "fine-tuning run", "training.cleaningrun": "cleaning run",
    "training.cleaningrecipe": "cleaning recipe", "training.evaluationreport": "evaluation report",
    "training.retrainpolicy": "retraining policy", "auth.user": "user",
}

# An object's page: url name and its arguments from (project id, object id, the event's details).
TARGET_PAGES = {
    "labeling.project": ("project-detail", lambda project, pk, details: [pk]),
    "labeling.corpus": ("corpus-detail", lambda project, pk, details: [project, pk]),
    "labeling.document": ("document-detail", lambda project, pk, details: [project, pk]),
    "labeling.datasetsnapshot": ("snapshot-detail", lambda project, pk, details: [project, pk]),
    "labeling.membership": ("member-list", lambda project, pk, details: [project]),
    "labeling.annotatorpool": ("member-list", lambda project, pk, details: [project]),
    "labeling.label": ("label-list", lambda project, pk, details: [project]),
    "labeling.labelschema": ("label-list", lambda project, pk, details: [project]),
    "labeling.upload": ("upload-map", lambda project, pk, details: [project, pk]),
    "labeling.annotation": ("review-list", lambda project, pk, details: [project]),
    "labeling.review": ("review-document", lambda project, pk, details: [project, details.get("document")]),
    "studio.job": ("job-detail", lambda project, pk, details: [pk]),
    "studio.queuecheck": ("system-status", lambda project, pk, details: []),
    "training.modelversion": ("model-version", lambda project, pk, details: [project, pk]),
    "training.registeredmodel": ("registered-model", lambda project, pk, details: [project, pk]),
    "training.pretraining": ("job-detail", lambda project, pk, details: [details.get("job")]),
    "training.finetuning": ("job-detail", lambda project, pk, details: [details.get("job")]),
    "training.cleaningrun": ("cleaning-run", lambda project, pk, details: [project, pk]),
    "training.evaluationreport": ("evaluation-report", lambda project, pk, details: [project, pk]),
    "training.retrainpolicy": ("model-retraining", lambda project, pk, details: [project]),
    "auth.user": ("user-detail", lambda project, pk, details: [pk]),
}

# Details that name another object by id: its page.
DETAIL_PAGES = {
    "corpus": ("corpus-detail", lambda project, pk: [project, pk]),
    "corpora": ("corpus-detail", lambda project, pk: [project, pk]),
    "job": ("job-detail", lambda project, pk: [pk]),
    "retry_of": ("job-detail", lambda project, pk: [pk]),
    "snapshot": ("snapshot-detail", lambda project, pk: [project, pk]),
    "document": ("document-detail", lambda project, pk: [project, pk]),
    "upload": ("upload-map", lambda project, pk: [project, pk]),
}
# Details that name a user by username.
USER_DETAILS = {"user", "annotator", "username"}

VERBS = {
    "project.create": "created the project", "project.update": "changed the project's settings",
    "project.admin_access": "opened the project's models as a studio admin",
    "membership.add": "added a member", "membership.role": "changed a member's role",
    "membership.remove": "removed a member", "pool.create": "made an annotator pool",
    "pool.delete": "removed an annotator pool", "label.create": "added a label", "label.update": "changed a label",
    "label.delete": "deleted a label", "schema.update": "changed the labels' settings",
    "upload.create": "uploaded a file", "upload.server_file": "registered a server file",
    "corpus.import": "imported a corpus", "corpus.delete": "deleted a corpus", "corpus.role": "changed a corpus's role",
    "corpus.clean": "cleaned a corpus", "annotation.reject": "rejected an annotation",
    "review.adjudicate": "settled a note's labels", "snapshot.create": "made a snapshot",
    "snapshot.download": "downloaded a snapshot", "labels.export": "exported labels",
    "job.start": "started a job", "job.cancel": "cancelled a job", "job.retry": "retried a job",
    "model.pretrain": "started pretraining", "model.finetune": "started fine-tuning",
    "model.version": "registered a model version", "model.promote": "promoted a version to production",
    "model.propose": "proposed a version for production", "model.rollback": "rolled production back",
    "model.download": "downloaded a model version", "model.predict": "started predictions",
    "model.retrain_policy": "changed the retraining policy", "recipe.save": "saved a cleaning recipe",
    "recipe.delete": "deleted a cleaning recipe", "token.create": "created an API token",
    "token.revoke": "revoked an API token", "user.create": "created a user",
    "user.password_link": "issued a set-password link", "user.set_password": "set their password",
    "user.activate": "reactivated a user", "user.deactivate": "deactivated a user",
    "user.create_projects": "changed who may create projects", "user.email": "changed a user's e-mail",
}


@dataclass
class Part:
    text: str
    url: str = ""


@dataclass
class Detail:
    name: str
    parts: list = field(default_factory=list)


@dataclass
class Readable:
    """An event as a person reads it: who (with a link), what, which object (with a link), the details."""

    event: AuditEvent
    action: str
    actor: Part
    target: Part
    project: Part | None
    details: list


def _url(name, args):
    if any(arg in (None, "") for arg in args):
        return ""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def _plain(value):
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:.3g}"
    if isinstance(value, dict):
        return "; ".join(f"{key.replace('_', ' ')}: {_change(item)}" for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return ", ".join(_plain(item) for item in value) or "none"
    return str(value)


def _change(value):
    """[old, new] pairs (label.update's changes) read as old → new."""
    if isinstance(value, list) and len(value) == 2:
        return f"{_plain(value[0])} → {_plain(value[1])}"
    return _plain(value)


def _target_text(event):
    kind = TYPE_NAMES.get(event.target_type, event.target_type.split(".")[-1])
    if not event.target_repr or re.fullmatch(r".* object \(\d+\)", event.target_repr):
        return f"{kind} #{event.target_id}"
    return f"{kind} {event.target_repr}" if kind not in ("project", "job", "user") else event.target_repr


def _detail(key, value, project_id, user_ids):
    if key in DETAIL_PAGES:
        name, args = DETAIL_PAGES[key]
        ids = value if isinstance(value, list) else [value]
        if all(isinstance(item, int) for item in ids):
            return Detail(key.replace("_", " "), [Part(f"#{item}", _url(name, args(project_id, item))) for item in ids])
    if key in USER_DETAILS and isinstance(value, str):
        return Detail(key, [Part(value, _url("user-detail", [user_ids.get(value)]))])
    if key == "changes" and isinstance(value, dict):
        return Detail("changes", [Part(f"{name.replace('_', ' ')}: {_change(item)}") for name, item in value.items()])
    return Detail(key.replace("_", " "), [Part(_plain(value))])


def readable(events):
    """The events (a page of them) for people, with the objects they name linked, in two queries."""
    events = list(events)
    usernames = {event.actor_name for event in events}
    for event in events:
        usernames |= {value for key, value in event.details.items() if key in USER_DETAILS and isinstance(value, str)}
    user_ids = dict(get_user_model().objects.filter(username__in=usernames).values_list("username", "pk"))
    # The project's name by its id; labeling.Project named by label, as the shell imports no app.
    project_ids = {event.project_id for event in events if event.project_id}
    project_names = dict(apps.get_model("labeling", "Project").objects.filter(pk__in=project_ids)
                         .values_list("pk", "name")) if project_ids else {}
    rows = []
    for event in events:
        name, args = TARGET_PAGES.get(event.target_type, ("", None))
        target_id = int(event.target_id) if event.target_id.isdigit() else event.target_id
        target_url = _url(name, args(event.project_id, target_id, event.details)) if name else ""
        project = None
        if event.project_id:
            project = Part(project_names.get(event.project_id, f"project #{event.project_id} (deleted)"),
                           _url("project-detail", [event.project_id]) if event.project_id in project_names else "")
        rows.append(Readable(
            event=event, action=VERBS.get(event.verb, event.verb.replace(".", " ").replace("_", " ")),
            actor=Part(event.actor_name, _url("user-detail", [user_ids.get(event.actor_name)])),
            target=Part(_target_text(event), target_url), project=project,
            details=[_detail(key, value, event.project_id, user_ids) for key, value in event.details.items()],
        ))
    return rows
