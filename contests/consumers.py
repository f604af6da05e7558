"""WebSocket consumers. Thin: authenticate, parse a frame, call a service, answer the sender.
Broadcasts go through `contests.fanout` (one Redis subscription per process), never a
channel-layer message per consumer."""

import asyncio
import json
import logging
import threading
import time
from datetime import UTC, datetime
from typing import NamedTuple

from asgiref.sync import sync_to_async
from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from django.db import DatabaseError
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from redis.exceptions import RedisError

from orgs.passwords import PASSWORD_CHANGE_REQUIRED, must_change_password
from orgs.sockets import EndsWithSignIn

from . import access, commands, fanout, intake, presence, presenters, protocol, services
from .broadcast import HOSTS, PLAYERS, SCREENS, current_seq, group
from .fanout import HUB
from .models import Contest, ContestAnswer, Opening, Team

log = logging.getLogger(__name__)
# What an open socket is told when its contest is deleted (`ContestConsumer.contest_gone`).
CONTEST_DELETED = _("This contest has been deleted; this connection has ended.")
REHEARSAL_RESET = _("This rehearsal has been reset: the new one has a new join code. This connection has ended.")
SNAPSHOT_CACHE_S = 2
RATE_PER_SECOND = 8
RATE_BURST = 16


class FrameBudget:
    """A socket's token bucket: RATE_BURST frames at once, RATE_PER_SECOND frames a second after."""

    def __init__(self) -> None:
        self.tokens, self.refilled = float(RATE_BURST), time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(RATE_BURST, self.tokens + (now - self.refilled) * RATE_PER_SECOND)
        self.refilled = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


TICK_SECONDS = 0.25


async def refuse_sign_in(consumer: AsyncWebsocketConsumer) -> bool:
    """Close a socket without a signed-in session with 4401, and one of an account that must
    first replace a temporary password (`orgs.passwords`) with an `error` frame
    `password_change_required` and 4403; say whether it was closed. Accepted first: closed during
    the handshake, a client would see only an HTTP 403 (a browser, 1006). The mark is read from
    the user row the sign-in already loaded (`orgs.sockets`): no query of its own."""
    user = consumer.scope.get("user")
    if user is not None and user.is_authenticated:
        if not must_change_password(user):
            return False
        await consumer.accept()
        await consumer.send(text_data=protocol.error_message("password_change_required", PASSWORD_CHANGE_REQUIRED))
        await consumer.close(code=4403)
        return True
    await consumer.accept()
    await consumer.close(code=4401)
    return True


class ClockConsumer(EndsWithSignIn, AsyncWebsocketConsumer):
    """Answers time.sync so a screen can measure its clock offset and round-trip time (NTP style)."""

    async def connect(self) -> None:
        if await refuse_sign_in(self):
            return
        await self.accept()
        await self.keep_signed_in()

    async def disconnect(self, code) -> None:
        self.forget_sign_in()

    async def receive(self, text_data=None, bytes_data=None) -> None:
        received_at = protocol.server_now_ms()
        try:
            message = protocol.parse_frame(text_data, allowed=(protocol.TIME_SYNC,))
        except protocol.ProtocolError as error:
            await self.send(text_data=protocol.error_message(error.code, error.message, ref=error.ref))
            return
        await self.send(
            text_data=protocol.time_synced(client_sent_at=message.get("client_sent_at"), received_at=received_at)
        )


