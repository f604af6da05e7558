"""Per-process fan-out: one Redis subscription per process, frames written to local sockets.

DESIGN.md measured Channels' group_send at an order of magnitude from the floor (one channel-layer
message and one dispatch per consumer). Here a broadcast is serialised once, published once to
Redis, received once by each ASGI process, and written straight to that process's sockets.
Without Redis (the embedded default, one process) publishing delivers in-process.
"""

import asyncio
import functools
import json
import logging
import pickle
import re
import time
from collections import defaultdict

from django.conf import settings
from redis.exceptions import RedisError
from websockets.frames import Frame, Opcode
from websockets.protocol import State

log = logging.getLogger(__name__)
CHANNEL_PREFIX = "quizsite:contest:"  # keys of the hot state (in REDIS_URL's database)


def channel_prefix() -> str:
    return _channel_prefix(settings.REDIS_URL)


@functools.lru_cache(maxsize=8)
def _channel_prefix(url: str) -> str:
    """The prefix of the contest frames' pub/sub channels. Redis keeps keys per database but
    pub/sub channels per server, so the database number is part of the name: two sites (or test
    runs, or benchmarks) on one Redis server with their own databases would otherwise deliver
    each other's frames to contests that happen to share an id."""
    from redis.connection import parse_url

    return f"quizsite:{parse_url(url).get('db', 0)}:contest:"


_SEQ = re.compile(r'"seq":\s*(\d+)')  # near the start of every state frame


def frame_seq(text: str) -> int | None:
    """The sequence number of a state frame (None for other frames)."""
    numbered = _SEQ.search(text, 0, 64)
    return int(numbered[1]) if numbered else None


