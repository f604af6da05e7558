"""Short videos made by ffmpeg for the micro-class tests (real files, real tools)."""

import os
import shutil
import subprocess
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


def make_plain_clip(path: Path, *, size: str, rate: int = 1, seconds: int = 1, stretch: int = 1) -> Path:
    """A video of one colour (H.264 in MP4, no sound): cheap to make at any size or frame rate.
    `stretch` spreads its frames over that many times their length (a still picture declaring
    hours weighs a few kilobytes)."""
    need_ffmpeg()
    subprocess.run(  # noqa: S603
        ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"color=c=red:size={size}:rate={rate}:duration={seconds}"]
        + ["-vf", f"setpts=PTS*{stretch}", "-fps_mode", "passthrough"]
        + ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(path)],
        check=True,
        timeout=60,
    )  # noqa: S607
    return path


def frame_size_and_rate(path: Path) -> tuple[int, int, float]:
    """Width, height and average frame rate of the video's first stream, as ffprobe reads them."""
    shown = subprocess.run(  # noqa: S603
        ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height,avg_frame_rate"]
        + ["-of", "csv=p=0", str(path)],
        capture_output=True,
        text=True,
        check=True,
    )  # noqa: S607
    width, height, rate = shown.stdout.strip().split(",")
    numerator, denominator = rate.split("/")
    return int(width), int(height), int(numerator) / int(denominator)
