"""Count failed logins per user name and, with a higher limit, per client address; refuse for
STUDIO_LOGIN_LOCKOUT_SECONDS after too many.

Each counter keeps the moment its window ends next to its count, so the lockout lasts what the setting
says on every cache backend (incrementing a file-cache entry would restart its expiry). The client's
address comes from X-Forwarded-For only when the request arrives through a proxy named in
STUDIO_TRUSTED_PROXIES; otherwise from the connection. The same message is shown whether or not the
user name exists, so the throttle does not reveal which accounts exist.
"""

import hashlib
import ipaddress
import time

from django.conf import settings
from django.core.cache import cache

# One address may try a few user names (a shared ward computer); one user name is tried from anywhere.
PER_ADDRESS_FACTOR = 4


def _trusted(address):
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(proxy, strict=False) for proxy in settings.STUDIO_TRUSTED_PROXIES)


def client_address(request):
    """The client's address: the connection's, or through trusted proxies the nearest address they did not add."""
    address = request.META.get("REMOTE_ADDR", "unknown")
    if not _trusted(address):
        return address
    for hop in reversed(request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")):
        if hop.strip() and not _trusted(hop):
            return hop.strip()
    return address


def _counters(address, username):
    name = hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]
    limit = settings.STUDIO_LOGIN_MAX_FAILURES
    return (f"login-fail:user:{name}", limit), (f"login-fail:addr:{address}", limit * PER_ADDRESS_FACTOR)


def _current(key, now):
    count, ends = cache.get(key) or (0, 0)
    return (count, ends) if ends > now else (0, now + settings.STUDIO_LOGIN_LOCKOUT_SECONDS)


def is_locked(address, username):
    now = time.time()
    return any(_current(key, now)[0] >= limit for key, limit in _counters(address, username))


def record_failure(address, username):
    now = time.time()
    for key, _limit in _counters(address, username):
        count, ends = _current(key, now)
        cache.set(key, (count + 1, ends), timeout=max(1, round(ends - now)))


def clear(address, username):
    cache.delete(_counters(address, username)[0][0])
