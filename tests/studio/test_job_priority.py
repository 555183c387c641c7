"""Short jobs a person waits on (an evaluation after its fine-tune) are taken before the queue's other jobs, even
those sent earlier: on the embedded broker and on Redis alike."""

import os
import uuid

import pytest
from django.conf import settings
from kombu import Connection, Exchange, Queue

from studio import dispatch
from studio.jobs import kinds
from studio.jobs import service as jobs_service


def _taken_order(url, options, names_and_priorities):
    name = f"priority-test-{uuid.uuid4().hex[:8]}"
    queue = Queue(name, Exchange(name), routing_key=name)
    with Connection(url, transport_options=options) as connection:
        producer = connection.Producer()
        bound = queue(connection.default_channel)
        bound.declare()
        for name, priority in names_and_priorities:
            producer.publish({"name": name}, exchange=queue.exchange, routing_key=queue.routing_key,
                             declare=[queue], priority=priority)
        taken = []
        for _ in names_and_priorities:
            message = bound.get(no_ack=True)
            taken.append(message.payload["name"])
        bound.delete()
    return taken


def test_the_embedded_broker_takes_lower_priorities_first_then_the_oldest(tmp_path):
    options = settings.CELERY_BROKER_TRANSPORT_OPTIONS if settings.CELERY_BROKER_URL.startswith("filesystem") else {}
    folder = tmp_path / "broker"
    for part in ("out", "processed", "control"):
        os.makedirs(folder / part, exist_ok=True)
    options = {**options, "data_folder_in": str(folder / "out"), "data_folder_out": str(folder / "out"),
               "processed_folder": str(folder / "processed"), "control_folder": str(folder / "control")}
    sent = [("fine-tune 1", 5), ("fine-tune 2", 5), ("evaluation of 1", 0), ("fine-tune 3", 5)]
    assert _taken_order("filesystem://localhost/", options, sent) == [
        "evaluation of 1", "fine-tune 1", "fine-tune 2", "fine-tune 3"]


@pytest.mark.skipif(not settings.CELERY_BROKER_URL.startswith("redis"),
                    reason="Redis is the production broker (CI runs this on it)")
def test_redis_takes_lower_priorities_first_then_the_oldest():
    sent = [("fine-tune 1", 5), ("fine-tune 2", 5), ("evaluation of 1", 0), ("fine-tune 3", 5)]
    assert _taken_order(settings.CELERY_BROKER_URL, settings.CELERY_BROKER_TRANSPORT_OPTIONS, sent) == [
        "evaluation of 1", "fine-tune 1", "fine-tune 2", "fine-tune 3"]


@pytest.mark.django_db
def test_an_evaluation_is_sent_ahead_and_a_fine_tune_behind(monkeypatch, project, manager,
                                                            django_capture_on_commit_callbacks):
    sent = []
    monkeypatch.setattr(dispatch, "send", lambda task, args, queue, priority=None: sent.append((args[0], priority)))
    with django_capture_on_commit_callbacks(execute=True):
        selftest = jobs_service.start_job(manager, "selftest", {"queue": "cpu", "steps": 1}, project=project)
    assert kinds.get("evaluate").first and not kinds.get("finetune").first
    assert sent == [(selftest.pk, kinds.PRIORITY_DEFAULT)]
    assert kinds.get("evaluate").priority == kinds.PRIORITY_FIRST < kinds.PRIORITY_DEFAULT