class Hub:
    """The sockets of this process, by group ("<contest>:all", "<contest>:team:<id>", ...)."""

    def __init__(self) -> None:
        self.groups: dict[str, set] = defaultdict(set)
        # The newest sequence number of each contest's frames that passed through this process:
        # a snapshot cached at that number is as new as anything its sockets have been sent.
        self.delivered_seq: dict[int, int] = {}
        self.loop: asyncio.AbstractEventLoop | None = None
        self._subscriber: asyncio.Task | None = None
        self._delivering: asyncio.Lock | None = None
        # Contests with a change this process could not publish: the highest such number, until
        # Redis has taken the request that every process resync their sockets.
        self._unpublished: dict[int, int] = {}
        self._requests: set[asyncio.Task] = set()
        # Each contest's latest question's team answers that passed through this process, as
        # (opening id, {team id: team.answered frame}): every process gets every team's frames,
        # so a player's snapshot can say what their team answered since the snapshot was built.
        self.team_answers: dict[int, tuple[int, dict[int, str]]] = {}
        # Set while this process's subscription to every process's frames is in place (with
        # Redis): a frame published before it was missed here.
        self.subscribed = asyncio.Event()
        # Sockets that stopped waiting for the subscription (`listening`) and were sent a
        # snapshot read without it: each gets another once the subscription is in place.
        self.behind: set = set()
        # This process's signed-in sockets by user id, to close when their sign-in ends
        # (`orgs.sockets.EndsWithSignIn`), and the endings heard in the last ENDINGS_KEPT_S, as
        # (when heard, ending), for a socket that signed in before one but is tracked after it.
        self.signed_in: dict[int, set] = defaultdict(set)
        self.endings: list[tuple[float, dict]] = []

    def _start(self) -> None:
        """Take the running event loop (starting afresh on a new one: a new server, or a test),
        and subscribe to every process's messages (with Redis) unless subscribed already."""
        running = asyncio.get_running_loop()
        if self.loop is not running:
            if self.loop is not None and self.loop.is_closed():
                # The sockets of a server whose loop has ended: none can be delivered to, and
                # left here they would keep the new loop's ticker turning for ever.
                self.groups = defaultdict(set)
            self.loop, self._subscriber, self._delivering = running, None, None
            self._unpublished, self._requests, self.team_answers = {}, set(), {}
            self.subscribed, self.behind = asyncio.Event(), set()
            self.signed_in, self.endings = defaultdict(set), []
        if settings.REDIS_URL and (self._subscriber is None or self._subscriber.done()):
            self._subscriber = asyncio.create_task(self._subscribe())

    async def join(self, group: str, consumer) -> None:
        self._start()
        # Found once per socket, not once per frame: delivery walks thousands of sockets.
        consumer.fanout_protocol = _server_protocol(consumer.base_send)
        self.groups[group].add(consumer)

    async def listening(self) -> bool:
        """Wait until this process receives every process's frames (at once without Redis; with
        Redis once its subscription is in place), at most SUBSCRIBE_WAIT_S; whether it does. Call
        after `join` and before building a socket's snapshot: a frame published after the snapshot
        was read but before the subscription was in place would reach neither the snapshot nor
        the socket (the first sockets of a freshly started process; under load the subscription
        took seconds). If not, call `snapshot_again` once the snapshot has been sent."""
        if not settings.REDIS_URL or self.subscribed.is_set():
            return True
        try:
            await asyncio.wait_for(self.subscribed.wait(), SUBSCRIBE_WAIT_S)
        except TimeoutError:
            return False
        return True

    async def snapshot_again(self, consumer) -> None:
        """Send `consumer` a fresh snapshot once this process's subscription is in place (now,
        if it is): the one it was sent was read before (`listening` gave up)."""
        if self.subscribed.is_set():
            self.delivered_seq.pop(consumer.contest.pk, None)  # a snapshot cached before may be stale
            await consumer.send_snapshot()
        else:
            self.behind.add(consumer)

    def leave(self, group: str, consumer) -> None:
        members = self.groups.get(group)
        if members is not None:
            members.discard(consumer)
            if not members:
                del self.groups[group]

    async def track(self, consumer, *, user_id: int, signed_in_at: float) -> bool:
        """Keep a signed-in socket for `end_sign_ins`; False (and it is ended) if an ending heard
        since `signed_in_at` (this process's monotonic clock, taken before its sign-in was read)
        ends it: its sign-in may have been read before that ending was committed."""
        self._start()
        for heard_at, ending in list(self.endings):
            if heard_at >= signed_in_at and user_id in ending["users"] and await consumer.end_sign_in(ending):
                return False
        self.signed_in[user_id].add(consumer)
        return True

    def untrack(self, consumer, *, user_id: int) -> None:
        sockets = self.signed_in.get(user_id)
        if sockets is not None:
            sockets.discard(consumer)
            if not sockets:
                del self.signed_in[user_id]

    async def end_sign_ins(self, ending: dict) -> None:
        """Hand `ending` (`publish_sign_ins_ended`) to this process's sockets of its users, each
        of which closes if the ending is its own (`orgs.sockets.EndsWithSignIn.end_sign_in`),
        and keep it a while for sockets still signing in. No database: every process runs this."""
        ending["users"] = set(ending["users"])
        now = time.monotonic()
        self.endings = [(at, kept) for at, kept in self.endings if now - at < ENDINGS_KEPT_S]
        self.endings.append((now, ending))
        sockets = [socket for user_id in ending["users"] for socket in list(self.signed_in.get(user_id, ()))]
        results = await asyncio.gather(*(socket.end_sign_in(ending) for socket in sockets), return_exceptions=True)
        for result in results:
            if isinstance(result, Exception):
                log.warning("a socket whose sign-in ended could not be closed", exc_info=result)

    async def end_contests(self, gone: list[dict]) -> None:
        """Forget this process's rosters of the contests `gone` (`publish_contests_gone`: just
        deleted), and close their sockets here, each told why (`ContestConsumer.contest_gone`).
        No database: every process runs this."""
        from .access import rosters_forget  # access imports this module

        rosters_forget([contest["code"] for contest in gone])
        # By id and code: a test database, or SQLite, may reuse a deleted contest's id.
        codes = {contest["id"]: contest["code"] for contest in gone}
        sockets = set()
        for name, members in list(self.groups.items()):
            code = codes.get(int(name.split(":", 1)[0]))
            if code is not None:
                sockets.update(socket for socket in members if socket.contest.join_code == code)
        rehearsals = {contest["code"] for contest in gone if contest.get("rehearsal")}
        results = await asyncio.gather(
            *(socket.contest_gone(rehearsal=socket.contest.join_code in rehearsals) for socket in sockets),
            return_exceptions=True,
        )
        for result in results:
            if isinstance(result, Exception):
                log.warning("a socket of a deleted contest could not be closed", exc_info=result)

    async def deliver(self, group: str, text: str) -> None:
        """Write `text` to every socket of `group` in this process.

        Server frames are unmasked, so one encoded frame is the same bytes for every socket: on
        uvicorn connections that are open, uncompressed and not backed up, those bytes go straight
        to the transport (as `websockets.broadcast` does). Anything else takes the ASGI send.

        The sockets are written DELIVERY_CHUNK at a time, with the event loop free in between:
        writing to 2,500 sockets at once held it for 40-90 ms, and every acknowledgement due
        meanwhile (a question closes while the last answers arrive) waited for all of them.
        Deliveries take turns, so each socket gets frames in the order they were published. A
        socket that has joined but not yet been sent its snapshot keeps the frames in its
        `backlog`, to be sent after the snapshot (see ContestConsumer.connect).
        """
        if self._delivering is None:
            self._delivering = asyncio.Lock()
        async with self._delivering:
            seq = frame_seq(text)
            if seq is not None:
                contest_id = int(group.split(":", 1)[0])
                self.delivered_seq[contest_id] = max(self.delivered_seq.get(contest_id, 0), seq)
            message = {"type": "websocket.send", "text": text}
            frame = encode_frame(text)
            members, slow = list(self.groups.get(group, ())), []
            for start in range(0, len(members), DELIVERY_CHUNK):
                if start:
                    await asyncio.sleep(0)
                for consumer in members[start : start + DELIVERY_CHUNK]:
                    backlog = getattr(consumer, "backlog", None)
                    if backlog is not None:  # its snapshot is on the way: this frame follows it
                        backlog.append(text)
                    elif not write_direct(consumer, frame):
                        slow.append(consumer)
            results = await asyncio.gather(*(c.base_send(message) for c in slow), return_exceptions=True)
        if any(isinstance(result, Exception) for result in results):
            log.debug("some sends to closing sockets failed")

    async def deliver_teams(self, contest_id: int, payload: str) -> None:
        """Write each team's frame of a `publish_team_frames` payload to that team's sockets in
        this process (most teams have none here), and keep it for snapshots (`team_answer`)."""
        head, _newline, body = payload.partition("\n")
        opening_id = int(head)
        kept = self.team_answers.get(contest_id)
        if kept is None or kept[0] < opening_id:
            kept = self.team_answers[contest_id] = (opening_id, {})
        for line in body.split("\n"):
            team, _tab, text = line.partition("\t")
            if kept[0] == opening_id:
                kept[1][int(team)] = text
            name = team_group(contest_id, int(team))
            if name in self.groups:
                await self.deliver(name, text)

    def team_answer(self, contest_id: int, opening_id: int, team_id: int) -> str | None:
        """The `team.answered` frame of the team's answer to `opening_id`, if it passed through here."""
        kept = self.team_answers.get(contest_id)
        return kept[1].get(team_id) if kept is not None and kept[0] == opening_id else None

    async def _subscribe(self) -> None:
        """Forward every contest frame published by any process to this process's sockets."""
        import redis.asyncio as aioredis

        lost = False
        while True:
            client = aioredis.Redis.from_url(settings.REDIS_URL)
            try:
                async with client.pubsub() as pubsub:
                    prefix = channel_prefix()
                    await pubsub.psubscribe(prefix + "*")
                    if lost:
                        await self._resync(client)
                        lost = False
                    _stop_if_cancelled()
                    self.subscribed.set()
                    await self._send_snapshots_behind()
                    async for message in pubsub.listen():
                        _stop_if_cancelled()  # a resync's command may have swallowed the cancellation
                        if message["type"] != "pmessage":
                            continue
                        group = message["channel"].decode()[len(prefix) :]
                        if group == SIGN_INS_ENDED:
                            await self.end_sign_ins(json.loads(message["data"]))
                            continue
                        if group == CONTESTS_GONE:
                            await self.end_contests(json.loads(message["data"]))
                            continue
                        if group.endswith(TEAMS):
                            await self.deliver_teams(int(group.split(":", 1)[0]), message["data"].decode())
                            continue
                        if group.endswith(RESYNC):
                            contest_id = int(group.split(":", 1)[0])
                            if self.delivered_seq.get(contest_id, 0) < int(message["data"]):
                                await self._resync(client, only=contest_id)
                                _stop_if_cancelled()
                            continue
                        await self.deliver(group, message["data"].decode())
            except asyncio.CancelledError:
                raise
            except Exception:
                _stop_if_cancelled()  # asked to stop, then the connection failed: no reconnecting
                lost = True
                self.subscribed.clear()
                log.warning("contest subscription lost; reconnecting", exc_info=True)
                await asyncio.sleep(0.5)
            finally:
                await client.aclose()

    async def _send_snapshots_behind(self) -> None:
        """A fresh snapshot to each socket sent one read before the subscription (`snapshot_again`).
        Frames are not delivered meanwhile: the subscription's loop is the one sending them."""
        behind, self.behind = self.behind, set()
        for consumer in behind:
            self.delivered_seq.pop(consumer.contest.pk, None)  # a snapshot cached before may be stale
            try:
                await consumer.send_snapshot()
            except Exception:
                log.debug("a snapshot to a closing socket failed", exc_info=True)

    async def _resync(self, client, *, only: int | None = None) -> None:
        """Send every socket of this process (of contest `only`, if given) a fresh snapshot, after
        the subscription was lost or a process asked for it (`request_resync`).

        Redis keeps no frame for a subscriber that was away, and a change committed while Redis
        was down was never published at all: PostgreSQL has it, and the snapshots are read from
        there (its `seq` goes on from the database's numbering). Runs before the subscription is
        read again, so frames published meanwhile follow the snapshots. Each contest's snapshot
        is built once; sockets in the middle of connecting are left alone (theirs is being
        built now). Then the contest counts as published up to that number: its progress ticks,
        held back until the change they follow is out (`publish_progress`), may go again.
        """
        contests: dict[int, list] = defaultdict(list)
        for name, members in list(self.groups.items()):
            contest_id = int(name.split(":", 1)[0])
            if only in (None, contest_id):
                contests[contest_id].extend(members)
        for contest_id, members in contests.items():
            self.delivered_seq.pop(contest_id, None)  # a snapshot cached before the loss may be stale
            resynced, code = 0, None
            for index, consumer in enumerate(members):
                if index and not index % DELIVERY_CHUNK:
                    await asyncio.sleep(0)  # let acknowledgements out between chunks
                if consumer.backlog is not None:
                    continue
                try:
                    seq = await consumer.send_snapshot()
                except Exception:
                    log.debug("a resync snapshot to a closing socket failed", exc_info=True)
                    continue
                finally:
                    _stop_if_cancelled()
                # The next sockets reuse the snapshot built at this number (ContestConsumer._cached_snapshot).
                resynced, code = max(resynced, seq), consumer.contest.join_code
                self.delivered_seq[contest_id] = resynced
            if code is not None:
                await client.eval(_MARK_PUBLISHED, 1, _published_key(contest_id, code), resynced, PUBLISHED_TTL_S)

    def request_resync(self, contest_id: int, seq: int) -> None:
        """Have every process (this one too) send the contest's sockets a snapshot, once Redis
        takes the request: change `seq` could not be published. Callable from any thread. (With
        Redis restarting, every subscription is lost too, and the snapshots sent on its return
        make this request one that each process finds already met.)"""
        loop = self.loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._request_resync, contest_id, seq)

    def _request_resync(self, contest_id: int, seq: int) -> None:
        if contest_id not in self._unpublished:
            request = asyncio.get_running_loop().create_task(self._send_resync_request(contest_id))
            self._requests.add(request)  # held until done: the loop keeps only a weak reference
            request.add_done_callback(self._requests.discard)
        self._unpublished[contest_id] = max(self._unpublished.get(contest_id, 0), seq)

    async def _send_resync_request(self, contest_id: int) -> None:
        import redis.asyncio as aioredis

        client = aioredis.Redis.from_url(settings.REDIS_URL)
        try:
            while True:
                seq = self._unpublished.pop(contest_id)
                try:
                    await client.publish(f"{channel_prefix()}{contest_id}{RESYNC}", seq)
                    return
                except RedisError:
                    self._unpublished[contest_id] = max(self._unpublished.get(contest_id, 0), seq)
                    _stop_if_cancelled()
                    await asyncio.sleep(RESYNC_RETRY_S)
        finally:
            await client.aclose()


