"""Which players of a contest have a phone connected, for the host console.

Any process can serve any phone, so a process's own sockets say nothing about the hall: each
player socket is an entry in the hot state (Redis when configured, else this one process), a
sorted set per contest whose scores are the entries' expiry times. A socket that joins or closes
only notes it in this process (`join`, `leave`: no I/O, on the event loop); the process's ticker
writes what was noted since its last turn in one round trip (`take`, `write`), and renews all its
sockets' entries every REFRESH_S, so a process that dies loses its entries within TTL_S instead of
leaving its players shown as connected. A phone whose connection died without closing counts
until its server notices (bin/web has uvicorn ping every WEB_WS_PING_S, 10 s, and drop a socket that
does not answer within as long again).

Written one socket at a time, a hall reconnecting at once cost every socket two thread hops and
two Redis round trips (join and leave) on top of its snapshot, about 1.1 s of a process's CPU for
2,500 sockets, on the thread pool its sign-ins and snapshots wait for; batched, 0.014 s
(docs/benchmarks.md, "Presence in batches").

The console is told on a tick, not per connection or per answer: every TICK_S each process with a
host console of a contest asks for the set's version (`poll`: one small read), reads the set only
if a write changed it or an entry has expired since, and, if the connected members changed since
it last told its consoles, sends them one `presence` frame, built and encoded once. No database is
touched: connecting, leaving and the tick only read and write Redis.
"""

import json
import logging
import math
import time
import uuid
from collections.abc import Collection

from django.conf import settings
from redis.exceptions import RedisError

from . import fanout, protocol

log = logging.getLogger(__name__)
TTL_S = 60
REFRESH_S = 20
TICK_S = 1.0
KEY_TTL_S = 12 * 3600  # the set itself outlives a contest day, then goes

Contest = tuple[int, str]  # (contest id, join code)
# What sockets of this process did since the last write: {contest: {token: joined (False: left)}}.
# Only touched on the event loop (`join`, `leave`, `take`, `restore`).
Batch = dict[Contest, dict[str, bool]]
_pending: Batch = {}

# Without Redis (one process): {contest: {token: (member id, expires at)}}.
_local: dict[Contest, dict[str, tuple[int, float]]] = {}

# What `poll` last read of each contest's set: (its version, the earliest expiry among the entries
# then live, the members then live).
_read: dict[Contest, tuple[bytes | None, float, list[int] | None]] = {}
_writes = {"failing": False}  # whether the last `write` found the hot state unreachable


def _key(contest_id: int, join_code: str) -> str:
    # The code too: a test database, or SQLite, may reuse a deleted contest's id.
    return f"{fanout.CHANNEL_PREFIX}{contest_id}:{join_code}:presence"


def _version_key(contest_id: int, join_code: str) -> str:
    """A random value replaced whenever the contest's set is written: random, not a counter, so
    that a Redis that lost its data cannot count back up to a value a reader kept."""
    return _key(contest_id, join_code) + ":version"


def new_token(member_id: int) -> str:
    """A socket's entry: the member's id, then something unique to the socket (a member may have
    two phones, or a socket on its way out while the new one joins)."""
    return f"{member_id}:{uuid.uuid4().hex}"


def join(contest_id: int, join_code: str, token: str) -> None:
    """Count the socket with `token` as connected from the next `write` on. No I/O: call on the
    event loop."""
    _pending.setdefault((contest_id, join_code), {})[token] = True


def leave(contest_id: int, join_code: str, token: str) -> None:
    """The socket with `token` closed: no longer counted from the next `write` on (a socket that
    joins and leaves between two writes is never written). No I/O: call on the event loop."""
    changes = _pending.setdefault((contest_id, join_code), {})
    if changes.get(token):
        del changes[token]
    else:
        changes[token] = False


def pending() -> bool:
    """Whether sockets have joined or left since the last `take`."""
    return any(_pending.values())


def take() -> Batch:
    """What sockets did since the last `take`, for `write`. Call on the event loop."""
    global _pending
    batch, _pending = {contest: changes for contest, changes in _pending.items() if changes}, {}
    return batch


def restore(batch: Batch) -> None:
    """Put back a batch that could not be written, under what sockets did since it was taken (a
    socket that left meanwhile stays left). Call on the event loop."""
    for contest, changes in batch.items():
        later = _pending.setdefault(contest, {})
        for token, joined in changes.items():
            later.setdefault(token, joined)


