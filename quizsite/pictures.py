"""Opening uploaded pictures without letting their header decide how much memory they take.

A PNG of a few kilobytes may declare 20,000 x 20,000 pixels: decoding it takes over a gigabyte.
Pillow only warns up to twice its limit (and then raises its own `DecompressionBombError`, which
is not an `OSError`, so the callers' "not a picture" handling missed it and the request failed).
Every upload path that decodes a picture opens it here and refuses it by its declared size first.
"""

from typing import IO

from django.utils.translation import gettext as _
from PIL import Image

# Pillow's own threshold for a suspicious picture (about 89 megapixels, 10,000 x 8,900): far above
# any camera's default (a 50-megapixel phone photo is 8,160 x 6,120).
PICTURE_MAX_PIXELS = Image.MAX_IMAGE_PIXELS


class PictureTooLarge(Exception):
    """The picture declares more pixels than may be decoded; the message says so."""


def open_picture(source: str | IO[bytes]) -> Image.Image:
    """`Image.open(source)`, refused with PictureTooLarge when the picture declares more than
    `PICTURE_MAX_PIXELS` pixels (nothing is decoded yet). Other errors are Pillow's."""
    try:
        picture = Image.open(source)
    except Image.DecompressionBombError:
        raise PictureTooLarge(_too_large_message()) from None
    width, height = picture.size
    if width * height > PICTURE_MAX_PIXELS:
        picture.close()
        raise PictureTooLarge(_too_large_message())
    return picture


def _too_large_message() -> str:
    return _("This picture has more than %(megapixels)d megapixels; make it smaller and try again.") % {
        "megapixels": PICTURE_MAX_PIXELS // 1_000_000
    }
