"""WebSocket message types and frame helpers: the one place they are defined.

`docs/protocol.md` documents each type; a test checks every type here is documented there.
"""

import json
import time

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from quizsite import client_json

PROTOCOL_VERSION = 9
MAX_FRAME_BYTES = 4096

# Client -> server
TIME_SYNC = "time.sync"
SYNC = "sync"
ANSWER_SUBMIT = "answer.submit"
BUZZ = "buzz"
RISK_PICK = "risk.pick"
HOST_COMMANDS = (
    "host.start",
    "host.open",
    "host.close",
    "host.reveal",
    "host.skip",
    "host.pause",
    "host.resume",
    "host.finish",
    "host.override",
    "host.adjust",
    "host.hand_over",
)
# Server -> client
TIME_SYNCED = "time.synced"
ERROR = "error"
STATE = "state"
HOST_STATE = "host.state"
ACK = "ack"
TEAM_ANSWERED = "team.answered"
PRESENCE = "presence"  # to host consoles: which players have a phone connected

PLAYER_TYPES = (TIME_SYNC, SYNC, ANSWER_SUBMIT, BUZZ, RISK_PICK)
SCREEN_TYPES = (TIME_SYNC, SYNC)
HOST_TYPES = (TIME_SYNC, SYNC, *HOST_COMMANDS)
CLIENT_TYPES = tuple(dict.fromkeys(PLAYER_TYPES + HOST_TYPES))
SERVER_TYPES = (TIME_SYNCED, ERROR, STATE, HOST_STATE, ACK, TEAM_ANSWERED, PRESENCE)


class ProtocolError(Exception):
    """A frame that cannot be acted on; `ref` is the frame's `id` when it could be read."""

    def __init__(self, code: str, message: str, *, ref: object = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.ref = ref


def server_now_ms() -> int:
    return time.time_ns() // 1_000_000


# A frame over the limit is not acted on, but one up to this size is still read for its `id`,
# so that the client can match the error to its action; a bigger one is not worth the parse.
MAX_FRAME_READ_FOR_REF = 65536


def parse_frame(text: str | None, *, allowed: tuple[str, ...]) -> dict:
    """Decode one client frame, or raise ProtocolError naming what is wrong with it (with the
    frame's `id` as `ref` whenever the id could be read)."""
    if text is None:
        raise ProtocolError("binary_frame", _("Send JSON text frames, not binary."))
    if len(text.encode()) > MAX_FRAME_BYTES:
        raise ProtocolError(
            "frame_too_large",
            format_lazy(_("Frames are limited to {limit} bytes."), limit=MAX_FRAME_BYTES),
            ref=frame_id(text),
        )
    try:
        message = client_json.loads(text)
    except client_json.BadJSON:
        raise ProtocolError("malformed_json", _("The frame is not valid JSON.")) from None
    if not isinstance(message, dict):
        raise ProtocolError("missing_type", _('A frame is a JSON object with a string "type".'))
    ref = message.get("id")
    if not isinstance(message.get("type"), str):
        raise ProtocolError("missing_type", _('A frame is a JSON object with a string "type".'), ref=ref)
    if message["type"] not in allowed:
        kind = message["type"][:64]
        raise ProtocolError("unknown_type", format_lazy(_("Unknown message type {kind!r}."), kind=kind), ref=ref)
    if message["type"] == TIME_SYNC and not _is_number(message.get("client_sent_at")):
        # It is echoed back: a string came back as sent, and only a number is of use to the client.
        reason = _("Send client_sent_at: your clock in milliseconds, as a number.")
        raise ProtocolError("bad_client_sent_at", reason, ref=ref if storable(ref) else None)
    if not storable(message):
        # Refused here, before any of it reaches a query: a batch of answers failed whole on one
        # answer's question id of 21 digits (SQLite cannot bind it) or answer id holding a NUL
        # (PostgreSQL's text cannot hold one).
        reason = _("A number in the frame is too large, or a text in it holds a NUL character: no field takes either.")
        raise ProtocolError("bad_value", reason, ref=ref if storable(ref) else None)
    return message


def _is_number(value: object) -> bool:
    """A JSON number (JSON's true and false are bool, which Python counts as int); `client_json`
    has refused the ones that are not finite."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


# The database's integers are 64-bit: no id, count, score or time in ms that a client sends is beyond.
DB_INT_MIN, DB_INT_MAX = -(2**63), 2**63 - 1


def storable(value: object) -> bool:
    """Whether every integer in a decoded JSON value fits the database's integers and no text in
    it (keys too) holds a NUL character."""
    pending = [value]
    while pending:
        value = pending.pop()
        if isinstance(value, str):
            if "\x00" in value:
                return False
        elif isinstance(value, int):
            if not DB_INT_MIN <= value <= DB_INT_MAX:
                return False
        elif isinstance(value, dict):
            pending.extend(value)
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
    return True


def frame_id(text: str | None) -> object:
    """The `id` of a frame that is not acted on (too large, over the rate), if it can be read."""
    if text is None or len(text) > MAX_FRAME_READ_FOR_REF:
        return None
    try:
        message = client_json.loads(text)
    except client_json.BadJSON:
        return None
    return message.get("id") if isinstance(message, dict) else None


# One encoder for the replies, made once: json.dumps with any option makes a new encoder per call,
# which was a third of encoding an acknowledgement (a hall's burst sends one per answer).
# Never NaN or Infinity, which are not JSON (a browser's JSON.parse refuses the whole frame).
_encode = json.JSONEncoder(ensure_ascii=False, allow_nan=False).encode


def error_message(code: str, message: str, *, ref: object = None) -> str:
    return error_head(code, message) + with_ref(ref)


def error_head(code: str, message: str) -> str:
    """An error frame without its `ref` and closing brace, in the active language: a refusal
    sent to many sockets is encoded once (`with_ref` completes it)."""
    return _encode({"type": ERROR, "v": PROTOCOL_VERSION, "code": code, "message": str(message)})[:-1]


def with_ref(ref: object) -> str:
    """The end of an error frame begun by `error_head`."""
    return "}" if ref is None else ', "ref": ' + _encode(ref) + "}"


def ack(*, ref: object, **fields) -> str:
    return _encode({"type": ACK, "v": PROTOCOL_VERSION, "ref": ref, **fields})


def team_answered(answer: dict) -> str:
    """The frame telling a team's phones that its answer is in (`presenters.team_answer`)."""
    return _encode({"type": TEAM_ANSWERED, "v": PROTOCOL_VERSION, **answer})


def time_synced(*, client_sent_at: object, received_at: int) -> str:
    return json.dumps(
        {
            "type": TIME_SYNCED,
            "v": PROTOCOL_VERSION,
            "client_sent_at": client_sent_at,
            "server_received_at": received_at,
            "server_sent_at": server_now_ms(),
        },
        allow_nan=False,
    )
