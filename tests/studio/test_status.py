"""The system status page and API say plainly when a part is down."""

from django.urls import reverse
from kombu import Connection

from studio.services import system_status


def test_an_unreachable_broker_is_reported_not_hidden(client, admin_user, settings, monkeypatch):
    monkeypatch.setattr(system_status.app.conf, "broker_url", "redis://127.0.0.1:1/0")
    monkeypatch.setattr(system_status.app, "connection_for_write", lambda: Connection("redis://127.0.0.1:1/0"))
    client.force_login(admin_user)
    status = client.get(reverse("api-status")).json()
    assert status["database"] == {"kind": status["database"]["kind"], "reachable": True, "error": ""}
    assert status["broker"]["kind"] == "redis" and status["broker"]["reachable"] is False
    assert status["broker"]["error"]
    assert status["workers"] == [] and status["error"] == "broker unreachable"
    page = client.get(reverse("system-status"), headers={"HX-Request": "true"}).content.decode()
    assert "unreachable" in page and "No worker answered" in page


def test_a_queue_check_that_cannot_be_sent_says_so(client, admin_user, monkeypatch, django_capture_on_commit_callbacks):
    from studio import dispatch

    def refuse(*args, **kwargs):
        raise dispatch.BrokerUnavailable("The task broker is unreachable: connection refused")

    monkeypatch.setattr(dispatch, "send", refuse)
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("api-queue-check-list"), {"queue": "cpu"}, content_type="application/json")
    assert response.status_code == 201
    check = client.get(reverse("api-queue-check-detail", kwargs={"pk": response.json()["id"]})).json()
    assert check["error"] == "The task broker is unreachable: connection refused" and check["completed_at"] is None
    page = client.get(reverse("queue-check-detail", kwargs={"pk": check["id"]}))
    assert page.status_code == 286 and "not sent" in page.content.decode()


def test_an_unknown_queue_is_refused(client, admin_user):
    client.force_login(admin_user)
    api = client.post(reverse("api-queue-check-list"), {"queue": "tpu"}, content_type="application/json")
    assert api.status_code == 400 and "queue" in api.json()["errors"]
    page = client.post(reverse("queue-check-create"), {"queue": "tpu"})
    assert page.status_code == 400 and "Unknown queue" in page.content.decode()


def test_the_artifacts_card_says_where_they_live_and_whether_this_process_reaches_them(client, admin_user, settings,
                                                                                        object_store, monkeypatch):
    client.force_login(admin_user)
    status = client.get(reverse("api-status")).json()["artifacts"]
    assert status["kind"] == "s3" and status["where"] == object_store.url and status["reachable"] is True
    assert status["error"] == "" and status["free_bytes"] > 0
    page = client.get(reverse("system-status"), headers={"HX-Request": "true"}).content.decode()
    assert f"<code>{object_store.url}</code>" in page and "free in this web process" in page
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-the-secret")
    settings.STUDIO_ARTIFACTS_URL = object_store.url + "/elsewhere"  # a new client, signing with the wrong key
    refused = client.get(reverse("api-status")).json()["artifacts"]
    assert refused["reachable"] is False and "(403)" in refused["error"] and "HeadBucket" in refused["error"]