def _stop_if_cancelled() -> None:
    """Raise CancelledError if the running task has been asked to stop.

    A cancellation does not always reach the task that is cancelled: on Python 3.11 redis-py's
    asyncio client sends every command under `asyncio.wait_for` (its socket timeout), and 3.11's
    wait_for returns the command's result instead if the send completed in the same turn of the
    loop as the cancellation arrived. The task then carries on as if never cancelled (the request
    stays counted in `Task.cancelling()`). The subscription's loops check here after their
    commands: otherwise a subscription cancelled mid-resync went back to listening, or, with
    Redis gone, to reconnecting every RESYNC_RETRY_S, and the event loop's shutdown (which
    cancels each task once and waits for it) never ended."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError


RESYNC = ":resync"  # the channel suffix of a request to resync a contest's sockets
TEAMS = ":teams"  # the channel suffix of teams' own frames (`publish_team_frames`)
SIGN_INS_ENDED = "sign-ins-ended"  # the channel (after the prefix) of `publish_sign_ins_ended`
CONTESTS_GONE = "contests-gone"  # the channel (after the prefix) of `publish_contests_gone`
ENDINGS_KEPT_S = 60  # far longer than a sign-in takes to be read and its socket tracked
RESYNC_RETRY_S = 0.5
SUBSCRIBE_WAIT_S = 5.0  # the longest a connecting socket waits for the process's subscription
MAX_BUFFERED_BYTES = 256 * 1024
DELIVERY_CHUNK = 250  # sockets written between two turns of the event loop: about 5 ms


def team_group(contest_id: int, team_id: int) -> str:
    """The group of one team's phones."""
    return f"{contest_id}:team:{team_id}"