class ContestConsumer(EndsWithSignIn, AsyncWebsocketConsumer):
    """One socket of a live contest: a player's phone, a big screen or the host console."""

    # Broadcasts come through `contests.fanout`; no channel-layer channel (with Redis, that would
    # be one subscription per socket).
    channel_layer_alias = "none"
    groups_joined: tuple[str, ...] = ()
    backlog: list[str] | None = None  # frames delivered before the snapshot was sent
    presence_token: str | None = None  # a player socket's entry in `contests.presence`

    async def connect(self) -> None:
        if await refuse_sign_in(self):
            return
        user = self.scope["user"]
        query = dict(
            part.split("=", 1) for part in self.scope.get("query_string", b"").decode().split("&") if "=" in part
        )
        self.role = query.get("role", "player")
        code = self.scope["url_route"]["kwargs"]["code"]
        place = access.known_place(code, user.pk) if self.role == "player" else None
        try:
            if place is not None:  # a player of a started contest whose roster this process keeps
                self.contest, self.place = place.contest, place
            else:
                # On the thread pool, not Django's one sync thread: a hall reconnecting at once
                # is checked in parallel.
                self.contest, self.place = await database_sync_to_async(
                    access.access_contest_seat, thread_sensitive=False
                )(user, code, self.role, cached_place=True)
        except services.ContestRejected as error:
            await self.accept()
            await self.send(text_data=protocol.error_message(error.code, error.message))
            await self.close(code=4403)
            return
        self.user = user
        self.member_id = user.pk  # read once: `user` is a lazy object, slow on every attribute
        # The socket's language, set for the whole connection (orgs.sockets.SocketLocaleMiddleware):
        # read once, as reading it is a context-local lookup (2% of a process under the burst).
        self.language = translation.get_language()
        self.allowed = {"player": protocol.PLAYER_TYPES, "screen": protocol.SCREEN_TYPES, "host": protocol.HOST_TYPES}[
            self.role
        ]
        self.budget = FrameBudget()
        await self.accept()
        if not await self.keep_signed_in():  # its sign-in ended while it was being read
            return
        audiences = {"player": (PLAYERS,), "screen": (SCREENS,), "host": (HOSTS,)}[self.role]
        self.groups_joined = tuple(group(self.contest.pk, audience) for audience in audiences)
        if self.role == "player" and self.place is not None:  # the team's own frames (team.answered)
            self.groups_joined += (fanout.team_group(self.contest.pk, self.place.team_id),)
        # Joined before the snapshot is built, so nothing published meanwhile is missed; but what
        # is delivered meanwhile waits in the backlog, to follow the snapshot, not precede it: a
        # phone that got the host's start and open before its (older) snapshot rendered the
        # snapshot last, and never saw its turn.
        self.backlog = []
        for name in self.groups_joined:
            await HUB.join(name, self)
        if self.role == "player" and self.place is not None:
            # Written with this process's other joins and leaves on the ticker's next turn.
            self.presence_token = presence.new_token(self.member_id)
            presence.join(self.contest.pk, self.contest.join_code, self.presence_token)
        elif self.role == "host":
            _presence_told.pop((self.contest.pk, self.contest.join_code), None)  # the next tick tells it afresh
        ensure_ticker()
        listening = await HUB.listening()  # with Redis: what is published from now on reaches this process
        try:
            after = await self.send_snapshot()
        except Contest.DoesNotExist:
            await self.refuse_contest_gone(code)
            return
        await self._send_backlog(after=after)
        if not listening:
            await HUB.snapshot_again(self)

    async def refuse_contest_gone(self, code: str) -> None:
        """Refuse the socket as if no contest had `code` (the role's one refusal, then 4403): the
        contest its sign-in found was deleted since this process, or the hot state, kept its
        roster (a rehearsal thrown away by a reset). Forgets that roster, so the next sign-in
        with the code reads the database."""
        self.stop_deliveries()
        self.forget_sign_in()
        access.places_forget(code, self.member_id)
        refusal = access.refusal(self.role)
        await self.send(text_data=protocol.error_message(refusal.code, refusal.message))
        await self.close(code=4403)

    async def contest_gone(self, *, rehearsal: bool) -> None:
        """Tell the socket its contest was deleted (a rehearsal: reset), then close it with 4403:
        there is nothing to reconnect to. Runs on the hub's task (`Hub.end_contests`), or on the
        socket's own when a frame it acts on finds the contest deleted before the hub was told
        (the commit is out, the message on its way): no database."""
        self.sign_in_over = True  # from now on `send` drops what this socket would still be sent
        self.stop_deliveries()
        self.forget_sign_in()
        with translation.override(self.language):
            text = protocol.error_message("contest_deleted", REHEARSAL_RESET if rehearsal else CONTEST_DELETED)
        try:
            await self.base_send({"type": "websocket.send", "text": text})
            await self.base_send({"type": "websocket.close", "code": 4403})
        except Exception:  # the client went meanwhile
            log.debug("a socket of a deleted contest had gone", exc_info=True)

    async def send(self, text_data=None, bytes_data=None, close=False) -> None:
        # Replies (an acknowledgement per answer) take the broadcasts' path once the socket has
        # joined: one write to the transport instead of Channels' and uvicorn's send layers.
        plain_text = text_data is not None and bytes_data is None and not close
        if not (plain_text and fanout.write_direct(self, fanout.encode_frame(text_data))):
            await super().send(text_data=text_data, bytes_data=bytes_data, close=close)

    async def __call__(self, scope, receive, send) -> None:
        # Channels' own loop wraps every receive in a new task and waits on it with
        # asyncio.wait, so that it can listen to a channel layer at the same time. This consumer
        # has no channel layer (broadcasts come through the hub), so it reads its socket's
        # messages one after the other, as that loop does, without a task and a wait per frame:
        # under the answer burst those were ~3% of a process (py-spy).
        self.scope, self.base_send, self.channel_layer = scope, send, None
        try:
            while True:
                await self.dispatch(await receive())
        except StopConsumer:
            pass
        finally:
            # Also when the server cancels the socket's task (it gave up waiting for the close) or
            # a handler failed: a socket left in the hub's groups would still be delivered to, and
            # would keep this process's ticker turning for ever.
            self.leave_everything()

    async def dispatch(self, message) -> None:
        # Channels closes stale database connections before every handler, a hop to its one
        # sync thread per frame; every database call here goes through database_sync_to_async,
        # which does that on its own thread.
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def websocket_disconnect(self, message) -> None:
        # As Channels' own, without its closing of stale database connections on the sync
        # thread: there is no channel-layer group to leave, and no database work here.
        self.leave_everything()
        raise StopConsumer()

    def leave_everything(self) -> None:
        """Stop the socket's deliveries, forget its sign-in and write its presence off; again
        is harmless."""
        self.stop_deliveries()
        self.forget_sign_in()
        token, self.presence_token = self.presence_token, None
        if token is not None:  # written on the ticker's next turn; consoles hear of it on their next tick
            presence.leave(self.contest.pk, self.contest.join_code, token)
            ensure_ticker()

    def stop_deliveries(self) -> None:
        for name in self.groups_joined:
            HUB.leave(name, self)
        HUB.behind.discard(self)

    async def send_snapshot(self) -> int:
        """Send the current snapshot; return its sequence number."""
        # A hall reconnecting at once mostly finds the snapshot already built: then no thread
        # and no query is needed (the player's place was read at sign-in).
        text = self._cached_snapshot()
        if text is None:
            text = await database_sync_to_async(self._snapshot, thread_sensitive=False)()
        await self.send(text_data=text)
        return fanout.frame_seq(text)

    async def _send_backlog(self, *, after: int) -> None:
        """Send the frames delivered while the snapshot was on its way that are newer than it,
        then take frames straight from the hub. Emptied and dropped with no wait in between, so
        no frame can overtake one still in the backlog."""
        while self.backlog:
            text = self.backlog.pop(0)
            seq = fanout.frame_seq(text)
            if seq is None or seq > after:  # a team's own frame has no number: it always goes
                await self.send(text_data=text)
        self.backlog = None

    def _cached_snapshot(self) -> str | None:
        seq = HUB.delivered_seq.get(self.contest.pk)
        if self.role == "host" or seq is None:
            return None
        snapshot = _public_snapshot(self.contest, seq, build=False)
        if snapshot is None or _overdue(snapshot.open_until):  # the database path closes it first
            return None
        return self._with_you(snapshot)

    def _snapshot(self) -> str:
        seq = current_seq(self.contest.pk)
        if self.role == "host":
            state = presenters.host_state(self.contest, seq=seq)
            question = state["question"]
            if _close_if_overdue(_open_until(question), question and question["opening"]):
                state = presenters.host_state(self.contest, seq=current_seq(self.contest.pk))
            state["online"] = presence.online(self.contest.pk, self.contest.join_code)
            return json.dumps(state, ensure_ascii=False)
        snapshot = _public_snapshot(self.contest, seq)
        if _close_if_overdue(snapshot.open_until, snapshot.opening):
            snapshot = _public_snapshot(self.contest, current_seq(self.contest.pk))
        return self._with_you(snapshot)

    def _with_you(self, snapshot: "_Snapshot") -> str:
        if self.role == "player":
            text = snapshot.players
            you = presenters.you(self.user, self.place, snapshot.legs, self._team_answer(snapshot))
        else:
            text, you = snapshot.screens, {"role": "screen"}
        return text[:-1] + ',"you":' + json.dumps(you, ensure_ascii=False) + "}"

    def _team_answer(self, snapshot: "_Snapshot") -> dict | None:
        """The player's team's answer to the snapshot's question: as the snapshot was built, or
        as its `team.answered` frame passed through this process since (a snapshot is reused for
        a moment, and answers do not move `seq`)."""
        if self.place is None or snapshot.opening is None:
            return None
        team_id = self.place.team_id
        frame = HUB.team_answer(self.contest.pk, snapshot.opening, team_id)
        if frame is None:
            return snapshot.team_answers.get(team_id)
        return {key: value for key, value in json.loads(frame).items() if key not in ("type", "v")}

    async def receive(self, text_data=None, bytes_data=None) -> None:
        received_at = protocol.server_now_ms()
        if self.sign_in_over:  # closed (`end_sign_in`): what was still on its way is not acted on
            return
        if not self.budget.take():
            message = _("Too many frames; slow down.")
            await self.send(text_data=protocol.error_message("rate_limited", message, ref=protocol.frame_id(text_data)))
            return
        try:
            message = protocol.parse_frame(text_data, allowed=self.allowed)
        except protocol.ProtocolError as error:
            await self.send(text_data=protocol.error_message(error.code, error.message, ref=error.ref))
            return
        kind = message["type"]
        if kind == protocol.TIME_SYNC:
            await self.send(
                text_data=protocol.time_synced(client_sent_at=message.get("client_sent_at"), received_at=received_at)
            )
            return
        if kind == protocol.SYNC:
            try:
                await self.send_snapshot()
            except Contest.DoesNotExist:  # deleted a moment ago, before the hub heard of it
                await self.contest_gone(rehearsal=self.contest.is_rehearsal)
            return
        ref = message.get("id")
        if kind == protocol.ANSWER_SUBMIT:
            await self._answer(message, ref, received_at)
            return
        # Player actions run on the thread pool in parallel (each with its own connection); the
        # database's constraints keep them right. Host commands keep to one thread, in order.
        sensitive = kind.startswith("host.")
        try:
            result = await database_sync_to_async(self._act, thread_sensitive=sensitive)(kind, message)
        except services.ContestRejected as error:
            await self.send(text_data=protocol.error_message(error.code, error.message, ref=ref))
            return
        except Contest.DoesNotExist:
            await self.contest_gone(rehearsal=self.contest.is_rehearsal)
            return
        except (DatabaseError, RedisError):
            # Rolled back (a change that commits is acknowledged whatever becomes of its
            # broadcast): the socket stays, and the page sends the action again.
            log.warning("%s could not be carried out", kind, exc_info=True)
            unavailable = _("That could not be done just now; it is being sent again.")
            await self.send(text_data=protocol.error_message("unavailable", unavailable, ref=ref))
            return
        await self.send(text_data=protocol.ack(ref=ref, action=kind, **result))

    async def _answer(self, message: dict, ref: object, received_at_ms: int) -> None:
        """Answers go to this process's batch for the contest (`contests.intake`), not one
        transaction each; the acknowledgement follows the batch's commit."""
        answer_id, opening = message.get("answer_id"), message.get("opening")
        if not isinstance(answer_id, str) or not 1 <= len(answer_id) <= 64:
            message = _("Send an answer_id: a string of 1 to 64 characters.")
            await self.send(text_data=protocol.error_message("bad_answer_id", message, ref=ref))
            return
        if "opening" in message and not _is_whole(opening):
            # Not taken as absent: an `opening` of "41" skipped the check that the host has not
            # moved on, and the answer counted for whatever question was in play.
            refusal = _("Send opening as the question's opening, a whole number.")
            await self.send(text_data=protocol.error_message("bad_value", refusal, ref=ref))
            return
        submission = services.Submission(
            member_id=self.member_id,
            client_answer_id=answer_id,
            response=message.get("response"),
            received_at=datetime.fromtimestamp(received_at_ms / 1000, tz=UTC),
            opening_id=opening if _is_whole(opening) else None,
        )
        outcome = await intake.submit(self.contest.pk, submission)
        if isinstance(outcome, services.ContestRejected):
            await self.send(text_data=_refusal_head(outcome, self.language) + protocol.with_ref(ref))
            return
        fields = {"answer_id": outcome.client_answer_id, "received_at": outcome.received_at.isoformat()}
        await self.send(text_data=protocol.ack(ref=ref, action=protocol.ANSWER_SUBMIT, **fields))

    def _act(self, kind: str, message: dict) -> dict:
        """Run one action through the rules engine; return what the acknowledgement carries."""
        contest, user = self.contest, self.user
        if kind == protocol.BUZZ:
            pressed = services.buzz(contest=contest, member=user)
            opening = Opening.objects.get(pk=pressed.opening_id)
            return {"early": pressed.early, "won": opening.buzz_winner_id == pressed.team_id}
        if kind == protocol.RISK_PICK:
            value = message.get("value")
            if not _is_whole(value):
                raise services.ContestRejected("bad_stake", _("Send value as a whole number (0 abstains)."))
            return {"value": services.risk_pick(contest=contest, member=user, value=value).value}
        return self._host(kind, message, contest, user)

    def _host(self, kind: str, message: dict, contest: Contest, user) -> dict:
        """A host command; with a `command_id` (protocol 7), carried out once however often it arrives."""
        return commands.host_command(
            message, scope=f"contest:{contest.pk}", run=lambda: self._host_command(kind, message, contest, user)
        )

    def _host_command(self, kind: str, message: dict, contest: Contest, user) -> dict:
        contest = Contest.objects.select_related("unit").get(pk=contest.pk)
        access.check_host(user, contest)
        simple = {
            "host.start": services.contest_start,
            "host.open": services.question_open,
            "host.close": services.question_close,
            "host.reveal": services.question_reveal,
            "host.pause": services.contest_pause,
            "host.resume": services.contest_resume,
            "host.finish": services.contest_finish,
        }
        if kind in simple:
            simple[kind](contest=contest, by=user)
        elif kind == "host.skip":
            services.question_skip(contest=contest, by=user, reason=_reason(message))
        elif kind == "host.override":
            answer_id, correct, reason = message.get("answer"), message.get("correct"), _reason(message)
            if not isinstance(correct, bool):  # bool("false") is True: a string ruled the answer right
                raise services.ContestRejected("bad_value", _("Send correct as true or false (JSON, not text)."))
            answer = (
                ContestAnswer.objects.filter(pk=answer_id, opening__contest=contest)
                .select_related("opening__question__round", "team")
                .first()
                if _is_whole(answer_id)
                else None
            )
            if answer is None:
                raise services.ContestRejected("no_such_answer", _("No such answer in this contest."))
            services.answer_override(
                contest=contest,
                answer=answer,
                correct=correct,
                reason=reason,
                by=user,
            )
        elif kind == "host.adjust":
            team_id, points, reason = message.get("team"), message.get("points"), _reason(message)
            if not _is_whole(points):
                raise services.ContestRejected("bad_adjustment", _("Send points as a whole number."))
            team = Team.objects.filter(pk=team_id, contest=contest).first() if _is_whole(team_id) else None
            if team is None:
                raise services.ContestRejected("no_such_team", _("That team is not in this contest."))
            services.score_adjust(contest=contest, team=team, points=points, reason=reason, by=user)
        elif kind == "host.hand_over":
            return self._hand_over(message, contest, user)
        return {}

    def _hand_over(self, message: dict, contest: Contest, user) -> dict:
        team_id, from_member, to_member = message.get("team"), message.get("from_member"), message.get("to_member")
        reason = _reason(message)
        if not (_is_whole(from_member) and _is_whole(to_member)):
            raise services.ContestRejected("bad_member", _("Send from_member and to_member as member ids."))
        team = Team.objects.filter(pk=team_id, contest=contest).first() if _is_whole(team_id) else None
        if team is None:
            raise services.ContestRejected("no_such_team", _("That team is not in this contest."))
        handover = services.legs_hand_over(
            contest=contest,
            team=team,
            from_member_id=from_member,
            to_member_id=to_member,
            reason=reason,
            by=user,
        )
        question = handover.from_question
        return {"from_question": {"round": question.round.position, "position": question.position}}


