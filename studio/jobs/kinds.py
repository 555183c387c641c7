"""The one table of job kinds: what each needs (validated params), where it runs, what runs it.

Apps register their kinds in `AppConfig.ready()`; the function is named by dotted path and
imported only by the worker that runs it, so web processes never load training code.
"""

from dataclasses import dataclass, field


class ParamError(ValueError):
    """A job parameter is missing, of the wrong type, or out of range; the message names it."""


@dataclass(frozen=True)
class Param:
    name: str
    type: type
    default: object = None
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple = ()
    help: str = ""

    def clean(self, raw):
        if raw is None:
            if self.default is None:
                raise ParamError(f"{self.name}: this parameter is required.")
            return self.default
        if self.type is bool:
            if not isinstance(raw, bool):
                raise ParamError(f"{self.name}: expected true or false, got {raw!r}.")
            return raw
        try:
            value = self.type(raw)
        except (TypeError, ValueError):
            raise ParamError(f"{self.name}: expected {self.type.__name__}, got {raw!r}.") from None
        if self.type is int and isinstance(raw, float) and raw != int(raw):
            raise ParamError(f"{self.name}: expected a whole number, got {raw!r}.")
        if self.minimum is not None and value < self.minimum:
            raise ParamError(f"{self.name}: must be at least {self.minimum}, got {value}.")
        if self.maximum is not None and value > self.maximum:
            raise ParamError(f"{self.name}: must be at most {self.maximum}, got {value}.")
        if self.choices and value not in self.choices:
            raise ParamError(f"{self.name}: must be one of {', '.join(map(str, self.choices))}, got {value!r}.")
        return value


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

    def clean_params(self, raw):
        if not isinstance(raw, dict):
            raise ParamError("params: expected an object of parameter names and values.")
        known = {param.name for param in self.params}
        unknown = sorted(set(raw) - known)
        if unknown:
            raise ParamError(f"{unknown[0]}: not a parameter of {self.name} (known: {', '.join(sorted(known))}).")
        return {param.name: param.clean(raw.get(param.name)) for param in self.params}

    def queue_for(self, params):
        return params[self.queue_param] if self.queue_param else self.queue


_KINDS = {}


def register(kind):
    if kind.name in _KINDS and _KINDS[kind.name] != kind:
        raise ValueError(f"Job kind {kind.name!r} is registered twice.")
    _KINDS[kind.name] = kind
    return kind


def get(name):
    try:
        return _KINDS[name]
    except KeyError:
        raise ParamError(f"kind: unknown job kind {name!r} (known: {', '.join(sorted(_KINDS))}).") from None


def all_kinds():
    return [_KINDS[name] for name in sorted(_KINDS)]
