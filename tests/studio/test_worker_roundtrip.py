"""Tasks through a real worker process, over the configured broker (filesystem or Redis), into the real database."""

import pytest
from django.urls import reverse

from studio.celery import app
from studio.models import QueueCheck
from studio.services import queue_checks
from tests.support.worker import WorkerProcess, wait_for

pytestmark = pytest.mark.worker


@pytest.fixture(scope="module")
def worker(django_db_setup, django_db_blocker):
    app.control.purge()  # messages left by an earlier, interrupted run
    process = WorkerProcess().start()
    yield process
    process.stop()


@pytest.mark.parametrize("queue", ["cpu", "gpu"])
def test_a_task_sent_to_each_queue_is_completed_by_the_worker(transactional_db, worker, admin_user, queue):
    check = queue_checks.request_check(admin_user, queue)

    def completed():
        check.refresh_from_db()
        return check.completed_at is not None

    assert wait_for(completed, timeout=30), "".join(worker.output[-30:])
    assert check.worker == worker.name
    assert check.device["kind"] in {"cpu", "cuda"}
    assert check.round_trip_seconds >= 0


def test_the_status_api_lists_the_live_worker_with_its_queues_and_device(transactional_db, worker, admin_user, client):
    client.force_login(admin_user)
    status = client.get(reverse("api-status")).json()
    assert status["database"]["reachable"] and status["broker"]["reachable"]
    workers = {item["name"]: item for item in status["workers"]}
    assert worker.name in workers, status
    assert workers[worker.name]["queues"] == ["cpu", "gpu"]
    assert workers[worker.name]["device"]["kind"] in {"cpu", "cuda"}


def test_the_status_page_shows_a_queue_check_finishing(transactional_db, worker, admin_user, client):
    client.force_login(admin_user)
    created = client.post(reverse("queue-check-create"), {"queue": "cpu"}, headers={"HX-Request": "true"})
    assert created.status_code == 200 and "waiting for a worker" in created.content.decode()
    check = QueueCheck.objects.latest("id")
    detail = reverse("queue-check-detail", kwargs={"pk": check.pk})
    response = wait_for(lambda: (r := client.get(detail, headers={"HX-Request": "true"})).status_code == 286 and r, timeout=30)
    assert response, "".join(worker.output[-30:])
    assert "done" in response.content.decode() and worker.name in response.content.decode()