def _refusal_head(refusal: services.ContestRejected, language: str) -> str:
    """A refusal's error frame (without its `ref`) in the socket's `language` (the active one),
    encoded once per language and refusal: a batch refuses most of a hall's answers (a team keeps
    one) with one refusal, and translating and encoding it for each was 3% of a process under the
    burst."""
    heads = refusal.__dict__.setdefault("encoded_heads", {})  # only ever touched on the event loop
    head = heads.get(language)
    if head is None:
        head = heads[language] = protocol.error_head(refusal.code, refusal.message)
    return head


def _reason(message: dict) -> str:
    """A host command's `reason`: a string, or left out (then empty). Anything else (`null`, a
    number, a list) is refused with `bad_value`: `str()` of it was kept as the reason ("None",
    "['x']"), and a required reason counted as given."""
    reason = message.get("reason", "")
    if not isinstance(reason, str):
        raise services.ContestRejected("bad_value", _("Send reason as text."))
    return reason


def _is_whole(value: object) -> bool:
    """A JSON integer (JSON's true and false are bool, which Python counts as int)."""
    return isinstance(value, int) and not isinstance(value, bool)


class _Snapshot(NamedTuple):
    built_at: float
    screens: str  # the public state, encoded
    players: str  # what phones get of it (`presenters.player_state`)
    legs: dict[int, list[dict]]  # every team's relay order, for `you`
    opening: int | None  # the question in play
    team_answers: dict[int, dict]  # each team's answer to it so far, for `you`
    open_until: datetime | None  # the deadline of the question, if it is open in this picture

    def fresh(self) -> bool:
        return time.monotonic() - self.built_at <= SNAPSHOT_CACHE_S


