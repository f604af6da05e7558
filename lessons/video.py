"""ffprobe/ffmpeg: check an upload is a playable video, then make a poster, an H.264/AAC MP4 with
faststart and HLS renditions. Pure functions over paths; `services.videos` records the results."""

from __future__ import annotations

import json
import logging
import shutil
import subprocess  # noqa: S404 - ffmpeg is run with argument lists, never a shell
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext, gettext_noop

logger = logging.getLogger(__name__)

# (name, height, video kbit/s, audio kbit/s); renditions above the source's height are skipped.
RENDITIONS = [("720p", 720, 2500, 128), ("360p", 360, 700, 96)]

# What a source may be, read from its header before any frame is decoded. 4K either way up (UHD
# 3840 x 2160, DCI 4096 x 2160) is taken and scaled down to 720p; a larger picture is refused: one
# 16,000 x 16,000 frame, a 750 kB file, took ffmpeg 900 MB to decode, and the decoders themselves
# are held to `MAX_PIXELS` (`-max_pixels`), so a picture that grows mid-stream is refused too.
MAX_PIXELS = 4096 * 2160
MAX_SIDE = 4096
# Phones film slow motion at 240 frames a second; what is made from it plays at `OUTPUT_MAX_FPS`.
MAX_FRAME_RATE = 240
OUTPUT_MAX_FPS = 60
# Micro-classes run minutes and lecture-hall talks an hour or two; a still picture declaring days
# weighs almost nothing and would keep a worker transcoding for days.
MAX_DURATION_S = 4 * 3600
# A transcode that runs longer than this is stopped (a file whose frames are not what its header
# says): generous next to what a real video takes (about its own length for 4K at 60 frames a second
# on two cores).
TIMEOUT_BASE_S = 600
TIMEOUT_PER_SECOND_S = 6


class VideoRejected(Exception):
    """The file is not a playable video (or the tools are missing); `reason` says why, for people:
    an English msgid (stored as is, translated where it is shown), never a server path."""

    def __init__(self, code: str, reason: str):
        super().__init__(reason)
        self.code = code
        self.reason = reason

    def message(self) -> str:
        """The refusal as the uploader reads it, in the active language."""
        return gettext("This video cannot be used: %(why)s.") % {"why": gettext(self.reason)}


@dataclass(frozen=True)
class Probe:
    duration_s: float
    width: int
    height: int
    has_audio: bool

    @property
    def timeout_s(self) -> float:
        """How long one ffmpeg run over this video may take."""
        return TIMEOUT_BASE_S + TIMEOUT_PER_SECOND_S * self.duration_s

    @property
    def input_args(self) -> list[str]:
        """What goes before the source's `-i`: its decoders are held to `MAX_PIXELS` a frame and
        stop reading at its declared length (and a second)."""
        return [*DECODE_LIMITS, "-t", f"{self.duration_s + 1:.2f}"]


def tools_missing() -> list[str]:
    return [tool for tool in ("ffprobe", "ffmpeg") if shutil.which(tool) is None]


def _tool(name: str) -> str:
    """The tool's full path; a clear refusal where ffmpeg is not installed."""
    found = shutil.which(name)
    if found is None:
        missing = " and ".join(tools_missing())
        raise VideoRejected("tools_missing", f"{missing} is not installed on this server; videos cannot be processed")
    return found


# Before every `-i` of a source: no decoder allocates a frame larger than the limit.
DECODE_LIMITS = ["-max_pixels", str(MAX_PIXELS)]
# What libavutil says when a decoder meets a frame over `-max_pixels`.
OVER_MAX_PIXELS = "exceeds specified max pixel count"

TOO_LARGE = gettext_noop(
    "the picture is larger than 4K (4096 × 2160 pixels, or 4096 on its long side); export the video at 4K or less"
)
TOO_FAST = gettext_noop("the video has more than 240 frames a second; export it at 60 frames a second or less")
TOO_LONG = gettext_noop("the video is longer than 4 hours; cut it into parts")
TOO_SLOW = gettext_noop("the video took too long to read; export it again as a common MP4")


def _frame_rate(stream: dict) -> float:
    """The stream's average frame rate, from "num/den" (0 when unknown)."""
    numerator, _, denominator = str(stream.get("avg_frame_rate") or "0/0").partition("/")
    try:
        return float(numerator) / float(denominator or 1)
    except (ValueError, ZeroDivisionError):
        return 0.0


