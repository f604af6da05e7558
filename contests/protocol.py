"""WebSocket message types and frame helpers: the one place they are defined.

`docs/protocol.md` documents each type; a test checks every type here is documented there.
"""

import json
import time

PROTOCOL_VERSION = 4
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
)
# Server -> client
TIME_SYNCED = "time.synced"
ERROR = "error"
STATE = "state"
HOST_STATE = "host.state"
ACK = "ack"

PLAYER_TYPES = (TIME_SYNC, SYNC, ANSWER_SUBMIT, BUZZ, RISK_PICK)
SCREEN_TYPES = (TIME_SYNC, SYNC)
HOST_TYPES = (TIME_SYNC, SYNC, *HOST_COMMANDS)
CLIENT_TYPES = tuple(dict.fromkeys(PLAYER_TYPES + HOST_TYPES))
SERVER_TYPES = (TIME_SYNCED, ERROR, STATE, HOST_STATE, ACK)


class ProtocolError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def server_now_ms() -> int:
    return time.time_ns() // 1_000_000


def parse_frame(text: str | None, *, allowed: tuple[str, ...]) -> dict:
    """Decode one client frame, or raise ProtocolError naming what is wrong with it."""
    if text is None:
        raise ProtocolError("binary_frame", "Send JSON text frames, not binary.")
    if len(text.encode()) > MAX_FRAME_BYTES:
        raise ProtocolError("frame_too_large", f"Frames are limited to {MAX_FRAME_BYTES} bytes.")
    try:
        message = json.loads(text)
    except ValueError:
        raise ProtocolError("malformed_json", "The frame is not valid JSON.") from None
    if not isinstance(message, dict) or not isinstance(message.get("type"), str):
        raise ProtocolError("missing_type", 'A frame is a JSON object with a string "type".')
    if message["type"] not in allowed:
        raise ProtocolError("unknown_type", f"Unknown message type {message['type']!r}.")
    return message


def error_message(code: str, message: str, *, ref: object = None) -> str:
    payload = {"type": ERROR, "v": PROTOCOL_VERSION, "code": code, "message": message}
    if ref is not None:
        payload["ref"] = ref
    return json.dumps(payload, ensure_ascii=False)


def ack(*, ref: object, **fields) -> str:
    return json.dumps({"type": ACK, "v": PROTOCOL_VERSION, "ref": ref, **fields}, ensure_ascii=False)


def time_synced(*, client_sent_at: object, received_at: int) -> str:
    return json.dumps(
        {
            "type": TIME_SYNCED,
            "v": PROTOCOL_VERSION,
            "client_sent_at": client_sent_at,
            "server_received_at": received_at,
            "server_sent_at": server_now_ms(),
        }
    )
