"""The rate limit in front of every online-contest endpoint, on the configured shared cache
(Redis when REDIS_URL is set: one pipelined round trip; the local cache otherwise)."""

import secrets
import time

from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache

from contests.online.ratelimit import allow

HOUR = 3600  # a long window, so a test never straddles two


def test_a_key_is_allowed_its_limit_in_a_window_then_refused_and_other_keys_are_not_affected():
    key = f"test-{secrets.token_hex(4)}"
    assert [allow(key, limit=3, window_s=HOUR) for _ in range(5)] == [True, True, True, False, False]
    assert allow(f"{key}-other", limit=3, window_s=HOUR) is True


def test_the_window_counter_counts_hits_and_expires_after_the_window():
    key = f"test-{secrets.token_hex(4)}"
    allow(key, limit=3, window_s=HOUR)
    allow(key, limit=3, window_s=HOUR)
    bucket = f"ratelimit:{key}:{int(time.time() // HOUR)}"
    assert cache.get(bucket) == 2
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        ttl = backend._cache.get_client().ttl(cache.make_and_validate_key(bucket))
        assert 0 < ttl <= HOUR + 1
