"""Minimal OLE compound files (CFB, version 3), built byte by byte as [MS-CFB] lays them out: what
Excel makes of an .xlsx encrypted with a password (streams EncryptionInfo and EncryptedPackage)
and what an old .xls is (a Workbook stream). Each stream is padded to the 4,096-byte mini-stream
cutoff so it lives in regular sectors and no mini stream is needed."""

import struct

SECTOR = 512
FREE, END_OF_CHAIN, FAT_SECTOR, NO_STREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
MINI_STREAM_CUTOFF = 4096
STORAGE_ROOT, STREAM, BLACK = 5, 2, 1


def _entry(name: str, kind: int, *, right: int = NO_STREAM, child: int = NO_STREAM, start: int, size: int) -> bytes:
    encoded = (name + "\x00").encode("utf-16-le")
    return (
        encoded.ljust(64, b"\x00")
        + struct.pack("<HBBIII", len(encoded), kind, BLACK, NO_STREAM, right, child)
        + b"\x00" * 16  # CLSID
        + b"\x00" * 4  # state bits
        + b"\x00" * 16  # creation and modification times
        + struct.pack("<IQ", start, size)
    )


def compound_file(streams: dict[str, bytes]) -> bytes:
    """A compound file holding `streams` (at most three) under its root storage. Sector 0 is the
    FAT, sector 1 the directory, then each stream's sectors in order."""
    assert len(streams) <= 3
    # Siblings in the directory's tree are ordered by name length, then by upper-cased name.
    names = sorted(streams, key=lambda name: (len(name), name.upper()))
    fat = [FAT_SECTOR, END_OF_CHAIN]
    entries, data = [], b""
    for number, name in enumerate(names, start=1):
        content = streams[name].ljust(MINI_STREAM_CUTOFF, b"\x00")
        content += b"\x00" * (-len(content) % SECTOR)
        first = len(fat)
        sectors = len(content) // SECTOR
        fat += list(range(first + 1, first + sectors)) + [END_OF_CHAIN]
        right = number + 1 if number < len(names) else NO_STREAM
        entries.append(
            _entry(name, STREAM, right=right, start=first, size=len(streams[name].ljust(MINI_STREAM_CUTOFF, b"\x00")))
        )
        data += content
    root = _entry("Root Entry", STORAGE_ROOT, child=1 if names else NO_STREAM, start=END_OF_CHAIN, size=0)
    directory = b"".join([root, *entries]).ljust(SECTOR, b"\x00")
    assert len(fat) <= SECTOR // 4
    fat_sector = struct.pack(f"<{len(fat)}I", *fat) + struct.pack("<I", FREE) * (SECTOR // 4 - len(fat))
    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\x00" * 16  # CLSID
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)  # versions, byte order, sector and mini sector shifts
        + b"\x00" * 6
        + struct.pack("<IIIIIIIII", 0, 1, 1, 0, MINI_STREAM_CUTOFF, END_OF_CHAIN, 0, END_OF_CHAIN, 0)
        + struct.pack("<I", 0)  # the first FAT sector
        + struct.pack("<I", FREE) * 108
    )
    assert len(header) == SECTOR
    return header + fat_sector + directory + data


def encrypted_xlsx() -> bytes:
    """An .xlsx as Excel saves it with an open password: its encryption descriptor (agile, 4.4) and the
    encrypted package (its 8-byte plain size, then ciphertext)."""
    return compound_file(
        {
            "EncryptionInfo": struct.pack("<HHI", 4, 4, 0x40) + b'<?xml version="1.0"?><encryption/>',
            "EncryptedPackage": struct.pack("<Q", 9_000) + bytes(range(256)) * 36,
        }
    )


def old_xls(text: str = "") -> bytes:
    """An Excel 97-2003 workbook's container: a Workbook stream, `text` in UTF-16LE inside it
    (after a 4-byte record header, as a sheet's strings are)."""
    return compound_file({"Workbook": b"\x09\x08\x10\x00" + text.encode("utf-16-le")})