def write(batch: Batch, renewed: dict[Contest, list[str]] | None = None) -> bool:
    """Store a batch of joins and leaves (`take`), and count the sockets of `renewed` ({contest:
    [token]}: all of this process's, every REFRESH_S) as connected for TTL_S more, dropping
    entries that expired (a process that stopped without closing its sockets). One round trip.
    Blocking (Redis): call off the event loop. False if the hot state is unreachable: the batch
    may be written in part, and writing it again (`restore`) does no harm."""
    now = time.time()
    renewed = renewed or {}
    if not settings.REDIS_URL:
        for contest in batch.keys() | renewed.keys():
            entries = _local.setdefault(contest, {})
            for token in renewed.get(contest, ()):
                entries[token] = (int(token.split(":", 1)[0]), now + TTL_S)
            for token, joined in batch.get(contest, {}).items():
                if joined:
                    entries[token] = (int(token.split(":", 1)[0]), now + TTL_S)
                else:
                    entries.pop(token, None)
        return True
    try:
        with fanout.hot_client().pipeline(transaction=False) as pipe:
            for contest in batch.keys() | renewed.keys():
                key, changes = _key(*contest), batch.get(contest, {})
                left = [token for token, joined in changes.items() if not joined]
                alive = [token for token, joined in changes.items() if joined] + renewed.get(contest, [])
                if left:
                    pipe.zrem(key, *left)
                if alive:
                    pipe.zadd(key, dict.fromkeys(alive, now + TTL_S))
                if contest in renewed:
                    pipe.zremrangebyscore(key, "-inf", now)  # already unseen (scores are expiries)
                pipe.expire(key, KEY_TTL_S)
                # After the entries: a reader that sees the new version reads them. A renewal too
                # (it adds entries if Redis lost the set meanwhile): readers then read the whole
                # set once per REFRESH_S and process.
                pipe.set(_version_key(*contest), uuid.uuid4().bytes, ex=KEY_TTL_S)
            pipe.execute()
    except RedisError:
        # Tried again on every turn of the ticker: said once, until it works again.
        level = logging.DEBUG if _writes["failing"] else logging.WARNING
        log.log(level, "presence not stored (hot state unreachable)", exc_info=True)
        _writes["failing"] = True
        return False
    _writes["failing"] = False
    return True


def online(contest_id: int, join_code: str) -> list[int] | None:
    """The ids of the contest's members with a phone connected now, in any process, sorted; None
    while the hot state is unreachable (the console then says it cannot tell). Blocking (Redis):
    call off the event loop."""
    return poll([(contest_id, join_code)])[contest_id, join_code]


def poll(contests: list[Contest]) -> dict[Contest, list[int] | None]:
    """`online` for each of `contests`, reading a contest's set again only if a write changed it
    or one of its entries has expired since it was last read here: one small read per contest
    otherwise, however many entries it has. Blocking (Redis): call off the event loop."""
    now = time.time()
    if not settings.REDIS_URL:
        return {contest: _local_online(contest, now) for contest in contests}
    found = {}
    try:
        client = fanout.hot_client()
        versions = client.mget([_version_key(*contest) for contest in contests])
        stale = []
        for contest, version in zip(contests, versions, strict=True):
            kept = _read.get(contest)
            if kept is None or kept[0] != version or kept[1] <= now:
                stale.append((contest, version))
            else:
                found[contest] = kept[2]
        if stale:
            with client.pipeline(transaction=False) as pipe:
                for contest, _version in stale:
                    pipe.zrangebyscore(_key(*contest), now, "+inf")
                    pipe.zrangebyscore(_key(*contest), now, "+inf", start=0, num=1, withscores=True)
                replies = iter(pipe.execute())
            for contest, version in stale:
                tokens, first = next(replies), next(replies)
                found[contest] = sorted({int(token.split(b":", 1)[0]) for token in tokens})
                _read[contest] = (version, first[0][1] if first else math.inf, found[contest])
    except RedisError:
        log.warning("presence unreachable", exc_info=True)
        for contest in contests:
            _read.pop(contest, None)
        return dict.fromkeys(contests)
    return found


def keep_only(contests: Collection[Contest]) -> None:
    """Forget what `poll` kept of any other contests (no console of theirs is left here)."""
    for contest in list(_read):  # copied at once: `poll` adds to it on the thread pool
        if contest not in contests:
            _read.pop(contest, None)


def _local_online(contest: Contest, now: float) -> list[int]:
    entries = list(_local.get(contest, {}).values())  # copied at once: `write` runs on the thread pool
    return sorted({member for member, expires in entries if expires > now})


def frame(members: list[int] | None) -> str:
    """The `presence` frame for the console, encoded once for every console it goes to."""
    return json.dumps(
        {"type": protocol.PRESENCE, "v": protocol.PROTOCOL_VERSION, "online": members}, separators=(",", ":")
    )
