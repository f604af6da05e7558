"""Online-contest and heartbeat HTTP benchmark: the real stack against Django's floor.

    .venv/bin/python bench/online.py --members 2000 --processes 1 [--duration 10] [--json]

Starts P ASGI processes (bin/web, DEBUG off, BENCH_FLOOR on) on PostgreSQL and Redis when
DATABASE_URL / REDIS_URL are set (a fresh database "<name>_online_bench" is created; yours is not
touched), makes N members with sessions (cookies made here, as a sign-in would), an online
contest drawing 20 single-choice questions per member and a ready micro-class, then drives the
API with autocannon (bench/online-client.mjs; run `npm install` once):

1. every member starts an attempt (POST /api/v1/online/<id>/attempts/);
2. at saturation, in turns (`--rounds`): the floor (PUT /bench/floor/, a minimal signed-in
   Django view with the same headers and body), autosaves (PUT .../items/<n>/) and lesson
   heartbeats (POST /lessons/<id>/heartbeat/);
3. autosaves and heartbeats at 70 % of their saturated rate, for their p99: open-loop, requests
   arriving as a Poisson process whatever the server's answers, latencies from each request's
   scheduled time (autocannon's own rate sends each second's requests in one burst);
4. every member submits.

Then it checks that every acknowledged save is in the database (the attempt item's saved answer
and the answer graded from it at submit): `lost` counts those that are not. Prints figures;
asserts nothing. The last line (with --json) is the result.
"""

import argparse
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.live import bench_database_url, free_port, wait_http  # noqa: E402

POSITIONS = 20  # questions on each member's paper
LESSON_S = 1800
HOST = "localhost"
CSRF = secrets.token_hex(16)  # any 32 characters: Django compares the cookie with the header


def build(members: int) -> dict:
    """An organ, N members with sessions, a bank, an online contest, a ready micro-class."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    from contests.online import services
    from contests.online.services import DrawRule
    from lessons.models import Lesson
    from lessons.services.questions import bank_create, question_create
    from lessons.services.videos import lesson_create
    from lessons.validation import QuestionContent
    from orgs import services as org_services
    from orgs.models import Role, User

    organ = org_services.unit_create(name="审计署", kind="organ")
    organiser = org_services.member_create(username="bench-organiser", real_name="组织者", unit=organ)
    org_services.role_grant(user=organiser, role=Role.ORGANISER, unit=organ, by=None)
    people = User.objects.bulk_create(
        [User(username=f"m{n}", real_name=f"成员{n}", unit=organ, password="!") for n in range(members)],
        batch_size=1000,
    )
    store = SessionStore()
    expires = timezone.now() + timedelta(days=1)
    sessions = []
    for person in people:
        data = {
            SESSION_KEY: str(person.pk),
            BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
            HASH_SESSION_KEY: person.get_session_auth_hash(),
        }
        sessions.append(
            Session(session_key=secrets.token_hex(16), session_data=store.encode(data), expire_date=expires)
        )
    Session.objects.bulk_create(sessions, batch_size=1000)
    bank = bank_create(slug="bench", name="bench", unit=organ)
    for n in range(POSITIONS + 10):
        content = QuestionContent(type="single", stem=f"第{n}题", options=["甲", "乙", "丙"], key=["A"])
        question_create(bank=bank, content=content)
    now = timezone.now()
    contest = services.online_contest_create(
        title="压力测试",
        unit=organ,
        audience=[organ],
        opens_at=now - timedelta(minutes=1),
        closes_at=now + timedelta(days=1),
        rules=[DrawRule(bank=bank, type="single", count=POSITIONS)],
        by=organiser,
        time_limit_s=3 * 3600,
    )
    lesson = lesson_create(title="基准微党课", unit=organ, published=True)
    Lesson.objects.filter(pk=lesson.pk).update(status=Lesson.Status.READY, duration_s=LESSON_S)
    return {
        "contest": contest.pk,
        "lesson": lesson.pk,
        "session_cookie": settings.SESSION_COOKIE_NAME,
        "members": [
            {"session": session.session_key, "device": f"bench-device-{person.pk:06d}"}
            for person, session in zip(people, sessions, strict=True)
        ],
    }


def forget_rate_limits() -> None:
    """A fresh database reuses member ids: drop the last run's rate-limit counters."""
    from django.conf import settings

    if not settings.REDIS_URL:
        return
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL)
    for key in client.scan_iter(match="*ratelimit:*", count=1000):
        client.delete(key)


