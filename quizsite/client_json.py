"""JSON from clients (socket frames, request bodies), read one way everywhere.

`json.loads` lets through a value nested so deep that the parser runs out of stack: a
RecursionError, which nothing caught (a socket closed with 1011, a page answered an HTML 500,
for a body of a few kilobytes). It also reads NaN and Infinity (not JSON) and numbers too large
for a float (1e99999) as floats that are not finite, which nothing downstream expects and which
the sockets echoed back as `NaN` and `Infinity`, which no browser's JSON.parse reads. `loads`
refuses all of these, and whatever else is not JSON, with
`BadJSON`, a ValueError, so a caller that already refused invalid JSON refuses these too.
"""

import codecs
import json
import math

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser, get_encoding


class BadJSON(ValueError):
    """Text that is not JSON, is nested too deep to read, or holds a number that is not finite."""


def _refuse_constant(name: str) -> float:
    raise BadJSON(f"{name} is not a JSON number")


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise BadJSON(f"{text[:20]} is beyond a float's range")
    return number


# Made once: json.loads with any option builds a new decoder per call.
_decoder = json.JSONDecoder(parse_constant=_refuse_constant, parse_float=_finite)


def loads(text: str | bytes | bytearray) -> object:
    """The value `text` holds (bytes are read as UTF-8); BadJSON if it is not JSON, is nested
    too deep for the parser, or holds NaN, Infinity or a number beyond a float's range."""
    try:
        if isinstance(text, (bytes, bytearray)):
            text = text.decode()
        return _decoder.decode(text)
    except RecursionError:
        raise BadJSON("nested too deep") from None
    except BadJSON:
        raise
    except ValueError as error:  # JSONDecodeError, UnicodeDecodeError
        raise BadJSON(str(error)) from None


class StrictJSONParser(JSONParser):
    """DRF's JSON parser reading through `loads`: a body it refuses is a ParseError (400
    `malformed_json` in the API's error shape), never a 500."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = get_encoding(parser_context or {})
        try:
            return loads(codecs.getreader(encoding)(stream).read())
        except ValueError as error:  # BadJSON, or a body that is not text in its charset
            raise ParseError(f"JSON parse error - {error}") from None