def encode_frame(text: str) -> bytes:
    """A server's text frame: unmasked, so the same bytes for every socket."""
    return Frame(Opcode.TEXT, text.encode()).serialize(mask=False, extensions=[])


def write_direct(consumer, frame: bytes) -> bool:
    """Write an encoded frame straight to a joined socket's transport, as uvicorn's own send would
    (it writes at once too, with no flow control); False if the socket needs the ASGI send."""
    transport = _plain_transport(getattr(consumer, "fanout_protocol", None))
    if transport is None:
        return False
    transport.write(frame)
    return True


def _server_protocol(send):
    """uvicorn's protocol behind an ASGI send, looking through Channels' session wrapper (which
    only acts on HTTP responses and the accept, never on websocket.send); None if it is not an
    uncompressed uvicorn connection."""
    for _depth in range(4):
        owner = getattr(send, "__self__", None)
        if owner is None:
            return None
        if hasattr(owner, "conn") and hasattr(owner, "transport"):
            return None if owner.conn.extensions else owner
        send = getattr(owner, "real_send", None)
    return None


def _plain_transport(protocol):
    """The socket's transport if its uvicorn connection is open and keeps up."""
    if protocol is None or protocol.close_sent or protocol.conn.state is not State.OPEN:
        return None
    transport = protocol.transport
    if transport.is_closing() or transport.get_write_buffer_size() > MAX_BUFFERED_BYTES:
        return None  # closing, or a slow client: let the ASGI send apply its flow control
    return transport