def server_cpu_s(pid: int) -> float:
    """CPU seconds (user + system) of the server process and its worker processes so far."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process has gone
            continue
        if int(stat.parent.name) == pid or int(fields[1]) == pid:  # fields[1]: the parent's pid
            total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    return total


class Phases:
    """Runs one autocannon phase per call (bench/online-client.mjs) against the stack."""

    def __init__(self, port: int, data: dict, connections: int, server_pid: int) -> None:
        self.server_pid = server_pid
        self.spool = Path(tempfile.mkdtemp(prefix="bench-online-"))
        self.base = {
            "url": f"http://127.0.0.1:{port}",
            "host": HOST,
            "csrf": CSRF,
            "session_cookie": data["session_cookie"],
            "contest": data["contest"],
            "lesson": data["lesson"],
            "positions": POSITIONS,
            "duration_s": LESSON_S,
            "connections": connections,
        }
        self.members = data["members"]
        self.acks: dict[str, str] = {}

    def run(self, kind: str, *, duration: float = 0, rate: float = 0, connections: int = 0) -> dict:
        spec = {
            **self.base,
            "kind": kind,
            "members": self.members,
            "once": kind in ("start", "submit"),
            "duration": duration,
            "rate": round(rate, 1),
        }
        if connections:
            spec["connections"] = connections
        path = self.spool / f"{kind}.json"
        path.write_text(json.dumps(spec))
        cpu_before = server_cpu_s(self.server_pid)
        done = subprocess.run(
            ["node", str(ROOT / "bench" / "online-client.mjs"), str(path)],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"load client failed: {done.stderr or done.stdout}")
        result = json.loads(done.stdout.strip().splitlines()[-1])
        # Load-independent: the server's CPU per 1000 answered requests (PostgreSQL's not counted).
        answered = result["ok"] + result["errors"]
        result["cpu_s_per_1000"] = (
            round(1000 * (server_cpu_s(self.server_pid) - cpu_before) / answered, 2) if answered else None
        )
        if kind == "start":
            for index, attempt in result.pop("attempts").items():
                self.members[int(index)]["attempt"] = attempt
        if kind == "save":
            self.acks.update(result.pop("acks"))
            for key in result.pop("unsettled"):
                self.acks.pop(key, None)
        print(
            f"{kind:>10}{f' at {rate:.0f}/s' if rate else '':>12}: {result['ok']} ok in {result['seconds']} s"
            f" = {result['per_s']}/s, p50 {result['p50_ms']} ms, p99 {result['p99_ms']} ms, {result['statuses']},"
            f" server CPU {result['cpu_s_per_1000']} s per 1000",
            flush=True,
        )
        # A phase that ends on time abandons the requests in flight, which the server still
        # runs: let it finish them, so none lands after the next phase's saves of the same item.
        # A phase of one request per member (starts, submits) ends when the last is answered.
        if not spec["once"]:
            time.sleep(max(0.5, 2 * result["max_ms"] / 1000))
        return result


def lost_saves(acks: dict[str, str]) -> int:
    """Acknowledged saves whose answer is not the item's saved answer, or not what was graded."""
    from lessons.grading import clean_response
    from lessons.models import Answer, AttemptItem
    from lessons.services.attempts import to_original_letters

    items = {
        f"{item.attempt_id}/{item.position}": item
        for item in AttemptItem.objects.filter(attempt_id__in={int(key.split("/")[0]) for key in acks}).select_related(
            "version"
        )
    }
    graded = {
        f"{attempt_id}/{position}": response
        for attempt_id, position, response in Answer.objects.filter(item__in=items.values()).values_list(
            "item__attempt_id", "item__position", "response"
        )
    }
    lost = 0
    for key, shown in acks.items():
        item = items.get(key)
        if item is None:
            lost += 1
            continue
        version = item.version
        expected = clean_response(
            type=version.type, options=version.options, blanks=0, response=to_original_letters(item, shown)
        )
        # An attempt whose submit failed (counted in `errors`) keeps its drafts for the deadline.
        if item.saved_response != expected or graded.get(key, expected) != expected:
            lost += 1
    return lost


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def run(args, data: dict, env: dict) -> dict:
    port = free_port()
    web = subprocess.Popen(  # noqa: S603
        [str(ROOT / "bin" / "web")],
        env={
            **env,
            "PORT": str(port),
            "HOST": "127.0.0.1",
            "WEB_WORKERS": str(args.processes),
            "LOG_LEVEL": "WARNING",
            "BENCH_FLOOR": "true",
        },
        stdout=open(args.log, "w"),  # noqa: SIM115
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    figures: dict = {"load_before": load_average()}
    try:
        wait_http(port)
        phases = Phases(port, data, args.connections, web.pid)
        # Starts and submits in a burst of as many at once as the processes' pools have connections
        # (more would only wait for one, and fail after DB_POOL_TIMEOUT_S on a crowded machine).
        burst = min(args.connections, 8 * args.processes)
        started = phases.run("start", connections=burst)
        figures["start"] = started
        for kind in ("floor", "save", "heartbeat"):  # warm every process's code paths
            phases.run(kind, duration=min(1, args.duration))
        totals = {kind: {"ok": 0, "seconds": 0.0, "errors": 0, "cpu_s": 0.0} for kind in ("floor", "save", "heartbeat")}
        for _ in range(args.rounds):  # in turns, so a neighbour's load falls on all three alike
            for kind in totals:
                result = phases.run(kind, duration=args.duration)
                for key in ("ok", "seconds", "errors"):
                    totals[kind][key] += result[key]
                totals[kind]["cpu_s"] += (result["cpu_s_per_1000"] or 0) * (result["ok"] + result["errors"]) / 1000
        rates = {kind: t["ok"] / t["seconds"] for kind, t in totals.items()}
        figures["saturated"] = {kind: {**t, "per_s": round(rates[kind], 1)} for kind, t in totals.items()}
        # Open-loop: arrivals at 70 % of the saturated rate, whatever the server's answers.
        figures["save_70"] = phases.run("save", duration=args.duration, rate=0.7 * rates["save"])
        figures["heartbeat_70"] = phases.run("heartbeat", duration=args.duration, rate=0.7 * rates["heartbeat"])
        figures["submit"] = phases.run("submit", connections=burst)
        figures["load_after"] = load_average()
        figures["acks"] = phases.acks
        figures["rates"] = rates
        return figures
    finally:
        os.killpg(web.pid, signal.SIGTERM)
        web.wait(timeout=20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=2000)
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--duration", type=float, default=10, help="seconds of each measured phase")
    parser.add_argument("--rounds", type=int, default=2, help="turns of floor, saves and heartbeats at saturation")
    parser.add_argument("--connections", type=int, default=32, help="keep-alive connections at saturation")
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--log", default=os.path.join(tempfile.gettempdir(), "bench-online-web.log"), help="the servers' output"
    )
    args = parser.parse_args()
    if args.processes > 1 and not os.environ.get("REDIS_URL"):
        parser.error("several processes need REDIS_URL (and DATABASE_URL for PostgreSQL)")
    if not shutil.which("node") or not (ROOT / "node_modules" / "autocannon").exists():
        parser.error("the load client needs Node.js and `npm install` (for the autocannon package)")
    database_url = bench_database_url("online")
    production = {
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
    }
    os.environ.update(production)
    env = {**os.environ, "DATABASE_URL": database_url, "PYTHON": sys.executable}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)  # noqa: S603
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "quizsite.settings"
    import django

    django.setup()
    from django.db import connection

    mark = time.perf_counter()
    data = build(args.members)
    setup_s = time.perf_counter() - mark
    forget_rate_limits()
    connection.close()
    figures = run(args, data, env)
    lost = lost_saves(figures["acks"])
    rates = figures["rates"]
    saturated = figures["saturated"]
    errors = (
        figures["start"]["errors"]
        + sum(t["errors"] for t in saturated.values())
        + figures["save_70"]["errors"]
        + figures["heartbeat_70"]["errors"]
        + figures["submit"]["errors"]
    )
    result = {
        "members": args.members,
        "processes": args.processes,
        "start_p99_ms": figures["start"]["p99_ms"],
        "save_p99_ms": figures["save_70"]["p99_ms"],
        "submit_p99_ms": figures["submit"]["p99_ms"],
        "saves_per_s": round(rates["save"], 1),
        "floor_per_s": round(rates["floor"], 1),
        "ratio": round(rates["floor"] / rates["save"], 2) if rates["save"] else None,
        "errors": errors,
        "lost": lost,
        "heartbeats_per_s": round(rates["heartbeat"], 1),
        "heartbeat_ratio": round(rates["floor"] / rates["heartbeat"], 2) if rates["heartbeat"] else None,
        "heartbeat_p99_ms": figures["heartbeat_70"]["p99_ms"],
    }
    details = {
        "database": "postgresql" if "postgres" in database_url else "sqlite",
        "redis": bool(os.environ.get("REDIS_URL")),
        "setup_s": round(setup_s, 1),
        "starts_per_s": figures["start"]["per_s"],
        "submits_per_s": figures["submit"]["per_s"],
        "save_p50_ms_at_70": figures["save_70"]["p50_ms"],
        "save_rate_at_70": figures["save_70"]["per_s"],
        "heartbeat_rate_at_70": figures["heartbeat_70"]["per_s"],
        "acknowledged_items": len(figures["acks"]),
        "server_cpu_s_per_1000": {
            kind: round(1000 * t["cpu_s"] / (t["ok"] + t["errors"]), 2) if t["ok"] + t["errors"] else None
            for kind, t in saturated.items()
        },
        "statuses": {kind: figures[kind]["statuses"] for kind in ("start", "save_70", "heartbeat_70", "submit")},
        "load_average": f"{figures['load_before']} before, {figures['load_after']} after",
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    for key, value in {**result, **details}.items():
        print(f"{key:>20}: {value}")
    if args.json:
        print(json.dumps(result))


if __name__ == "__main__":
    main()
