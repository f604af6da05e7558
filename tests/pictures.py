"""Picture bombs for upload tests: a real PNG whose header declares a huge size."""

import struct
import zlib
from io import BytesIO

from PIL import Image


def bomb_png(width: int = 20_000, height: int = 20_000) -> bytes:
    """A PNG of a few dozen bytes that declares `width` x `height` pixels (by default 400
    megapixels: over a gigabyte once decoded)."""
    out = BytesIO()
    Image.new("RGB", (1, 1)).save(out, format="PNG")
    data = bytearray(out.getvalue())
    # The IHDR chunk follows the 8-byte signature: length (4), type (4), width (4), height (4)...
    assert data[12:16] == b"IHDR"
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    return bytes(data)
