"""Read settings from the environment through django-environ, failing loudly.

django-environ treats any unknown string as ``False`` for booleans and raises bare
``ValueError`` for bad numbers; both would leave an operator guessing which variable is
wrong. Every reader here names the variable and the value it could not use.
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}
_DATABASE_ENGINES = {"django.db.backends.sqlite3", "django.db.backends.postgresql"}

env = environ.Env()


def _raw(name, default):
    value = env.str(name, default=None)
    return default if value is None else value


def _fail(name, value, expected):
    return ImproperlyConfigured(f"Environment variable {name}={value!r} is not {expected}.")


def env_bool(name, default):
    value = _raw(name, None)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise _fail(name, value, "a boolean (use one of 1/0, true/false, yes/no, on/off)")


def env_int(name, default, minimum=None):
    value = _raw(name, None)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise _fail(name, value, "an integer") from None
    if minimum is not None and number < minimum:
        raise _fail(name, value, f"an integer of at least {minimum}")
    return number


def env_str(name, default):
    return _raw(name, default)


def env_list(name, default):
    value = _raw(name, None)
    if value is None:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


def env_path(name, default):
    return Path(_raw(name, str(default))).expanduser().resolve()


def env_db(name, default):
    value = _raw(name, default)
    try:
        config = environ.Env.db_url_config(value)
    except Exception as error:  # django-environ raises assorted types for bad URLs
        raise _fail(name, value, f"a database URL ({error})") from None
    if config.get("ENGINE") not in _DATABASE_ENGINES:
        raise _fail(name, value, "a database URL with a supported scheme (sqlite:///path or postgres://...)")
    if config["ENGINE"] == "django.db.backends.sqlite3" and not config.get("NAME"):
        raise _fail(name, value, "a SQLite URL with a file name")
    return config


def env_cache(name, default):
    value = _raw(name, default)
    try:
        config = environ.Env.cache_url_config(value)
    except Exception as error:
        raise _fail(name, value, f"a cache URL ({error})") from None
    return config


def env_broker(name, default):
    value = _raw(name, default)
    scheme = value.split("://", 1)[0] if "://" in value else ""
    if scheme not in {"redis", "rediss", "filesystem", "memory"}:
        raise _fail(name, value, "a broker URL (redis://host:port/db or filesystem://)")
    return value