HUB = Hub()

# Hot state shared by the processes: in Redis when configured, else in this (only) process.
# The process's own client, not Django's cache: that one is per async context, so every socket
# would open (and drop) a Redis connection of its own.
_redis = None
_local: dict[str, tuple[float, object]] = {}


def _client():
    global _redis
    if _redis is None:
        import redis

        _redis = redis.Redis.from_url(settings.REDIS_URL)
    return _redis


def hot_client():
    """This process's Redis client (REDIS_URL), for hot state of its own shape."""
    return _client()


def hot_get(key: str):
    """A value stored with `hot_set`, or None once it has expired (or while Redis is unreachable:
    the hot state is a cache, and every caller can read PostgreSQL instead)."""
    if settings.REDIS_URL:
        try:
            raw = _client().get(CHANNEL_PREFIX + key)
        except RedisError:
            log.warning("hot state unreachable; reading without it", exc_info=True)
            return None
        return None if raw is None else pickle.loads(raw)  # noqa: S301 (our own Redis, our own values)
    expires, value = _local.get(key, (0.0, None))
    return value if time.monotonic() < expires else None


def hot_set(key: str, value, seconds: int) -> None:
    hot_set_many({key: value}, seconds)


def hot_set_many(values: dict[str, object], seconds: int) -> None:
    """Store several values for `seconds` (in one round trip to Redis; skipped if it is unreachable)."""
    if settings.REDIS_URL:
        try:
            with _client().pipeline(transaction=False) as pipe:
                for key, value in values.items():
                    pipe.set(CHANNEL_PREFIX + key, pickle.dumps(value), ex=seconds)
                pipe.execute()
        except RedisError:
            log.warning("hot state unreachable; not stored", exc_info=True)
        return
    expires = time.monotonic() + seconds
    _local.update((key, (expires, value)) for key, value in values.items())


