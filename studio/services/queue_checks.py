"""Round-trip checks: a task sent to a queue that a worker completes in the database."""

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .. import dispatch
from ..models import QueueCheck

QUEUES = [queue.name for queue in settings.CELERY_TASK_QUEUES]


@transaction.atomic
def request_check(user, queue):
    if queue not in QUEUES:
        raise ValueError(f"Unknown queue {queue!r}; the queues are {', '.join(QUEUES)}.")
    check = QueueCheck.objects.create(queue=queue, requested_by=user)

    def record_error(message):
        QueueCheck.objects.filter(pk=check.pk).update(error=message[:500])

    dispatch.send_on_commit("workers.complete_queue_check", [check.pk], queue, record_error)
    return check


def complete_check(check_id, worker, device):
    """Called by the worker: marks the check done once, whatever the number of deliveries."""
    return QueueCheck.objects.filter(pk=check_id, completed_at__isnull=True).update(
        completed_at=timezone.now(), worker=worker, device=device
    )
