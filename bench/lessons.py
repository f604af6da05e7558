"""Micro-class figures: transcoding a one-minute 720p clip, and the heartbeat endpoint's throughput.

    .venv/bin/python bench/lessons.py [--seconds 60] [--members 200] [--beats 10] [--json]

Uses DATABASE_URL when set (PostgreSQL), otherwise a scratch SQLite file, in a fresh test
database. The clip (test pattern and tone, 1280x720, 25 fps, H.264/AAC) is made by ffmpeg first
and not timed. The pipeline is timed stage by stage (probe, poster, MP4, HLS renditions). The
heartbeats go through Django's full request path in this process (middleware, session, the view,
the row lock and the writes), one member after another, `--beats` each, 10 s of video apart.
Prints figures; asserts nothing.
"""

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

from common import django_setup, fresh_database


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--beats", type=int, default=10)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="bench-lessons-"))
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{scratch}/bench.sqlite3")
    os.environ["MEDIA_ROOT"] = str(scratch / "media")
    django_setup()
    from django.conf import settings
    from django.test import Client
    from django.utils import timezone

    from lessons import video
    from lessons.models import Lesson
    from lessons.services import videos
    from orgs import services as org_services

    clip = video.make_test_clip(scratch / "clip.mp4", seconds=args.seconds, size="1280x720", preset="veryfast")
    settings.ALLOWED_HOSTS = ["*"]
    figures = {}
    with fresh_database():
        unit = org_services.unit_create(name="审计署", kind="organ")
        lesson = videos.lesson_attach_file(
            lesson=videos.lesson_create(title="基准", unit=unit, published=True), path=clip
        )
        media = Path(settings.MEDIA_ROOT) / f"lessons/{lesson.pk}"
        source = Path(settings.MEDIA_ROOT) / lesson.source
        stages = {}
        started = time.perf_counter()
        probe = video.probe(source)
        stages["probe_s"] = time.perf_counter() - started
        mark = time.perf_counter()
        video.make_poster(source, media / "poster.jpg", at_s=5)
        stages["poster_s"] = time.perf_counter() - mark
        mark = time.perf_counter()
        video.make_mp4(source, media / "video.mp4", probe)
        stages["mp4_s"] = time.perf_counter() - mark
        mark = time.perf_counter()
        renditions = video.make_hls(media / "video.mp4", media / "hls", probe)
        stages["hls_s"] = time.perf_counter() - mark
        total = time.perf_counter() - started
        print(
            f"transcode of a {args.seconds} s 1280x720 clip: {total:.1f} s "
            + ", ".join(f"{k[:-2]} {v:.1f} s" for k, v in stages.items())
            + f"; renditions {', '.join(r['name'] for r in renditions)}"
        )
        Lesson.objects.filter(pk=lesson.pk).update(status="ready", duration_s=probe.duration_s)
        lesson.refresh_from_db()

        members = [
            org_services.member_create(username=f"m{n}", real_name=f"成员{n}", unit=unit) for n in range(args.members)
        ]
        client = Client()
        latencies = []
        base = timezone.now()
        for member in members:
            client.force_login(member)
            for beat in range(args.beats):
                body = json.dumps({"tab": "t", "position": min(beat * 10.0, probe.duration_s), "playing": True})
                mark = time.perf_counter()
                response = client.post(f"/lessons/{lesson.pk}/heartbeat/", body, content_type="application/json")
                latencies.append(time.perf_counter() - mark)
                assert response.status_code == 200, response.content
        del base
        count = len(latencies)
        elapsed = sum(latencies)
        latencies.sort()
        print(
            f"heartbeats: {count} in {elapsed:.1f} s = {count / elapsed:.0f}/s on one core; "
            f"p50 {statistics.median(latencies) * 1000:.1f} ms, p99 {latencies[int(count * 0.99)] * 1000:.1f} ms "
            f"({settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]})"
        )
        figures = {
            "transcode_s": round(total, 2),
            **{k: round(v, 2) for k, v in stages.items()},
            "heartbeats_per_s": round(count / elapsed),
            "heartbeat_p50_ms": round(statistics.median(latencies) * 1000, 1),
            "heartbeat_p99_ms": round(latencies[int(count * 0.99)] * 1000, 1),
        }
    if args.json:
        print(json.dumps(figures))


if __name__ == "__main__":
    main()
