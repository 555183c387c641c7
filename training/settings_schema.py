"""Settings tables for JSON configurations (cleaning recipes, pretraining): each setting's type,
default, range and meaning; `clean` fills defaults and names whatever is wrong."""


class SettingsError(ValueError):
    """A setting is unknown, of the wrong type or out of range; the message names it."""


def defaults(table):
    return {name: (list(spec[1]) if isinstance(spec[1], list) else spec[1]) for name, spec in table.items()}


def _check(table, name, value):
    kind, _default, minimum, maximum, _help = table[name]
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if kind is not bool and isinstance(value, bool) or not isinstance(value, kind):
        raise SettingsError(f"{name}: expected {kind.__name__}, got {value!r}.")
    if minimum is not None and value < minimum:
        raise SettingsError(f"{name}: must be at least {minimum}, got {value}.")
    if maximum is not None and value > maximum:
        raise SettingsError(f"{name}: must be at most {maximum}, got {value}.")
    return value


def clean(table, raw, what="setting"):
    """`raw` (an object) with defaults filled in and every value checked against `table`."""
    if not isinstance(raw, dict):
        raise SettingsError(f"expected an object of {what}s.")
    unknown = sorted(set(raw) - set(table))
    if unknown:
        raise SettingsError(f"{unknown[0]}: not a {what} (known: {', '.join(table)}).")
    values = defaults(table)
    values.update({name: _check(table, name, value) for name, value in raw.items()})
    return values


def describe(table):
    """Every setting with its default, type, range and meaning (for the API)."""
    return {name: {"default": spec[1], "type": spec[0].__name__, "minimum": spec[2], "maximum": spec[3],
                   "help": spec[4]} for name, spec in table.items()}
