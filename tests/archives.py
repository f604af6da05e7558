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
