"""Which players of a contest have a phone connected, for the host console.

Any process can serve any phone, so a process's own sockets say nothing about the hall: each
player socket is an entry in the hot state (Redis when configured, else this one process), a
sorted set per contest whose scores are the entries' expiry times. A socket adds its entry when
it joins and takes it away when it closes; its process renews its sockets' entries every
REFRESH_S, so a process that dies loses its entries within TTL_S instead of leaving its players
shown as connected. A phone whose connection died without closing counts until its server notices
(uvicorn pings every 20 s and drops a socket that does not answer within 20 s more).

The console is told on a tick, not per connection or per answer: every TICK_S each process with a
host console of a contest reads the set (one Redis call) and, if the connected members changed
since it last told its consoles, sends them one `presence` frame, built and encoded once. No
database is touched: connecting, leaving and the tick only read and write Redis.
"""

import json
import logging
import time
import uuid

from django.conf import settings
from redis.exceptions import RedisError

from . import fanout, protocol

log = logging.getLogger(__name__)
TTL_S = 60
REFRESH_S = 20
TICK_S = 1.0
KEY_TTL_S = 12 * 3600  # the set itself outlives a contest day, then goes

# Without Redis (one process): {(contest id, code): {token: (member id, expires at)}}.
_local: dict[tuple[int, str], dict[str, tuple[int, float]]] = {}


def _key(contest_id: int, join_code: str) -> str:
    # The code too: a test database, or SQLite, may reuse a deleted contest's id.
    return f"{fanout.CHANNEL_PREFIX}{contest_id}:{join_code}:presence"


def new_token(member_id: int) -> str:
    """A socket's entry: the member's id, then something unique to the socket (a member may have
    two phones, or a socket on its way out while the new one joins)."""
    return f"{member_id}:{uuid.uuid4().hex}"


def join(contest_id: int, join_code: str, token: str) -> None:
    """Count the socket with `token` as connected. Blocking (Redis): call off the event loop."""
    renew({(contest_id, join_code): [token]})


def renew(sockets: dict[tuple[int, str], list[str]]) -> None:
    """Count these sockets as connected for TTL_S more ({(contest id, code): [token]}), and drop
    entries that expired (a process that stopped without closing its sockets)."""
    now = time.time()
    if not settings.REDIS_URL:
        for contest, tokens in sockets.items():
            entries = _local.setdefault(contest, {})
            for token in tokens:
                entries[token] = (int(token.split(":", 1)[0]), now + TTL_S)
        return
    try:
        with fanout.hot_client().pipeline(transaction=False) as pipe:
            for (contest_id, code), tokens in sockets.items():
                key = _key(contest_id, code)
                pipe.zremrangebyscore(key, "-inf", now)
                pipe.zadd(key, dict.fromkeys(tokens, now + TTL_S))
                pipe.expire(key, KEY_TTL_S)
            pipe.execute()
    except RedisError:
        log.warning("presence not stored (hot state unreachable)", exc_info=True)


def leave(contest_id: int, join_code: str, token: str) -> None:
    """The socket with `token` closed. Blocking (Redis): call off the event loop."""
    if not settings.REDIS_URL:
        _local.get((contest_id, join_code), {}).pop(token, None)
        return
    try:
        fanout.hot_client().zrem(_key(contest_id, join_code), token)
    except RedisError:
        log.warning("presence not removed (hot state unreachable; it expires)", exc_info=True)


def online(contest_id: int, join_code: str) -> list[int] | None:
    """The ids of the contest's members with a phone connected now, in any process, sorted; None
    while the hot state is unreachable (the console then says it cannot tell)."""
    now = time.time()
    if not settings.REDIS_URL:
        entries = _local.get((contest_id, join_code), {})
        return sorted({member for member, expires in entries.values() if expires > now})
    try:
        tokens = fanout.hot_client().zrangebyscore(_key(contest_id, join_code), now, "+inf")
    except RedisError:
        log.warning("presence unreachable", exc_info=True)
        return None
    return sorted({int(token.split(b":", 1)[0]) for token in tokens})


def frame(members: list[int] | None) -> str:
    """The `presence` frame for the console, encoded once for every console it goes to."""
    return json.dumps(
        {"type": protocol.PRESENCE, "v": protocol.PROTOCOL_VERSION, "online": members}, separators=(",", ":")
    )