_snapshots: dict[tuple[int, str, int], _Snapshot] = {}
_snapshots_lock = threading.Lock()


def _public_snapshot(contest: Contest, seq: int, *, build: bool = True) -> _Snapshot | None:
    """The public state at `seq`, built once per process and reused for a moment: a hall
    reconnecting at once must not rebuild it thousands of times. (Progress inside a question does
    not move `seq`, hence the moment's limit.) With `build` false, only what is already built."""
    key = (contest.pk, contest.join_code, seq)  # the code too: SQLite may reuse a deleted contest's id
    built = _snapshots.get(key)  # without the lock: the event loop must never wait on a build
    if built is not None and built.fresh():
        return built
    if not build:
        return None
    with _snapshots_lock:
        built = _snapshots.get(key)  # built by another thread meanwhile?
        if built is not None and built.fresh():
            return built
        for stale in [key for key, snapshot in _snapshots.items() if not snapshot.fresh()]:
            del _snapshots[stale]
        state = presenters.public_state(contest, seq=seq)
        opening = state["question"]["opening"] if state["question"] else None
        built = _snapshots[key] = _Snapshot(
            built_at=time.monotonic(),
            screens=json.dumps(state, ensure_ascii=False, separators=(",", ":")),
            players=json.dumps(presenters.player_state(state), ensure_ascii=False, separators=(",", ":")),
            legs=presenters.relay_legs(contest),
            opening=opening,
            team_answers=presenters.team_answers(opening),
            open_until=_open_until(state["question"]),
        )
        return built


