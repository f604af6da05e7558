"""The speech night's socket: a judge's phone, a big screen or the host console. Thin:
authenticate, parse a frame, call a service, answer the sender; broadcasts arrive from the
channel layer as encoded text and are only written out (no database in the group handler)."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.db import DatabaseError
from django.utils.translation import gettext as _

from contests import commands
from contests import protocol as common
from contests.consumers import FrameBudget, refuse_sign_in
from contests.fanout import frame_seq
from orgs import passwords
from orgs.sockets import EndsWithSignIn

from ..judges import judge_account_of, must_choose_password
from ..services import CallRejected
from . import broadcast, presenters, protocol, services
from .models import Night

log = logging.getLogger(__name__)
ROLES = {"judge": protocol.JUDGE_TYPES, "screen": protocol.SCREEN_TYPES, "host": protocol.HOST_TYPES}
AUDIENCE = {"judge": broadcast.JUDGES, "screen": broadcast.SCREENS, "host": broadcast.HOSTS}


def access_night(user, call_id: int, role: str) -> Night:
    """The call's night if `user` may join it in `role`; else the role's one refusal (the same
    whether or not the call has a night)."""
    from orgs import access

    if role not in ROLES:
        raise CallRejected("bad_role", _("Join as judge, screen or host."))
    account = judge_account_of(user)
    if account is not None and must_choose_password(account):  # as `calls.judges.JudgeOnlyMiddleware`
        raise CallRejected("password_change_required", passwords.PASSWORD_CHANGE_REQUIRED)
    # call__pk, not call_id: a number past the column's range finds no row on SQLite instead of an
    # OverflowError (Django guards a primary key's range, not a foreign key's).
    night = Night.objects.select_related("call__unit", "panel").filter(call__pk=call_id).first()
    if role == "host":
        if night is None or not access.can_manage_unit(user, night.call.unit):
            raise CallRejected("not_host", _("Only organisers of the call's unit can host its speech night."))
    elif role == "judge":
        if night is None or not night.panel.judges.filter(pk=user.pk).exists():
            raise CallRejected("not_judge", _("You are not on this night's panel."))
    elif night is None or not (
        access.can_manage_unit(user, night.call.unit)
        or (user.unit is not None and user.unit.path.startswith(night.call.unit.path))
    ):
        raise CallRejected("not_in_audience", _("No speech night of your unit is here."))
    return night


class NightConsumer(EndsWithSignIn, AsyncWebsocketConsumer):
    snapshot_seq = 0

    async def connect(self) -> None:
        if await refuse_sign_in(self):
            return
        self.user = self.scope["user"]
        query = dict(
            part.split("=", 1) for part in self.scope.get("query_string", b"").decode().split("&") if "=" in part
        )
        self.role = query.get("role", "judge")
        try:
            self.night = await database_sync_to_async(access_night)(
                self.user, self.scope["url_route"]["kwargs"]["call_id"], self.role
            )
        except CallRejected as error:
            await self.accept()
            await self.send(text_data=common.error_message(error.code, error.message))
            await self.close(code=4403)
            return
        self.allowed = ROLES[self.role]
        self.budget = FrameBudget()
        self.group_name = broadcast.group(self.night.pk, AUDIENCE[self.role])
        await self.accept()
        if not await self.keep_signed_in():  # its sign-in ended while it was being read
            return
        # Joined before the snapshot is built, so no change is missed. Frames arriving meanwhile
        # wait in the consumer's queue until this handler returns, and those not newer than the
        # snapshot are then dropped (`night_frame`).
        await self.channel_layer.group_add(self.group_name, self.channel_name)
        await self.send_snapshot()

    async def disconnect(self, code) -> None:
        self.forget_sign_in()
        if getattr(self, "group_name", None):
            await self.channel_layer.group_discard(self.group_name, self.channel_name)

    async def send_snapshot(self) -> None:
        text, self.snapshot_seq = await database_sync_to_async(self._snapshot)()
        await self.send(text_data=text)

    def _snapshot(self) -> tuple[str, int]:
        night = Night.objects.select_related("call", "panel").get(pk=self.night.pk)
        state = presenters.frames(night, seq=night.seq, event="snapshot")[AUDIENCE[self.role]]
        state["you"] = presenters.you(night, self.user, self.role)
        return json.dumps(state, ensure_ascii=False), night.seq

    async def night_frame(self, message: dict) -> None:
        """A broadcast: written as it is (built once for every socket of the audience)."""
        if (frame_seq(message["text"]) or 0) > self.snapshot_seq:
            await self.send(text_data=message["text"])

    async def receive(self, text_data=None, bytes_data=None) -> None:
        received_at = common.server_now_ms()
        if self.sign_in_over:  # closed (`end_sign_in`): what was still on its way is not acted on
            return
        if not self.budget.take():
            message = _("Too many frames; slow down.")
            await self.send(text_data=common.error_message("rate_limited", message, ref=common.frame_id(text_data)))
            return
        try:
            message = common.parse_frame(text_data, allowed=self.allowed)
        except common.ProtocolError as error:
            await self.send(text_data=common.error_message(error.code, error.message, ref=error.ref))
            return
        kind, ref = message["type"], message.get("id")
        if kind == common.TIME_SYNC:
            reply = common.time_synced(client_sent_at=message.get("client_sent_at"), received_at=received_at)
            await self.send(text_data=reply)
            return
        if kind == common.SYNC:
            await self.send_snapshot()
            return
        try:
            result = await database_sync_to_async(self._act)(kind, message, received_at)
        except CallRejected as error:
            await self.send(text_data=common.error_message(error.code, error.message, ref=ref))
            return
        except DatabaseError:
            log.warning("%s could not be carried out", kind, exc_info=True)
            unavailable = _("That could not be done just now; it is being sent again.")
            await self.send(text_data=common.error_message("unavailable", unavailable, ref=ref))
            return
        # Sent after the service's transaction committed: an acknowledged score is stored.
        await self.send(text_data=common.ack(ref=ref, action=kind, **result))

    def _act(self, kind: str, message: dict, received_at_ms: int) -> dict:
        night, user = self.night, self.user
        if kind == protocol.SCORE_SUBMIT:
            score, new = services.score_submit(
                night=night,
                judge=user,
                speaker_id=message.get("speaker"),
                score_id=message.get("score_id"),
                values=message.get("scores"),
                received_at=datetime.fromtimestamp(received_at_ms / 1000, tz=UTC),
            )
            return {
                "score_id": score.score_id,
                "speaker": score.speaker_id,
                "total": f"{score.total:.2f}",
                "received_at": score.received_at.isoformat(timespec="milliseconds"),
                "repeat": not new,
            }
        # With a `command_id` (protocol 8), carried out once however often it arrives.
        return commands.host_command(
            message, scope=f"night:{night.pk}", run=lambda: self._host_command(kind, message), refusal=CallRejected
        )

    def _host_command(self, kind: str, message: dict) -> dict:
        night, user = self.night, self.user
        if kind == "night.draw":
            seed = message.get("seed", "")
            services.night_draw(night=night, by=user, seed=seed if isinstance(seed, str) else "")
            return {}
        simple = {
            "night.call": services.speaker_call,
            "night.open": services.scoring_open,
            "night.lock": services.speaker_lock,
            "night.board": services.board_show,
            "night.finish": services.night_finish,
        }
        simple[kind](night=night, by=user)
        return {}
