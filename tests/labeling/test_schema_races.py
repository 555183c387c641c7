"""Schema changes and submissions under concurrency: a change holds the project's schema lock alone, a
submission shares it while it checks and writes its labels (PostgreSQL advisory locks; SQLite's
IMMEDIATE transactions serialise both already)."""

import threading

import pytest
from django.db import connection

from labeling.models import Annotation, Label, LabelSchema
from labeling.services import schema as schema_service
from labeling.services import tasks

from .test_tasks import label_id, make_corpus

pytestmark = pytest.mark.django_db(transaction=True)


def in_thread(function, *args, **kwargs):
    outcome = {}

    def run():
        try:
            outcome["value"] = function(*args, **kwargs)
        except Exception as error:  # noqa: BLE001 - handed to the test
            outcome["error"] = error
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def test_a_switch_to_single_label_waits_for_a_two_label_submission_and_then_refuses(project, annotator, monkeypatch):
    make_corpus(project, 2, kind=LabelSchema.Kind.MULTI)
    checked, go_on = threading.Event(), threading.Event()
    original = tasks.check_labels

    def slow_check(*args):
        labels = original(*args)
        checked.set()
        go_on.wait(10)  # the submission holds its share of the lock here
        return labels

    monkeypatch.setattr(tasks, "check_labels", slow_check)
    document = tasks.next_assignment(annotator, project).document
    submitting, submitted = in_thread(tasks.submit, annotator, project, document,
                                      [label_id(project, "Cardiology"), label_id(project, "Neurology")])
    assert checked.wait(10)
    switching, switched = in_thread(schema_service.update_schema, annotator, project, kind=LabelSchema.Kind.SINGLE,
                                    guidelines="")
    switching.join(0.5)
    assert switching.is_alive()  # waits for the submission to finish
    go_on.set()
    submitting.join(10)
    switching.join(10)
    assert "error" not in submitted and isinstance(switched.get("error"), schema_service.SchemaError)
    assert LabelSchema.objects.get(project=project).kind == LabelSchema.Kind.MULTI
    assert Annotation.objects.get().labels.count() == 2


def test_concurrent_creations_of_one_label_name_make_one_label_and_refuse_the_rest(project, manager):
    make_corpus(project, 1)
    started = [in_thread(schema_service.add_label, manager, project, name="Oncology") for _ in range(4)]
    for thread, _outcome in started:
        thread.join(30)
    outcomes = [outcome for _thread, outcome in started]
    assert sum("value" in outcome for outcome in outcomes) == 1
    assert all(isinstance(outcome["error"], schema_service.SchemaError) for outcome in outcomes if "error" in outcome)
    assert Label.objects.filter(name="Oncology").count() == 1
