"""Reading PDFs the way a viewer does, with poppler's command-line tools (poppler-utils)."""

import os
import shutil
import subprocess
from io import BytesIO
from pathlib import Path

import pytest
from PIL import Image, ImageChops

REQUIRE_TOOLS = os.environ.get("REQUIRE_SYSTEM_TOOLS") == "1"


def need_poppler() -> None:
    if all(shutil.which(tool) for tool in ("pdffonts", "pdftoppm", "pdftotext")):
        return
    if REQUIRE_TOOLS:
        pytest.fail("poppler-utils is required here (REQUIRE_SYSTEM_TOOLS=1) but not installed")
    pytest.skip("poppler-utils is not installed (CI installs it)")


def _run(args: list[str], pdf: bytes, folder: Path, *, after: tuple[str, ...] = ()) -> str:
    need_poppler()
    path = folder / "document.pdf"
    path.write_bytes(pdf)
    done = subprocess.run(  # noqa: S603 - fixed poppler tools on a file the test wrote
        [*args, str(path), *after], capture_output=True, text=True, check=True, timeout=60
    )
    return done.stdout


def fonts(pdf: bytes, folder: Path) -> list[dict[str, str]]:
    """`pdffonts`' table: each font's name and whether it is embedded ("yes"/"no")."""
    lines = _run(["pdffonts"], pdf, folder).splitlines()
    emb = lines[0].index(" emb ") + 1
    return [{"name": line.split()[0], "emb": line[emb : emb + 3].strip()} for line in lines[2:] if line.strip()]


def text(pdf: bytes, folder: Path) -> str:
    return _run(["pdftotext", "-layout"], pdf, folder, after=("-",))


def page_count(pdf: bytes, folder: Path) -> int:
    info = _run(["pdfinfo"], pdf, folder)
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def dark_pixels_without_system_fonts(pdf: bytes, folder: Path) -> int:
    """Dark (near-black text) pixels on page 1 as drawn by a viewer that has no fonts of its own:
    fontconfig is pointed at an empty configuration, so only fonts embedded in the PDF show."""
    config = folder / "fonts.conf"
    config.write_text('<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig></fontconfig>')
    env = {**os.environ, "FONTCONFIG_FILE": str(config), "FONTCONFIG_PATH": str(folder), "HOME": str(folder)}
    need_poppler()
    (folder / "document.pdf").write_bytes(pdf)
    subprocess.run(  # noqa: S603 - fixed poppler tool on a file the test wrote
        ["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", str(folder / "document.pdf"), str(folder / "page")],  # noqa: S607
        capture_output=True,
        check=True,
        env=env,
        timeout=60,
    )
    image = Image.open(BytesIO(next(folder.glob("page*.png")).read_bytes())).convert("RGB")
    red, green, blue = image.split()
    brightest = ImageChops.lighter(ImageChops.lighter(red, green), blue)
    # Only the certificate's text is drawn near-black; its red and gold borders are not dark.
    return sum(brightest.histogram()[:100])
