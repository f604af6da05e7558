"""A fixed-window rate limit on the shared cache (Redis in production, so every process counts
together): enough to stop a script hammering an endpoint, not a quota system."""

import functools
import time

from django.core.cache import cache
from django.http import JsonResponse
from django.utils.translation import gettext as _


def allow(key: str, *, limit: int, window_s: int) -> bool:
    """Count one hit on `key`; false once it passes `limit` hits in the current window."""
    bucket = f"ratelimit:{key}:{int(time.time() // window_s)}"
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