def _open_until(question: dict | None) -> datetime | None:
    """The deadline of a question that a state shows open (paused, it has none)."""
    if question is None or question["phase"] != "open" or not question["deadline_at"]:
        return None
    return datetime.fromisoformat(question["deadline_at"])


def _overdue(open_until: datetime | None) -> bool:
    return open_until is not None and open_until <= datetime.now(UTC)


def _close_if_overdue(open_until: datetime | None, opening_id: int | None) -> bool:
    """Close the question a snapshot shows open past its deadline, through the ticker's own
    idempotent closer (broadcasting `question.closed`), and say whether to build the snapshot
    again. The ticker only runs while this process has sockets: after a restart, the first
    snapshots would otherwise show open a question whose deadline passed while no process had
    one, until the ticker's first turn. Call on a worker thread, never in a group handler."""
    if not _overdue(open_until):
        return False
    services.close_expired(opening_id=opening_id)
    return True  # closed now, or by another process meanwhile: either way a newer number


_ticker: asyncio.Task | None = None


def ensure_ticker() -> None:
    """Close questions whose deadline passed, in any contest this process has sockets for.
    Every process runs one; closing is a conditional update, so they cannot disagree, and a
    restarted or killed process loses nothing."""
    global _ticker
    loop = asyncio.get_running_loop()
    if _ticker is None or _ticker.done() or _ticker.get_loop() is not loop:
        _ticker = loop.create_task(_tick())


