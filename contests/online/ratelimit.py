"""A fixed-window rate limit on the shared cache (Redis in production, so every process counts
together): enough to stop a script hammering an endpoint, not a quota system."""

import functools
import time

from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.http import JsonResponse
from django.utils.translation import gettext as _


def _redis_client():
    """The shared cache's Redis client, or None when the cache is not Redis (the embedded default)."""
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        return backend._cache.get_client(write=True)
    return None


def allow(key: str, *, limit: int, window_s: int) -> bool:
    """Count one hit on `key`; false once it passes `limit` hits in the current window.

    On Redis one round trip (INCR, and EXPIRE on the window's first hit, pipelined): it sits in
    front of every autosave. Elsewhere the cache's add and incr."""
    bucket = f"ratelimit:{key}:{int(time.time() // window_s)}"
    client = _redis_client()
    if client is not None:
        name = cache.make_and_validate_key(bucket)
        pipe = client.pipeline(transaction=False)
        pipe.incr(name)
        pipe.expire(name, window_s + 1, nx=True)
        count, _ = pipe.execute()
        return count <= limit
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
                return JsonResponse(
                    {"code": "rate_limited", "detail": _("Too many requests: wait a moment and try again.")},
                    status=429,
                )
            return view(request, *args, **kwargs)

        return wrapped

    return decorate
