"""The speech night's message types (on `/ws/nights/<call id>/`), documented in docs/protocol.md
("Speech nights"). Frames are parsed and errors sent with `contests.protocol`'s helpers."""

from contests.protocol import ACK, ERROR, SYNC, TIME_SYNC, TIME_SYNCED

SCORE_SUBMIT = "score.submit"
NIGHT_COMMANDS = ("night.draw", "night.call", "night.open", "night.lock", "night.board", "night.finish")
NIGHT_STATE = "night.state"

JUDGE_TYPES = (TIME_SYNC, SYNC, SCORE_SUBMIT)
SCREEN_TYPES = (TIME_SYNC, SYNC)
HOST_TYPES = (TIME_SYNC, SYNC, *NIGHT_COMMANDS)
CLIENT_TYPES = tuple(dict.fromkeys(JUDGE_TYPES + HOST_TYPES))
SERVER_TYPES = (NIGHT_STATE, ACK, ERROR, TIME_SYNCED)
