"""Short videos made by ffmpeg for the micro-class tests (real files, real tools)."""

import os
import shutil
from pathlib import Path

import pytest

from lessons.video import make_test_clip

REQUIRE_TOOLS = os.environ.get("REQUIRE_SYSTEM_TOOLS") == "1"


def need_ffmpeg() -> None:
    if shutil.which("ffmpeg") and shutil.which("ffprobe"):
        return
    if REQUIRE_TOOLS:
        pytest.fail("ffmpeg is required here (REQUIRE_SYSTEM_TOOLS=1) but not installed")
    pytest.skip("ffmpeg is not installed (CI installs it)")


def make_clip(path: Path, *, seconds: int = 6, size: str = "640x360") -> Path:
    """A test pattern with a tone: H.264/AAC in MP4."""
    need_ffmpeg()
    return make_test_clip(path, seconds=seconds, size=size)
