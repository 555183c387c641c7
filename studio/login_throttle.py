"""Count failed logins per client address and username; refuse for a while after too many.

The same message is shown whether or not the username exists, so the throttle does not
reveal which accounts exist.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache

# An address may try a few usernames; one username may be tried from a few addresses.
_PER_ADDRESS_FACTOR = 4


def _keys(address, username):
    digest = hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]
    return f"login-fail:user:{address}:{digest}", f"login-fail:addr:{address}"


def is_locked(address, username):
    user_key, address_key = _keys(address, username)
    limit = settings.STUDIO_LOGIN_MAX_FAILURES
    return cache.get(user_key, 0) >= limit or cache.get(address_key, 0) >= limit * _PER_ADDRESS_FACTOR


def record_failure(address, username):
    for key in _keys(address, username):
        cache.add(key, 0, settings.STUDIO_LOGIN_LOCKOUT_SECONDS)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, settings.STUDIO_LOGIN_LOCKOUT_SECONDS)


def clear(address, username):
    cache.delete(_keys(address, username)[0])
