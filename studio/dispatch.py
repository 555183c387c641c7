"""Send tasks to workers by name, so no domain app imports `workers`."""

import logging

from celery import group
from django.db import transaction
from kombu.exceptions import OperationalError

from .celery import app

logger = logging.getLogger(__name__)


class BrokerUnavailable(RuntimeError):
    """The broker refused or did not answer; the task was not sent."""


def send(task_name, args, queue, priority=None):
    try:
        app.send_task(task_name, args=args, queue=queue, priority=priority)
    except OperationalError as error:
        logger.error("Could not send %s to queue %s: broker unreachable (%s)", task_name, queue, error)
        raise BrokerUnavailable(f"The task broker is unreachable: {error}") from error


def send_group(task_name, arg_lists, queue):
    """One task per argument list, sent as one Celery group: free workers of the queue take them in parallel."""
    try:
        group(app.signature(task_name, args=args, queue=queue, immutable=True) for args in arg_lists).apply_async()
    except OperationalError as error:
        logger.error("Could not send %s to queue %s: broker unreachable (%s)", task_name, queue, error)
        raise BrokerUnavailable(f"The task broker is unreachable: {error}") from error


def send_on_commit(task_name, args, queue, on_error, priority=None):
    """Send after the surrounding transaction commits; `on_error(message)` records a failed send."""

    def _send():
        try:
            send(task_name, args, queue, priority)
        except BrokerUnavailable as error:
            on_error(str(error))

    transaction.on_commit(_send)
