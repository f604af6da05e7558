"""Every message type the code sends or accepts, and every error code it can send, is in docs/protocol.md."""

import re
from pathlib import Path

from calls.live import protocol as night_protocol
from contests import protocol
from orgs.sockets import SIGN_IN_ENDINGS

ROOT = Path(__file__).resolve().parent.parent
DOC = (ROOT / "docs" / "protocol.md").read_text()


def documented_types() -> set[str]:
    headings = re.findall(r"^### `([a-z_.]+)`", DOC, flags=re.MULTILINE)
    table_rows = re.findall(r"^\| `((?:host|night)\.[a-z_]+)` \|", DOC, flags=re.MULTILINE)
    return set(headings) | set(table_rows)


def types_in_code() -> set[str]:
    night = set(night_protocol.CLIENT_TYPES) | set(night_protocol.SERVER_TYPES)
    return set(protocol.CLIENT_TYPES) | set(protocol.SERVER_TYPES) | night


def test_every_message_type_is_documented():
    in_code = types_in_code()
    assert in_code <= documented_types(), in_code - documented_types()


def test_no_documented_type_is_missing_from_the_code():
    in_code = types_in_code()
    assert documented_types() <= in_code, documented_types() - in_code


def error_codes_in_code() -> set[str]:
    sources = [
        ROOT / "contests" / name for name in ("protocol.py", "consumers.py", "intake.py", "access.py", "commands.py")
    ]
    sources += sorted((ROOT / "contests" / "services").glob("*.py"))
    sources += sorted((ROOT / "contests" / "rounds").glob("*.py"))  # who may answer, by round type
    sources.append(ROOT / "lessons" / "grading.py")  # response checks reach players as error codes
    text = "\n".join(path.read_text() for path in sources)
    # `refusal(...)`: contests/commands.py refuses in the scope's own kind (a contest's or a night's).
    codes = set(re.findall(r'(?:ProtocolError|ContestRejected|ResponseInvalid|refusal)\(\s*"([a-z_]+)"', text))
    codes |= set(SIGN_IN_ENDINGS)  # every socket's last frame when its sign-in ends (orgs/sockets.py)
    return (codes | set(re.findall(r'error_message\(\s*"([a-z_]+)"', text))) - SET_UP_ONLY - SELF_STUDY_ONLY


# Refused by a round type's settings check, which only the set-up wizard runs (never a socket).
SET_UP_ONLY = {"risk_tiers"}
# lessons.grading.check_blanks_filled: only self-study asks back about a blank left empty (docs/api.md);
# a live answer is on the clock and marked as sent.
SELF_STUDY_ONLY = {"blanks_empty"}


def documented_error_codes() -> set[str]:
    table = DOC.split("| code | cause |", 1)[1].split("\n## ", 1)[0]
    rows = [row for row in table.splitlines() if row.startswith("|")]
    return {code for row in rows for code in re.findall(r"`([a-z_]+)`", row.split("|")[1])}


def test_every_error_code_the_sockets_can_send_is_documented():
    codes = error_codes_in_code()
    assert len(codes) > 30, codes
    missing = sorted(code for code in codes if code not in documented_error_codes())
    assert not missing, missing


def test_no_documented_error_code_is_missing_from_the_code():
    assert documented_error_codes() <= error_codes_in_code(), documented_error_codes() - error_codes_in_code()


def test_documented_version_matches_the_code():
    assert f"Version **{protocol.PROTOCOL_VERSION}**" in DOC


def night_error_codes_in_code() -> set[str]:
    sources = [*sorted((ROOT / "calls" / "live").glob("*.py")), ROOT / "contests" / "commands.py"]
    text = "\n".join(path.read_text() for path in sources)
    codes = set(re.findall(r'(?:CallRejected|refusal)\(\s*"([a-z_]+)"', text))
    return codes | set(re.findall(r'error_message\(\s*"([a-z_]+)"', text))


def documented_night_error_codes() -> set[str]:
    table = DOC.split("| night code | cause |", 1)[1].split("\n\n", 1)[0]
    rows = [row for row in table.splitlines() if row.startswith("|")]
    return {code for row in rows for code in re.findall(r"`([a-z_]+)`", row.split("|")[1])}


def test_every_error_code_of_a_speech_night_is_documented_and_no_other():
    codes = night_error_codes_in_code()
    assert len(codes) > 20, codes
    # Frame-level codes (rate_limited, malformed_json, …) are the contests' table's.
    assert codes - documented_error_codes() <= documented_night_error_codes(), codes - documented_night_error_codes()
    assert documented_night_error_codes() <= codes, documented_night_error_codes() - codes
