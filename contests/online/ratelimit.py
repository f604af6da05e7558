"""A fixed-window rate limit on the shared cache (Redis in production, so every process counts
together): enough to stop a script hammering an endpoint, not a quota system."""

import functools
import time

import redis
from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.utils.translation import gettext as _

from quizsite.api_errors import error_response

# INCR, and EXPIRE on the window's first hit, as one command: atomic, and less CPU in redis-py
# than a pipeline of the two.
COUNT_SCRIPT = (
    "local n = redis.call('INCR', KEYS[1]) if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end return n"
)


@functools.cache
def _count_script(location: str):
    """`COUNT_SCRIPT` on a client of its own for the process. Not the cache's client: Django
    builds a new one on every call (a third of the limit's CPU), and a new cache object, pool
    and connection in every request's context under ASGI."""
    return redis.Redis.from_url(location).register_script(COUNT_SCRIPT)


def allow(key: str, *, limit: int, window_s: int) -> bool:
    """Count one hit on `key`; false once it passes `limit` hits in the current window.

    On Redis one round trip (`COUNT_SCRIPT`) on a connection kept by the process: it sits in
    front of every autosave. Elsewhere the cache's add and incr."""
    bucket = f"ratelimit:{key}:{int(time.time() // window_s)}"
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        script = _count_script(settings.CACHES["default"]["LOCATION"])
        return script(keys=[backend.make_and_validate_key(bucket)], args=[window_s + 1]) <= limit
    if cache.add(bucket, 1, timeout=window_s + 1):
        return True
    try:
        return cache.incr(bucket) <= limit
    except ValueError:  # the bucket expired between add and incr
        return cache.add(bucket, 1, timeout=window_s + 1) or True


def rate_limited(scope: str, *, limit: int, window_s: int = 60):
    """Refuse a signed-in user's calls to a view past `limit` per `window_s` with a 429 that says so."""

    def decorate(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            if not allow(f"{scope}:{request.user.pk}", limit=limit, window_s=window_s):
                return error_response("rate_limited", _("Too many requests: wait a moment and try again."), status=429)
            return view(request, *args, **kwargs)

        return wrapped

    return decorate
