"""Every message type the code sends or accepts is documented in docs/protocol.md."""

import re
from pathlib import Path

from contests import protocol

DOC = (Path(__file__).resolve().parent.parent / "docs" / "protocol.md").read_text()


def documented_types() -> set[str]:
    return set(re.findall(r"^### `([a-z_.]+)`", DOC, flags=re.MULTILINE))


def test_every_message_type_is_documented():
    in_code = set(protocol.CLIENT_TYPES) | set(protocol.SERVER_TYPES)
    assert in_code <= documented_types(), in_code - documented_types()


def test_no_documented_type_is_missing_from_the_code():
    in_code = set(protocol.CLIENT_TYPES) | set(protocol.SERVER_TYPES)
    assert documented_types() <= in_code, documented_types() - in_code


def test_every_error_code_raised_is_documented():
    source = (Path(protocol.__file__)).read_text() + Path(protocol.__file__).with_name("consumers.py").read_text()
    codes = set(re.findall(r'ProtocolError\(\s*"([a-z_]+)"', source))
    assert codes, "expected the protocol module to raise coded errors"
    for code in codes:
        assert f"| `{code}` |" in DOC, code


def test_documented_version_matches_the_code():
    assert f"Version **{protocol.PROTOCOL_VERSION}**" in DOC
