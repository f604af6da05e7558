"""Zip packages that members and organisers upload (.xlsx, .docx), refused before they are read
when they unpack to far more than they weigh: a zip bomb of a few hundred kilobytes would
otherwise be inflated in the web process (a docx is copied whole for blind review, a workbook's
shared strings are read into memory).

The sizes are those the package declares; Python's zipfile never inflates an item beyond its
declared size (it stops there and the CRC check fails), so the declaration is a safe bound.
"""

import zipfile

from django.utils.translation import gettext as _

# What a package may unpack to: this much, plus this many times its own size. Real documents and
# workbooks unpack to a few times their size (text compresses about 5-10x); bombs to 1000x.
UNPACKED_ALLOWANCE_BYTES = 16 * 2**20
UNPACKED_RATIO_MAX = 20


class PackageTooLarge(Exception):
    """The package unpacks to more than it may; the message says so in the reader's language."""


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
