"""Short videos made by ffmpeg for the micro-class tests (real files, real tools)."""

import atexit
import copy
import hashlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
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


_made: dict[str, Path] = {}  # clips made this session, by name: tests get copies


def _copy_of(name: str, path: Path, make: Callable[[Path], object]) -> Path:
    """A copy at `path` of the clip `make` writes, made once a session (in this process): ffmpeg
    took up to seconds a clip on a busy machine, and tests ask for the same few clips again and
    again. Each test gets its own copy, to move, upload or change as it likes."""
    if name not in _made:
        folder = Path(tempfile.mkdtemp(prefix="test-clips-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        make(folder / "clip.mp4")
        _made[name] = folder / "clip.mp4"
    shutil.copyfile(_made[name], path)
    return path


def make_clip(path: Path, *, seconds: int = 6, size: str = "640x360") -> Path:
    """A test pattern with a tone: H.264/AAC in MP4."""
    need_ffmpeg()
    return _copy_of(f"pattern-{seconds}s-{size}", path, lambda made: make_test_clip(made, seconds=seconds, size=size))


def make_plain_clip(path: Path, *, size: str, rate: int = 1, seconds: int = 1, stretch: int = 1) -> Path:
    """A video of one colour (H.264 in MP4, no sound): cheap to make at any size or frame rate.
    `stretch` spreads its frames over that many times their length (a still picture declaring
    hours weighs a few kilobytes)."""
    need_ffmpeg()
    return _copy_of(
        f"plain-{size}-{rate}fps-{seconds}s-x{stretch}",
        path,
        lambda made: subprocess.run(  # noqa: S603
            ["ffmpeg", "-v", "error", "-y", "-f", "lavfi"]
            + ["-i", f"color=c=red:size={size}:rate={rate}:duration={seconds}"]
            + ["-vf", f"setpts=PTS*{stretch}", "-fps_mode", "passthrough"]
            + ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(made)],
            check=True,
            timeout=60,
        ),  # noqa: S607
    )


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


_done: dict[tuple, tuple] = {}  # ffmpeg's work this session (in this process), by its input's bytes and arguments


def _once(real: Callable, *, writes: bool, reports: bool) -> Callable:
    """`real`, one of lessons.video's ffmpeg steps, run for real once a session for the same
    input bytes and arguments: what it wrote (its target file or folder, the argument after the
    source) kept, copied into the next test's place, its result and the progress it reported
    given again. A step that fails is not kept: it runs again."""

    def step(source: Path, *args, on_progress: Callable[[float], None] | None = None, **kwargs):
        target, rest = (args[0], args[1:]) if writes else (None, args)
        if rest and callable(rest[-1]):  # make_mp4 and make_hls take on_progress by position
            *rest, on_progress = rest
        key = (real.__name__, hashlib.sha256(source.read_bytes()).hexdigest(), repr(rest), repr(sorted(kwargs.items())))
        if key not in _done:
            shares: list[float] = []

            def report(share: float) -> None:
                shares.append(share)
                if on_progress:
                    on_progress(share)

            progress = {"on_progress": report} if reports else {}
            result = real(source, *([target] if writes else []), *rest, **progress, **kwargs)
            kept = None
            if writes:
                kept = Path(tempfile.mkdtemp(prefix="test-processed-")) / "made"
                atexit.register(shutil.rmtree, kept.parent, ignore_errors=True)
                (shutil.copytree if target.is_dir() else shutil.copyfile)(target, kept)
            _done[key] = (kept, result, shares)
        else:
            kept, result, shares = _done[key]
            if writes:
                target.parent.mkdir(parents=True, exist_ok=True)
                if kept.is_dir():
                    shutil.copytree(kept, target, dirs_exist_ok=True)
                else:
                    shutil.copyfile(kept, target)
            for share in shares if on_progress else ():
                on_progress(share)
        return copy.deepcopy(result)

    return step


def ffmpeg_steps_once(monkeypatch) -> None:
    """lesson_process as it is, its ffmpeg steps (probe, poster, MP4, HLS) each run once a session
    for the same video (`processed_once` in tests/conftest.py)."""
    from lessons import video

    need_ffmpeg()
    monkeypatch.setattr(video, "probe", _once(video.probe, writes=False, reports=False))
    monkeypatch.setattr(video, "make_poster", _once(video.make_poster, writes=True, reports=False))
    monkeypatch.setattr(video, "make_mp4", _once(video.make_mp4, writes=True, reports=True))
    monkeypatch.setattr(video, "make_hls", _once(video.make_hls, writes=True, reports=True))
