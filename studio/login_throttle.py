"""Count failed logins per user name and, with a higher limit, per client address; refuse for
STUDIO_LOGIN_LOCKOUT_SECONDS after too many.

Each counter keeps the moment its window ends under a key of its own, and counts under a key named for that
window, so the lockout lasts what the setting says on every cache backend (incrementing a file-cache entry would
restart its expiry) and concurrent failures are all counted (an atomic increment where the cache has one). The client's
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


def _window_end(key, now):
    """When the counter's current window ends, or None when it has none running."""
    ends = cache.get(key + ":ends")
    return ends if ends is not None and ends > now else None


def is_locked(address, username):
    now = time.time()
    for key, limit in _counters(address, username):
        ends = _window_end(key, now)
        if ends is not None and cache.get(f"{key}:{ends}", 0) >= limit:
            return True
    return False


def record_failure(address, username):
    now = time.time()
    lockout = settings.STUDIO_LOGIN_LOCKOUT_SECONDS
    for key, _limit in _counters(address, username):
        cache.add(key + ":ends", now + lockout, lockout)  # opens a window unless one is running
        ends = _window_end(key, now) or now + lockout
        count_key = f"{key}:{ends}"  # each window counts under its own key, so a new one starts from zero
        timeout = max(1, round(ends - now))
        cache.add(count_key, 0, timeout)
        try:
            cache.incr(count_key)  # atomic where the cache is (Redis): concurrent failures all count
        except ValueError:  # expired between add and incr
            cache.set(count_key, 1, timeout)


def clear(address, username):
    cache.delete(_counters(address, username)[0][0] + ":ends")
