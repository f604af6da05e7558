"""Zip packages that members and organisers upload (.xlsx, .docx), refused before they are read
when they unpack to far more than they weigh: a zip bomb of a few hundred kilobytes would
otherwise be inflated in the web process (a docx is copied whole for blind review, a workbook's
shared strings are read into memory).

The sizes are those the package declares; Python's zipfile never inflates an item beyond its
declared size (it stops there and the CRC check fails), so the declaration is a safe bound. A
package whose directory lies (an item declared smaller or larger than it unpacks to, a checksum
that does not match, a method zipfile cannot read) is refused as damaged once every item has been
unpacked in pieces and compared (`check_package`), so what reads it after the check (a blind copy,
mammoth) never fails half-way.
"""

import zipfile
import zlib

from django.utils.translation import gettext as _

# What a package may unpack to: this much, plus this many times its own size. Real documents and
# workbooks unpack to a few times their size (text compresses about 5-10x); bombs to 1000x.
UNPACKED_ALLOWANCE_BYTES = 16 * 2**20
UNPACKED_RATIO_MAX = 20


class PackageTooLarge(Exception):
    """The package unpacks to more than it may; the message says so in the reader's language."""


class PackageDamaged(Exception):
    """An item does not unpack to what the package's directory declares; the caller says so in
    words for the kind of file."""


# What reading a lying or broken item raises: a bad checksum or local header, data that ends
# early, a broken deflate stream, an unknown method, an encrypted item.
UNREADABLE = (zipfile.BadZipFile, EOFError, zlib.error, NotImplementedError, RuntimeError, ValueError, OSError)


def check_unpacked_size(archive: zipfile.ZipFile, *, packed_size: int) -> None:
    """Raise PackageTooLarge unless the archive's items unpack to at most the allowance plus
    `UNPACKED_RATIO_MAX` times `packed_size`."""
    unpacked = sum(item.file_size for item in archive.infolist())
    limit = UNPACKED_ALLOWANCE_BYTES + UNPACKED_RATIO_MAX * packed_size
    if unpacked > limit:
        raise PackageTooLarge(
            _("This file unpacks to %(size).0f MB of content, far more than its own size: it cannot be read safely.")
            % {"size": unpacked / 2**20}
        )


def check_package(archive: zipfile.ZipFile, *, packed_size: int) -> None:
    """`check_unpacked_size`, then unpack every item in 64 kB pieces (at most what the check just
    allowed) and raise PackageDamaged unless each gives exactly its declared size and checksum."""
    check_unpacked_size(archive, packed_size=packed_size)
    for item in archive.infolist():
        unpacked = 0
        try:
            with archive.open(item) as stream:
                while piece := stream.read(2**16):
                    unpacked += len(piece)
        except UNREADABLE as error:
            raise PackageDamaged(item.filename) from error
        if unpacked != item.file_size:
            raise PackageDamaged(item.filename)
