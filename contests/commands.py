"""Host commands carried out once per client command id, in a scope of their own (a contest, a
speech night).

A host command that reaches the server twice (a frame sent again after a dropped connection, or
an app's retry) must not act twice: a second `host.adjust` would count the points twice, a second
`host.open` would open the next question, a second `night.call` would refuse or call the next
speaker. A command may carry a `command_id` of the client's making; the first result under it (an
acknowledgement or a refusal) is kept per scope (`"contest:<id>"`, `"night:<id>"`), in Redis when
configured (any process may get the repeat), for COMMAND_TTL_S and at most COMMANDS_KEPT per
scope, and a repeat is answered with it instead of being carried out again.
"""

import json
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from django.conf import settings
from django.db import DatabaseError
from django.utils.translation import gettext_lazy as _
from redis.exceptions import RedisError

from . import fanout
from .errors import ContestRejected

log = logging.getLogger(__name__)
COMMAND_TTL_S = 3600  # a repeat after a reconnect or an app's retries comes within minutes
COMMANDS_KEPT = 1000  # per scope: an evening's commands many times over
PENDING_S = 60  # a command being carried out; a process killed meanwhile frees its id after this
_PENDING = "pending"
KEY_PREFIX = "quizsite:"  # a scope's keys: "quizsite:contest:12:command:<id>", as in contests.fanout

# Keep a command's result and index it by time in the scope's set; drop the oldest beyond the cap.
_KEEP = """
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[4])
redis.call('EXPIRE', KEYS[2], ARGV[2])
local over = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[5])
if over > 0 then
  for _, id in ipairs(redis.call('ZRANGE', KEYS[2], 0, over - 1)) do redis.call('DEL', ARGV[6] .. id) end
  redis.call('ZREMRANGEBYRANK', KEYS[2], 0, over - 1)
end
"""


def host_command(
    message: dict, *, scope: str, run: Callable[[], dict], refusal: type[Exception] = ContestRejected
) -> dict:
    """Carry out the host command `message` by `run`: with a `command_id`, once in `scope` (see
    `run_once`), and its acknowledgement's fields with `command_id` and `repeat`; without one
    (clients before the scope's command ids), every time it arrives, with no fields."""
    if "command_id" not in message:
        run()
        return {}
    command_id = check_command_id(message["command_id"], refusal=refusal)
    fields, repeat = run_once(scope=scope, command_id=command_id, kind=message["type"], run=run, refusal=refusal)
    return {**fields, "command_id": command_id, "repeat": repeat}


def check_command_id(command_id: object, *, refusal: type[Exception] = ContestRejected) -> str:
    if not isinstance(command_id, str) or not 1 <= len(command_id) <= 64:
        raise refusal("bad_command_id", _("Send command_id as a string of 1 to 64 characters."))
    return command_id


def run_once(
    *, scope: str, command_id: str, kind: str, run: Callable[[], dict], refusal: type[Exception] = ContestRejected
) -> tuple[dict, bool]:
    """Carry out `run` (a host command of type `kind`) unless `scope` has already had a command
    under `command_id`: then answer with that one's result. Returns the acknowledgement's fields
    and whether this was a repeat. `refusal` is the scope's refusal (an exception made of a code
    and a message): what `run` raises when it refuses, remembered as the first result, and what
    this raises: the first refusal again for a repeat of a refused command, `command_id_taken` for
    an id used by another type of command, and `unavailable` while the first is still being
    carried out. A failure that changed nothing (the database or Redis could not be reached)
    forgets the id, so that sending the command again carries it out.

    Without Redis the results are this process's own. With Redis unreachable the command is
    carried out unchecked (the host must be able to act while the hot state is down)."""
    store = _store()
    prefix = _prefix(scope)
    try:
        first = store.claim(prefix + command_id, json.dumps({"kind": kind, "state": _PENDING}))
    except RedisError:
        log.warning("%s: command ids unreachable; %s carried out unchecked", scope, kind, exc_info=True)
        return run(), False
    if first is not None:
        return _answer(json.loads(first), kind, refusal), True
    try:
        fields = run()
    except refusal as refused:
        _keep(store, scope, command_id, {"kind": kind, "code": refused.code, "message": str(refused.message)})
        raise
    except (DatabaseError, RedisError):
        _forget(store, prefix + command_id)
        raise
    _keep(store, scope, command_id, {"kind": kind, "ack": fields})
    return fields, False


def _answer(first: dict, kind: str, refusal: type[Exception]) -> dict:
    if first["kind"] != kind:
        raise refusal("command_id_taken", _("That command id was used for another command."))
    if first.get("state") == _PENDING:
        raise refusal("unavailable", _("That command is still being carried out; send it again shortly."))
    if "code" in first:
        raise refusal(first["code"], first["message"])
    return first["ack"]


def _keep(store, scope: str, command_id: str, result: dict) -> None:
    try:
        store.keep(_prefix(scope), command_id, json.dumps(result, ensure_ascii=False))
    except RedisError:
        log.warning("%s: command %s done but not remembered", scope, command_id, exc_info=True)


def _forget(store, key: str) -> None:
    try:
        store.forget(key)
    except RedisError:
        log.warning("command %s not forgotten; its id is free in %d s", key, PENDING_S, exc_info=True)


def _prefix(scope: str) -> str:
    return f"{KEY_PREFIX}{scope}:command:"


class _RedisStore:
    def claim(self, key: str, pending: str) -> str | None:
        """Claim `key` for a command being carried out; None if claimed, else what it holds."""
        client = fanout.hot_client()
        for _attempt in range(3):  # the holder may expire between the two calls
            if client.set(key, pending, nx=True, ex=PENDING_S):
                return None
            held = client.get(key)
            if held is not None:
                return held.decode()
        return pending  # claimed and freed over and over: answer as if still in progress

    def keep(self, prefix: str, command_id: str, result: str) -> None:
        keys = (prefix + command_id, prefix.removesuffix(":command:") + ":commands")  # the id, the index
        fanout.hot_client().eval(_KEEP, 2, *keys, result, COMMAND_TTL_S, time.time(), command_id, COMMANDS_KEPT, prefix)

    def forget(self, key: str) -> None:
        fanout.hot_client().delete(key)


class _LocalStore:
    """One process's results (the embedded default, with no Redis), with the same limits."""

    def __init__(self) -> None:
        self._held: dict[str, OrderedDict[str, tuple[float, str]]] = {}  # by scope
        self._lock = threading.Lock()

    def _scope(self, key: str) -> tuple[OrderedDict, str]:
        prefix, _sep, command_id = key.partition(":command:")
        return self._held.setdefault(prefix, OrderedDict()), command_id

    def claim(self, key: str, pending: str) -> str | None:
        with self._lock:
            held, command_id = self._scope(key)
            found = held.get(command_id)
            if found is not None and found[0] > time.monotonic():
                return found[1]
            held[command_id] = (time.monotonic() + PENDING_S, pending)
            return None

    def keep(self, prefix: str, command_id: str, result: str) -> None:
        with self._lock:
            held, _id = self._scope(prefix + command_id)
            held.pop(command_id, None)
            held[command_id] = (time.monotonic() + COMMAND_TTL_S, result)
            while len(held) > COMMANDS_KEPT:
                held.popitem(last=False)

    def forget(self, key: str) -> None:
        with self._lock:
            held, command_id = self._scope(key)
            held.pop(command_id, None)


_local = _LocalStore()


def _store():
    return _RedisStore() if settings.REDIS_URL else _local