def inspect(path: Path) -> Probe:
    """Read duration and streams from the file's header with ffprobe, its decoders held to
    `MAX_PIXELS`, and refuse a video beyond the limits (picture, frame rate, length) before any
    of it is transcoded. Quick: for the upload's last request as well as for the worker."""
    ffprobe = _tool("ffprobe")
    if not path.exists() or path.stat().st_size == 0:
        raise VideoRejected("empty", gettext_noop("the file is empty"))
    try:
        result = subprocess.run(  # noqa: S603
            [ffprobe, "-v", "error", *DECODE_LIMITS, "-print_format", "json", "-show_format", "-show_streams"]
            + [str(path)],
            capture_output=True,
            text=True,
            timeout=120,
        )
    except subprocess.TimeoutExpired:
        raise VideoRejected("too_slow", TOO_SLOW) from None
    if result.returncode != 0:
        if OVER_MAX_PIXELS in result.stderr:
            raise VideoRejected("too_large", TOO_LARGE)
        # ffprobe's words name the server's path: they go to the log, not to the organiser.
        logger.info("ffprobe refused %s: %s", path, (result.stderr.strip().splitlines() or ["unreadable"])[-1])
        raise VideoRejected(
            "not_a_video", gettext_noop("it is not a playable video; upload an MP4, MOV or other common video file")
        )
    info = json.loads(result.stdout or "{}")
    video = next((s for s in info.get("streams", []) if s.get("codec_type") == "video"), None)
    if video is None:
        raise VideoRejected("no_video_stream", gettext_noop("the file has no video stream"))
    try:
        duration = float(info.get("format", {}).get("duration") or video.get("duration"))
    except (TypeError, ValueError):
        raise VideoRejected("no_duration", gettext_noop("the video's duration cannot be read")) from None
    if duration <= 0:
        raise VideoRejected("no_duration", gettext_noop("the video has no length"))
    width, height = int(video.get("width") or 0), int(video.get("height") or 0)
    if max(width, height) > MAX_SIDE or width * height > MAX_PIXELS:
        raise VideoRejected("too_large", TOO_LARGE)
    if _frame_rate(video) > MAX_FRAME_RATE:
        raise VideoRejected("too_fast", TOO_FAST)
    if duration > MAX_DURATION_S:
        raise VideoRejected("too_long", TOO_LONG)
    return Probe(
        duration_s=duration,
        width=width,
        height=height,
        has_audio=any(s.get("codec_type") == "audio" for s in info.get("streams", [])),
    )


def probe(path: Path) -> Probe:
    """`inspect`, then decode the last second: a truncated file fails here."""
    found = inspect(path)
    try:
        decode = subprocess.run(  # noqa: S603
            [_tool("ffmpeg"), "-v", "error", *DECODE_LIMITS, "-sseof", "-1", "-i", str(path), "-f", "null", "-"],
            capture_output=True,
            text=True,
            timeout=120,
        )
    except subprocess.TimeoutExpired:
        raise VideoRejected("too_slow", TOO_SLOW) from None
    if OVER_MAX_PIXELS in decode.stderr:
        raise VideoRejected("too_large", TOO_LARGE)
    if decode.returncode != 0 or "Invalid data" in decode.stderr or "partial file" in decode.stderr:
        raise VideoRejected("truncated", gettext_noop("the video is damaged or cut short; its end cannot be decoded"))
    return found


