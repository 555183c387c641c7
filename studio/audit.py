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