def hot_forget(keys: list[str]) -> None:
    """Drop values stored with `hot_set` (skipped if Redis is unreachable: they expire)."""
    if settings.REDIS_URL:
        try:
            _client().delete(*(CHANNEL_PREFIX + key for key in keys))
        except RedisError:
            log.warning("hot state unreachable; not forgotten", exc_info=True)
        return
    for key in keys:
        _local.pop(key, None)


def hot_claim(key: str, milliseconds: int) -> bool:
    """True for the one caller, in any process, that claims `key` first; then for nobody until
    `milliseconds` have passed. Nobody claims while Redis is unreachable."""
    if settings.REDIS_URL:
        try:
            return bool(_client().set(CHANNEL_PREFIX + key, b"1", nx=True, px=milliseconds))
        except RedisError:
            log.warning("hot state unreachable; nothing claimed", exc_info=True)
            return False
    if hot_get(key) is not None:
        return False
    _local[key] = (time.monotonic() + milliseconds / 1000, True)
    return True


# Progress inside a question (who has answered) carries the number of the latest change, and must
# not reach a socket before that change's own broadcast: a client would take the broadcast for
# one more progress update. The change's frames are built after its commit, so a tick built at
# the same moment could overtake them. So each contest has a mark in Redis, the highest number
# whose frames have been published, set in the same round trip as they are; a tick is published
# by a script that checks the mark first. Redis runs commands one at a time and every subscriber
# gets messages in that order, so a tick that passes the check reaches every process after the
# change. (Without Redis, the mark is this process's, and deliveries run in publication order.)
PUBLISHED_TTL_S = 12 * 3600
_MARK_PUBLISHED = """
if tonumber(redis.call('GET', KEYS[1]) or '0') < tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
end
"""
_PUBLISH_IF_PUBLISHED = """
if tonumber(redis.call('GET', KEYS[1]) or '0') < tonumber(ARGV[1]) then return 0 end
for i = 2, #ARGV, 2 do redis.call('PUBLISH', ARGV[i], ARGV[i + 1]) end
return 1
"""
_published: dict[str, int] = {}


def _published_key(contest_id: int, join_code: str) -> str:
    # The code too: a test database, or SQLite, may reuse a contest's id.
    return f"{CHANNEL_PREFIX}{contest_id}:{join_code}:published"


def publish_change(contest_id: int, join_code: str, seq: int, frames: dict[str, str]) -> None:
    """Send serialised frames ({group: text}, in order) to every socket of their groups in every
    process, and mark `seq` published. Callable from sync code.

    If Redis is unreachable the frames are dropped (logged): the change is committed, and every
    process sends its sockets a snapshot once Redis is back (`Hub._resync`)."""
    key = _published_key(contest_id, join_code)
    if settings.REDIS_URL:
        try:
            with _client().pipeline(transaction=False) as pipe:
                for group, text in frames.items():
                    pipe.publish(channel_prefix() + group, text)
                pipe.eval(_MARK_PUBLISHED, 1, key, seq, PUBLISHED_TTL_S)
                pipe.execute()
        except RedisError:
            log.warning("contest %d: change %d not published; snapshots will follow", contest_id, seq)
            HUB.request_resync(contest_id, seq)
        return
    for group, text in frames.items():
        _deliver_here(group, text)
    _published[key] = max(_published.get(key, 0), seq)