async def _tick() -> None:
    # On while a socket is here, and until the leaves of the last ones are written.
    while HUB.groups or presence.pending():
        await _presence_tick()
        contest_ids = {int(name.split(":", 1)[0]) for name in list(HUB.groups)}
        if contest_ids:
            await database_sync_to_async(_close_expired)(contest_ids)
        await asyncio.sleep(TICK_SECONDS)


# What this process last told its host consoles of each contest (`presence` frames), by
# (contest id, code); and when it last renewed its player sockets' entries and read the sets.
_presence_told: dict[tuple[int, str], list[int] | None] = {}
_presence_at = {"renewed": 0.0, "read": 0.0}


async def _presence_tick() -> None:
    """Write what this process's player sockets did in `contests.presence` since the last turn
    (joins and leaves, in one round trip), renewing all of them every REFRESH_S; and every TICK_S
    tell this process's host consoles who is connected, if that changed: one small Redis read
    per contest with a console here (the set itself only when it changed), one frame encoded
    once. No database."""
    now = time.monotonic()
    groups = list(HUB.groups.items())
    renewed: dict[tuple[int, str], list[str]] = {}
    if now - _presence_at["renewed"] >= presence.REFRESH_S:
        _presence_at["renewed"] = now
        for name, members in groups:
            if name.endswith(":" + PLAYERS):
                for socket in list(members):
                    if socket.presence_token is not None:
                        contest = socket.contest
                        renewed.setdefault((contest.pk, contest.join_code), []).append(socket.presence_token)
    batch = presence.take()
    if (batch or renewed) and not await sync_to_async(presence.write, thread_sensitive=False)(batch, renewed):
        if HUB.groups:  # again on the next turn (with no socket left, the entries expire)
            presence.restore(batch)
    if now - _presence_at["read"] < presence.TICK_S:
        return
    _presence_at["read"] = now
    consoles = {}
    for name, members in groups:
        if name.endswith(":" + HOSTS) and members:
            contest = next(iter(members)).contest
            consoles[(contest.pk, contest.join_code)] = name
    for gone in [contest for contest in _presence_told if contest not in consoles]:
        del _presence_told[gone]
    presence.keep_only(consoles.keys())
    if not consoles:
        return
    connected = await sync_to_async(presence.poll, thread_sensitive=False)(list(consoles))
    for contest, members in connected.items():
        if contest not in _presence_told or _presence_told[contest] != members:
            _presence_told[contest] = members
            await HUB.deliver(consoles[contest], presence.frame(members))


def _close_expired(contest_ids: set[int]) -> None:
    from django.utils import timezone

    due = Opening.objects.filter(
        contest_id__in=contest_ids, closed_at__isnull=True, deadline_at__lt=timezone.now()
    ).values_list("pk", flat=True)
    for opening_id in due:
        services.close_expired(opening_id=opening_id)