def _run(
    args: list[str],
    *,
    duration_s: float,
    on_progress: Callable[[float], None] | None,
    what: str,
    timeout_s: float = TIMEOUT_BASE_S,
) -> None:
    """Run ffmpeg with machine-readable progress on stdout; stopped after `timeout_s` seconds."""
    process = subprocess.Popen(  # noqa: S603
        [_tool("ffmpeg"), "-v", "error", "-y", "-progress", "pipe:1", "-nostats", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    stopped = threading.Event()

    def stop() -> None:
        stopped.set()
        process.kill()

    watchdog = threading.Timer(timeout_s, stop)
    watchdog.start()
    try:
        for line in process.stdout or ():
            if line.startswith("out_time_us=") and on_progress and duration_s:
                try:
                    done = int(line.split("=", 1)[1]) / 1_000_000
                except ValueError:
                    continue
                on_progress(max(0.0, min(1.0, done / duration_s)))
        error = process.stderr.read() if process.stderr else ""
        returncode = process.wait()
    finally:
        watchdog.cancel()
    if OVER_MAX_PIXELS in error:
        raise VideoRejected("too_large", TOO_LARGE)
    if stopped.is_set():
        raise VideoRejected("too_slow", TOO_SLOW)
    if returncode != 0:
        raise VideoRejected("transcode_failed", f"{what} failed: {(error.strip().splitlines() or ['?'])[-1]}")


def make_test_clip(target: Path, *, seconds: int, size: str = "640x360", preset: str = "ultrafast") -> Path:
    """A generated clip (moving test pattern and a tone, 25 fps, H.264/AAC MP4) for the demo, the
    tests and the benchmarks: real video without shipping a file."""
    _run(
        [
            "-f", "lavfi", "-i", f"testsrc2=duration={seconds}:size={size}:rate=25",
            "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}",
            "-c:v", "libx264", "-preset", preset, "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(target),
        ],
        duration_s=0,
        on_progress=None,
        what="the test clip",
    )  # fmt: skip
    return target


def make_poster(source: Path, target: Path, *, at_s: float) -> None:
    _run(
        [
            *DECODE_LIMITS,
            "-ss",
            f"{at_s:.2f}",
            "-i",
            str(source),
            "-frames:v",
            "1",
            "-vf",
            "scale=-2:720:force_original_aspect_ratio=decrease",
            "-q:v",
            "3",
            str(target),
        ],
        duration_s=0,
        on_progress=None,
        what="the poster",
    )


def _audio_args(probe_: Probe, kbps: int) -> list[str]:
    return ["-c:a", "aac", "-b:a", f"{kbps}k", "-ac", "2"] if probe_.has_audio else ["-an"]


# A keyframe every 2 s whatever the frame rate: HLS can cut on any 6 s boundary without re-encoding.
KEYFRAMES = ["-force_key_frames", "expr:gte(t,n_forced*2)"]
H264 = ["-c:v", "libx264", "-preset", "veryfast", "-profile:v", "main", "-pix_fmt", "yuv420p", *KEYFRAMES]


def make_mp4(source: Path, target: Path, probe_: Probe, on_progress: Callable[[float], None] | None = None) -> None:
    """H.264 (main profile, yuv420p: every browser plays it) and AAC, moov atom first (faststart)."""
    height = min(720, probe_.height or 720)
    args = [*probe_.input_args, "-i", str(source), "-vf", f"scale=-2:{height}", "-fpsmax", str(OUTPUT_MAX_FPS)]
    _run(
        [*args, *H264, "-crf", "23", *_audio_args(probe_, 128), "-movflags", "+faststart", str(target)],
        duration_s=probe_.duration_s,
        on_progress=on_progress,
        what="the MP4",
        timeout_s=probe_.timeout_s,
    )


def make_hls(
    source: Path, folder: Path, probe_: Probe, on_progress: Callable[[float], None] | None = None
) -> list[dict]:
    """HLS renditions (6 s segments) from the MP4 made by `make_mp4`, and `master.m3u8`.

    The rendition at the MP4's own height is cut from it without re-encoding; smaller ones are
    encoded at their bit rate."""
    folder.mkdir(parents=True, exist_ok=True)
    made = []
    mp4_height = min(720, probe_.height or 720)
    wanted = [r for r in RENDITIONS if r[1] <= max(mp4_height, 360)] or RENDITIONS[-1:]
    for index, (name, height, video_kbps, audio_kbps) in enumerate(wanted):
        if height == mp4_height:
            codec = ["-c", "copy"]
        else:
            rate = ["-b:v", f"{video_kbps}k", "-maxrate", f"{video_kbps * 6 // 5}k", "-bufsize", f"{video_kbps * 2}k"]
            codec = ["-vf", f"scale=-2:{height}", *H264, *rate, *_audio_args(probe_, audio_kbps)]
        segments = ["-f", "hls", "-hls_time", "6", "-hls_playlist_type", "vod"]
        _run(
            [
                *probe_.input_args,
                "-i",
                str(source),
                *codec,
                *segments,
                "-hls_segment_filename",
                str(folder / f"{name}_%04d.ts"),
                str(folder / f"{name}.m3u8"),
            ],
            duration_s=probe_.duration_s,
            on_progress=(lambda share, i=index: on_progress((i + share) / len(wanted))) if on_progress else None,
            what=f"the {name} HLS rendition",
            timeout_s=probe_.timeout_s,
        )
        width = round(probe_.width * height / probe_.height / 2) * 2 if probe_.height else 0
        made.append({"name": name, "height": height, "width": width, "bandwidth": (video_kbps + audio_kbps) * 1000})
    lines = ["#EXTM3U", "#EXT-X-VERSION:3"]
    for rendition in made:
        lines.append(
            f"#EXT-X-STREAM-INF:BANDWIDTH={rendition['bandwidth']},RESOLUTION={rendition['width']}x{rendition['height']}"
        )
        lines.append(f"{rendition['name']}.m3u8")
    (folder / "master.m3u8").write_text("\n".join(lines) + "\n")
    return made