def publish_progress(contest_id: int, join_code: str, seq: int, frames: dict[str, str]) -> bool:
    """Send progress frames built after change `seq`, as `publish_change` does, if that change's
    frames have been published; False (nothing sent) if not yet, or if Redis is unreachable."""
    key = _published_key(contest_id, join_code)
    if settings.REDIS_URL:
        prefix = channel_prefix()
        pairs = [part for group, text in frames.items() for part in (prefix + group, text)]
        try:
            return bool(_client().eval(_PUBLISH_IF_PUBLISHED, 1, key, seq, *pairs))
        except RedisError:
            log.warning("contest %d: progress not published", contest_id, exc_info=True)
            return False
    if _published.get(key, 0) < seq:
        return False
    for group, text in frames.items():
        _deliver_here(group, text)
    return True


def publish_team_frames(contest_id: int, opening_id: int, frames: dict[int, str]) -> None:
    """Send each team's own frame about question `opening_id` ({team id: text}) to that team's
    sockets only, in every process: one message for them all, however many teams answered in a
    batch. Dropped (logged) if Redis is unreachable: a phone's next snapshot says it too."""
    payload = f"{opening_id}\n" + "\n".join(f"{team}\t{text}" for team, text in frames.items())
    if settings.REDIS_URL:
        try:
            _client().publish(f"{channel_prefix()}{contest_id}{TEAMS}", payload)
        except RedisError:
            log.warning("contest %d: team frames not published", contest_id, exc_info=True)
        return
    _on_hub_loop(lambda: HUB.deliver_teams(contest_id, payload))


def publish_sign_ins_ended(ending: dict) -> None:
    """Have every process close its sockets that `ending` ends ({"users": [ids], ...}, read by
    `orgs.sockets.EndsWithSignIn`): one message on the channel every process already listens to,
    whatever the number of users or sockets. Call after the commit that ended the sign-ins.

    If Redis is unreachable, only this process's sockets are closed (logged): the sign-ins have
    ended all the same, so those sockets cannot sign in again once they reconnect."""
    if settings.REDIS_URL:
        try:
            _client().publish(channel_prefix() + SIGN_INS_ENDED, json.dumps(ending))
            return
        except RedisError:
            log.warning("ended sign-ins not published; closing this process's sockets only", exc_info=True)
    _on_hub_loop(lambda: HUB.end_sign_ins(dict(ending)))


def publish_contests_gone(gone: list[dict]) -> None:
    """Have every process forget its rosters of the contests `gone` ([{"id", "code", "rehearsal"}],
    just deleted) and close their sockets, each told why: one message on the channel every
    process already listens to. Call after the commit that deleted them.

    If Redis is unreachable, only this process acts (logged): another process's roster of a
    deleted contest then lasts until a phone signs in there with its code (and is refused,
    `ContestConsumer.refuse_contest_gone`), and its sockets until they reconnect."""
    if settings.REDIS_URL:
        try:
            _client().publish(channel_prefix() + CONTESTS_GONE, json.dumps(gone))
            return
        except RedisError:
            log.warning("deleted contests not published; acting in this process only", exc_info=True)
    _on_hub_loop(lambda: HUB.end_contests(gone))


def _deliver_here(group: str, text: str) -> None:
    """Without Redis: deliver to this (only) process's sockets, in publication order."""
    _on_hub_loop(lambda: HUB.deliver(group, text))


def _on_hub_loop(delivery) -> None:
    """Without Redis: run `delivery()` (a coroutine) on the event loop of this process's sockets."""
    if HUB.loop is None or HUB.loop.is_closed():
        return  # no socket has joined in this process yet
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if running is HUB.loop:
        HUB.loop.create_task(delivery())
    else:
        asyncio.run_coroutine_threadsafe(delivery(), HUB.loop)
