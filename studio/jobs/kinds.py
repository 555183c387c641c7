"""The one table of job kinds: what each needs (its parameters, a settings schema), where it runs,
what runs it, and what must happen however it ends.

Each app declares its kinds in its own `jobs.py`, found when the studio starts (`StudioConfig.ready`).
The run and cleanup functions are named by dotted path and imported only when needed — the run
function only by the worker that runs it — so web processes never load training code.
"""

from dataclasses import dataclass, field

from ..settings_schema import Schema, Setting, SettingsError


PRIORITY_FIRST, PRIORITY_DEFAULT = 0, 5  # broker priorities (lower is taken first); see JobKind.first


@dataclass(frozen=True)
class JobKind:
    name: str
    label: str
    run: str  # dotted path of `function(job, reporter) -> dict of metrics`
    queue: str = "cpu"
    params: tuple = field(default_factory=tuple)
    description: str = ""
    queue_param: str = ""  # a param whose value chooses the queue, when the kind allows both
    # False for kinds that another service starts after its own checks (an import checks its upload).
    startable_by_users: bool = True
    # Dotted path of `function(job)`, run once the job has ended any way but success (failed, cancelled,
    # given up by the reaper, refused by the broker): it removes what the job left half-made. Light imports only.
    cleanup: str = ""
    # (model label, id parameter) of the run record this job runs, e.g. ("training.Finetuning", "finetuning_id").
    record: tuple = ()
    # Short jobs a person waits on after a longer one (an evaluation after a fine-tune): workers take them before
    # the queue's other jobs, even those sent earlier.
    first: bool = False

    @property
    def priority(self):
        """The broker's priority of its messages: lower is taken first (as Redis and the embedded broker order)."""
        return PRIORITY_FIRST if self.first else PRIORITY_DEFAULT

    @property
    def schema(self):
        return Schema(*self.params, what=f"parameter of {self.name}")

    def clean_params(self, raw):
        if not isinstance(raw, dict):
            raise SettingsError("params: expected an object of parameter names and values.")
        return self.schema.clean(raw)

    def queue_for(self, params):
        return params[self.queue_param] if self.queue_param else self.queue


QUEUE = Setting("queue", str, "gpu", choices=("cpu", "gpu"), help="Which workers run it.")

_KINDS = {}


def register(*declared):
    for kind in declared:
        if kind.name in _KINDS and _KINDS[kind.name] != kind:
            raise ValueError(f"Job kind {kind.name!r} is registered twice.")
        _KINDS[kind.name] = kind


def get(name):
    try:
        return _KINDS[name]
    except KeyError:
        raise SettingsError(f"kind: unknown job kind {name!r} (known: {', '.join(sorted(_KINDS))}).") from None


def find(name):
    """The kind of that name, or None (a job of a kind no longer declared)."""
    return _KINDS.get(name)


def all_kinds():
    return [_KINDS[name] for name in sorted(_KINDS)]
