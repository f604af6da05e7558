"""Zip bombs for upload tests: a real package with one more item that unpacks to far more than
the package weighs."""

import io
import zipfile

CHUNK = b"\0" * 2**20


def inflated(package: bytes, *, unpacked_mb: int, name: str = "docProps/padding.bin") -> bytes:
    """`package` (an .xlsx or .docx) with an item of `unpacked_mb` MB of zeros (about a
    thousandth of that once deflated)."""
    out = io.BytesIO(package)
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as archive, archive.open(name, "w") as item:
        for _ in range(unpacked_mb):
            item.write(CHUNK)
    return out.getvalue()


def with_false_sizes(package: bytes, name: str, *, unpacked: int | None = None, packed: int | None = None) -> bytes:
    """`package` with the sizes its central directory declares for item `name` replaced (the
    sizes a reader trusts; the local header and the data are left as they are)."""
    data = bytearray(package)
    start = data.rindex(b"PK\x05\x06")  # the end of central directory record
    offset = int.from_bytes(data[start + 16 : start + 20], "little")
    while data[offset : offset + 4] == b"PK\x01\x02":
        name_length, extra_length, comment_length = (
            int.from_bytes(data[offset + at : offset + at + 2], "little") for at in (28, 30, 32)
        )
        if data[offset + 46 : offset + 46 + name_length].decode() == name:
            if packed is not None:
                data[offset + 20 : offset + 24] = packed.to_bytes(4, "little")
            if unpacked is not None:
                data[offset + 24 : offset + 28] = unpacked.to_bytes(4, "little")
            return bytes(data)
        offset += 46 + name_length + extra_length + comment_length
    raise KeyError(name)
