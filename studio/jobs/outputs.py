"""What a job's page links to: the objects a job reads and makes (a corpus, a snapshot, a model version…).

Each app registers its object types in its `jobs.py`, with the parameter and result names that hold
their ids; the shell finds the objects through Django's app registry, so it imports no app.
"""

from dataclasses import dataclass

from django.apps import apps
from django.urls import reverse

from .. import figures
from . import kinds


@dataclass(frozen=True)
class ObjectType:
    name: str  # as in a job's inputs: {"type": name, "id": …}
    label: str  # "Model version"
    model: str  # "training.ModelVersion"
    url: str  # a page's url name taking (project id, object id)
    keys: tuple = ()  # parameter and result names that hold such an id


@dataclass(frozen=True)
class Link:
    label: str
    text: str
    url: str = ""  # empty when the object is gone or has no page outside a project


_TYPES = {}
_KEYS = {}


def register_object(*declared):
    for kind in declared:
        _TYPES[kind.name] = kind
        for key in kind.keys:
            _KEYS[key] = kind


def object_type(key):
    """The object type a parameter or result name holds, or None."""
    return _KEYS.get(key)


def link(project_id, type_name, pk, text=""):
    kind = _TYPES.get(type_name)
    if kind is None or not isinstance(pk, int):
        return Link(figures.metric_name(type_name), text or f"#{pk}")
    found = apps.get_model(kind.model).objects.filter(pk=pk).first()
    if found is None:
        return Link(kind.label, f"{text or f'#{pk}'} (deleted)")
    return Link(kind.label, text or str(found), reverse(kind.url, args=(project_id, pk)) if project_id else "")


def linked(job, record=None):
    """Links to every object the job names: what its results name (a new version, an evaluation), its run
    record's output, the objects its parameters name, and its declared inputs and outputs."""
    found = {}

    def add(type_name, pk, text=""):
        if pk is not None:
            found.setdefault((type_name, pk), link(job.project_id, type_name, pk, text))

    for key, value in job.metrics.items():
        if (kind := object_type(key)) is not None:
            for pk in value if isinstance(value, list) else [value]:  # one id, or a list (a version per seed)
                add(kind.name, pk)
    output = getattr(record, "output", None)
    if output is not None:
        kind = next((kind for kind in _TYPES.values() if kind.model == output._meta.label), None)
        if kind is not None:
            add(kind.name, output.pk)
    for key, value in job.params.items():
        if (kind := object_type(key)) is not None:
            add(kind.name, value)
    for item in [*job.outputs, *job.inputs]:
        add(item["type"], item["id"], item.get("label", ""))
    return list(found.values())


def results(job):
    """The job's results other than objects, as (name, figure) rows."""
    return [(figures.metric_name(key), figures.figure(value)) for key, value in job.metrics.items()
            if object_type(key) is None]


def job_links(job):
    """`linked` for a job whatever its kind: the links its page and its API show."""
    return linked(job, record_of(job, kinds.find(job.kind)))


def record_of(job, kind):
    """The run record this job runs (a Finetuning, a CleaningRun…), or None."""
    if not kind or not kind.record:
        return None
    model_label, param = kind.record
    return apps.get_model(model_label).objects.filter(pk=job.params.get(param)).first()
