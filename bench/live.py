"""Live-contest fan-out benchmark: the real stack against the floor, with one load client.

    .venv/bin/python bench/live.py --players 2000 --processes 1 [--questions 5] [--repeat 3] [--json]

Starts P ASGI processes (bin/web) on PostgreSQL and Redis when DATABASE_URL / REDIS_URL are set
(a fresh database "<name>_live_bench" is created; yours is not touched), joins N simulated players
(Node.js `ws`, bench/live-client.mjs; run `npm install` once) to one contest in teams of five,
and runs questions: the host opens each, every player answers within 2 s, the host reveals.
Broadcast latency is receipt time minus the frame's server_time. In the same run the same client
measures a bare `websockets` broadcast server (the floor), sending the very frames the stack sent
(opened and revealed, in turn). Finally every socket drops at once and reconnects. Prints
figures; asserts nothing.

With --repeat N it makes N such runs, each on freshly started servers with a new contest and a
new load client (the members and their sessions are made once), and the last JSON line adds each
figure per run (`ack_p99_ms_runs`, ...), their `median` and `worst`, what was `lost` in all, and
whether every goal held in every run; its single-run keys then hold each figure's median over
the runs (counts: sums).
"""

import argparse
import json
import os
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TEAM_SIZE = 5


def percentile(values: list[float], share: float) -> float | None:
    values = sorted(v for v in values if v is not None)
    if not values:
        return None
    return round(values[min(len(values) - 1, int(share * len(values)))], 1)


def bench_database_url(suffix: str = "live") -> str:
    """A fresh database beside DATABASE_URL's, "<name>_<suffix>_bench" (or a scratch SQLite file)."""
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        return f"sqlite:///{tempfile.mkdtemp(prefix=f'bench-{suffix}-')}/{suffix}.sqlite3"
    parts = urlsplit(url)
    name = parts.path.lstrip("/") + f"_{suffix}_bench"
    admin = urlunsplit(parts._replace(path="/postgres"))
    import psycopg

    with psycopg.connect(admin.replace("postgres://", "postgresql://", 1), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path="/" + name))


def build_members(players: int) -> dict:
    """Units and members with sessions (made once, whatever the number of runs)."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from orgs import services as org_services
    from orgs.models import Role, User

    organ = org_services.unit_create(name="审计署", kind="organ")
    host = org_services.member_create(username="bench-host", real_name="主持人", unit=organ)
    org_services.role_grant(user=host, role=Role.ORGANISER, unit=organ, by=None)
    members = User.objects.bulk_create(
        [User(username=f"p{n}", real_name=f"选手{n}", unit=organ, password="!") for n in range(players)],
        batch_size=1000,
    )

    def cookie(user) -> str:
        store = SessionStore()
        store[SESSION_KEY], store[BACKEND_SESSION_KEY] = str(user.pk), "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        return f"{settings.SESSION_COOKIE_NAME}={store.session_key}"

    return {
        "organ": organ,
        "host_user": host,
        "members": members,
        "host": cookie(host),
        "players": [cookie(m) for m in members],
    }


def build_contest(people: dict, questions: int, run: int) -> dict:
    """A fresh contest for one run: every member in teams of five, a compulsory round."""
    from contests import services
    from contests.models import Round, TeamMember
    from lessons.services.questions import bank_create, question_create
    from lessons.validation import QuestionContent

    organ, host, members = people["organ"], people["host_user"], people["members"]
    contest = services.contest_create(title=f"压力测试{run + 1}", unit=organ, by=host)
    for team_no in range(0, len(members), TEAM_SIZE):
        team = services.team_add(contest=contest, name=f"队{team_no // TEAM_SIZE}", unit=organ, legs=[])
        TeamMember.objects.bulk_create(
            [
                TeamMember(contest=contest, team=team, member=m, leg=i + 1)
                for i, m in enumerate(members[team_no : team_no + TEAM_SIZE])
            ]
        )
    bank = bank_create(slug=f"bench-{run + 1}", name=f"bench {run + 1}", unit=organ)
    versions = [
        question_create(
            bank=bank, content=QuestionContent(type="single", stem=f"第{n}题", options=["甲", "乙", "丙"], key=["A"])
        ).current
        for n in range(questions)
    ]
    services.round_add(contest=contest, type=Round.Type.COMPULSORY, versions=versions, time_limit_s=30)
    return {"code": contest.join_code, "host": people["host"], "players": people["players"]}


class Node:
    def __init__(self) -> None:
        self.process = subprocess.Popen(
            ["node", str(ROOT / "bench" / "live-client.mjs")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
        )

    def send(self, **command) -> None:
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        if command["cmd"] == "collect":
            assert self.read() == {"armed": True}  # never trigger before the client listens

    def read(self) -> dict:
        line = self.process.stdout.readline()
        result = json.loads(line)
        if "error" in result:
            raise RuntimeError(result["error"])
        return result

    def close(self) -> None:
        self.send(cmd="quit")
        self.process.wait(timeout=30)


def wait_http(port: int, timeout: float = 60) -> None:
    import http.client

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz", headers={"Host": "localhost"})
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"server on {port} did not start")


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def group_cpu_s(pgid: int) -> float | None:
    """CPU seconds (user + system) used so far by the processes of a process group (the servers);
    None where /proc is not there. Less disturbed by other load on the machine than latencies."""
    total, tick = 0, os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    try:
        entries = os.listdir("/proc")
    except OSError:
        return None
    for entry in filter(str.isdigit, entries):
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue  # ended meanwhile
        if int(fields[2]) == pgid:  # fields after the name: state, ppid, pgrp, ..., utime (11), stime (12)
            total += int(fields[11]) + int(fields[12])
    return round(total / tick, 2)


def run_stack(args, data: dict, env: dict, node: Node) -> dict:
    import websockets.sync.client

    port = free_port()
    web = subprocess.Popen(
        [str(ROOT / "bin" / "web")],
        env={**env, "PORT": str(port), "HOST": "127.0.0.1", "WEB_WORKERS": str(args.processes), "LOG_LEVEL": "WARNING"},
        stdout=open(args.log, "w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,  # noqa: SIM115
    )
    try:
        wait_http(port)
        path = f"/ws/contests/{data['code']}/?role=player"
        node.send(
            cmd="connect",
            url=f"ws://127.0.0.1:{port}",
            origin="http://localhost",
            players=[{"cookie": c, "path": path} for c in data["players"]],
        )
        connected = node.read()
        host = websockets.sync.client.connect(
            f"ws://127.0.0.1:{port}/ws/contests/{data['code']}/?role=host",
            additional_headers={"Cookie": data["host"], "Origin": "http://localhost"},
            max_size=None,
        ).__enter__()

        latest = {}

        def host_read() -> dict:
            frame = json.loads(host.recv(timeout=30))
            if frame.get("type") == "host.state":
                latest["state"] = frame
            return frame

        def host_send(kind: str) -> dict:
            host.send(json.dumps({"type": kind, "id": kind}))
            while True:
                frame = host_read()
                if frame.get("ref") == kind:
                    return frame

        host_send("host.start")
        cpu_before = group_cpu_s(web.pid)
        broadcast, answers, calm = [], [], []
        for _ in range(args.questions):
            node.send(cmd="collect", event="question.opened")
            host_send("host.open")
            reply = node.read()
            opened = reply["latencies"]
            broadcast += opened
            calm += opened
            frames = {"question.opened": reply["frame"]}
            while not (latest.get("state", {}).get("question") or {}).get("phase") == "open":
                host_read()
            opening = latest["state"]["question"]["opening"]
            node.send(cmd="answer", opening=opening, within_ms=2000, response="A")
            answers += node.read()["answers"]
            node.send(cmd="collect", event="question.revealed")
            host_send("host.reveal")
            reply = node.read()
            broadcast += reply["latencies"]
            frames["question.revealed"] = reply["frame"]
        cpu_questions = group_cpu_s(web.pid)
        node.send(cmd="reconnect")
        reconnect = node.read()
        cpu_reconnect = group_cpu_s(web.pid)
        host.close()
        return {
            "connected": connected,
            "broadcast": broadcast,
            "calm": calm,
            "answers": answers,
            "reconnect": reconnect,
            "frames": frames,
            "cpu_questions_s": None if cpu_before is None else round(cpu_questions - cpu_before, 2),
            "cpu_reconnect_s": None if cpu_before is None else round(cpu_reconnect - cpu_questions, 2),
        }
    finally:
        os.killpg(web.pid, signal.SIGTERM)
        web.wait(timeout=20)


FLOOR_SERVER = """
import asyncio, json, sys
from datetime import datetime, UTC
import websockets
clients = set()
# The very bytes the real stack sent for each event, with a fresh server_time.
frames = {}
for event, text in json.load(open(sys.argv[2], encoding="utf-8")).items():
    head, _, rest = text.rpartition('"server_time":"')
    frames[event] = (head, rest[rest.index('"'):])
async def handler(ws):
    if ws.request.path == "/control":
        async for event in ws:
            head, tail = frames[event]
            websockets.broadcast(clients, head + '"server_time":"' + datetime.now(UTC).isoformat() + tail)
            await ws.send("sent")
        return
    clients.add(ws)
    await ws.send(json.dumps({"type": "state", "event": "snapshot", "server_time": datetime.now(UTC).isoformat()}))
    try:
        await ws.wait_closed()
    finally:
        clients.discard(ws)
async def main():
    async with websockets.serve(handler, "127.0.0.1", int(sys.argv[1]), compression=None, max_queue=None):
        await asyncio.Future()
asyncio.run(main())
"""


def run_floor(args, players: int, node: Node, frames: dict[str, str]) -> list:
    """The same client and the same frames (bytes and order) against a bare `websockets` broadcast server."""
    import websockets.sync.client

    port = free_port()
    template = Path(tempfile.mkdtemp(prefix="bench-live-")) / "frames.json"
    template.write_text(json.dumps(frames, ensure_ascii=False), encoding="utf-8")
    server = subprocess.Popen([sys.executable, "-c", FLOOR_SERVER, str(port), str(template)], start_new_session=True)
    try:
        time.sleep(1.5)
        node.send(
            cmd="connect",
            url=f"ws://127.0.0.1:{port}",
            origin="http://localhost",
            players=[{"cookie": "", "path": "/"}] * players,
        )
        node.read()
        latencies = []
        with websockets.sync.client.connect(f"ws://127.0.0.1:{port}/control") as control:
            for _ in range(args.questions):
                for event in frames:
                    node.send(cmd="collect", event=event)
                    control.send(event)
                    control.recv(timeout=30)
                    latencies += node.read()["latencies"]
        return latencies
    finally:
        os.killpg(server.pid, signal.SIGTERM)


def run_once(args, data: dict, env: dict) -> tuple[dict, dict, list]:
    """One whole run on a freshly started stack: its figures, details and answers."""
    node = Node()  # a fresh client too: nothing (sockets, heap) carried over from a run before
    try:
        stack = run_stack(args, data, env, node)
        floor = run_floor(args, args.players, node, stack["frames"])
    finally:
        node.close()
    answers = stack["answers"]
    acked = [a for a in answers if not a.get("lost")]
    floor_p99 = percentile(floor, 0.99)
    result = {
        "players": args.players,
        "processes": args.processes,
        "broadcast_p50_ms": percentile(stack["broadcast"], 0.5),
        "broadcast_p99_ms": percentile(stack["broadcast"], 0.99),
        "floor_p99_ms": floor_p99,
        "ratio": round(percentile(stack["broadcast"], 0.99) / floor_p99, 2) if floor_p99 else None,
        "frames_lost": sum(1 for v in stack["broadcast"] if v is None),
        "answers_sent": len(answers),
        "answers_acked": len(acked),
        "answers_lost": len(answers) - len(acked),
        "ack_p99_ms": percentile([a["ms"] for a in acked], 0.99),
        "reconnect_s": stack["reconnect"]["seconds"] if stack["reconnect"]["resynced"] == args.players else None,
        # the servers' CPU seconds for the questions (open, answers, reveal) and for the reconnect
        "server_cpu_questions_s": stack["cpu_questions_s"],
        "server_cpu_reconnect_s": stack["cpu_reconnect_s"],
    }
    details = {
        "connect_s": stack["connected"]["seconds"],
        "answers_accepted": sum(1 for a in acked if a.get("ok")),
        "reconnected": stack["reconnect"]["resynced"],
        "floor_p50_ms": percentile(floor, 0.5),
        "ack_p50_ms": percentile([a["ms"] for a in acked], 0.5),
        "ack_p90_ms": percentile([a["ms"] for a in acked], 0.9),
        # question.opened frames alone: sent when no answers are being processed
        "opened_p99_ms": percentile(stack["calm"], 0.99),
        "frame_bytes": {event: len(text.encode()) for event, text in stack["frames"].items()},
        "load_average": round(os.getloadavg()[0], 2),
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    return result, details, answers


# The figures each run is judged by, with the goal for each (None: reported, no goal).
SUMMED = ("frames_lost", "answers_sent", "answers_acked", "answers_lost")
GOALS = {"ack_p99_ms": 250, "broadcast_p99_ms": None, "ratio": 2.0, "reconnect_s": 10}


def summarise(runs: list[dict]) -> dict:
    """Several runs in one line: per-run lists, the median and the worst of each figure, what was
    lost in all, and whether each goal held in every run. A run in which not every player
    resynced has no reconnect time: it is the worst, and its goal is missed."""
    line = {key: runs[0][key] for key in ("players", "processes")}
    line["runs"] = len(runs)
    median, worst = {}, {}
    for key in GOALS:
        values = [run[key] for run in runs]
        line[f"{key}_runs"] = values
        known = sorted(v for v in values if v is not None)
        median[key] = statistics.median(values) if len(known) == len(values) else None
        worst[key] = known[-1] if known and len(known) == len(values) else None
    for key in ("server_cpu_questions_s", "server_cpu_reconnect_s"):
        line[f"{key}_runs"] = [run[key] for run in runs]
    line["median"], line["worst"] = median, worst
    line["lost"] = {key: sum(run[key] for run in runs) for key in ("frames_lost", "answers_lost")}
    line["goals_met_every_run"] = all(
        worst[key] is not None and worst[key] <= goal for key, goal in GOALS.items() if goal is not None
    ) and not any(line["lost"].values())
    # The single-run keys keep working: each figure's median over the runs, counts summed.
    for key in runs[0]:
        if key in SUMMED:
            line.setdefault(key, sum(run[key] for run in runs))
        elif key not in line:
            values = [run[key] for run in runs]
            line[key] = median.get(key, statistics.median(values) if None not in values else None)
    return line


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--players", type=int, default=2000)
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--questions", type=int, default=5)
    parser.add_argument(
        "--repeat", type=int, default=1, help="whole runs (a fresh stack, contest and client each); median and worst"
    )
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--log", default=os.path.join(tempfile.gettempdir(), "bench-live-web.log"), help="the servers' output"
    )
    parser.add_argument(
        "--dump-answers", metavar="PATH", help="write each answer's send time and round trip (JSON; one list per run)"
    )
    args = parser.parse_args()
    if args.processes > 1 and not os.environ.get("REDIS_URL"):
        parser.error("several processes need REDIS_URL (and DATABASE_URL for PostgreSQL)")
    if args.repeat < 1:
        parser.error("--repeat takes a whole number of runs, at least 1")
    if not shutil.which("node") or not (ROOT / "node_modules" / "ws").exists():
        parser.error("the load client needs Node.js and `npm install` (for the ws package)")
    database_url = bench_database_url()
    # As in production: DEBUG off (Django then keeps no log of every query), a real secret key
    # shared with this process, which signs the players' sessions.
    production = {"DEBUG": "false", "SECRET_KEY": secrets.token_urlsafe(50), "ALLOWED_HOSTS": "127.0.0.1,localhost"}
    os.environ.update(production)
    env = {**os.environ, "DATABASE_URL": database_url, "PYTHON": sys.executable}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "quizsite.settings"
    import django

    django.setup()
    started = time.perf_counter()
    people = build_members(args.players)
    setup_s = time.perf_counter() - started
    context = {
        "database": "postgresql" if "postgres" in database_url else "sqlite",
        "redis": bool(os.environ.get("REDIS_URL")),
        "setup_s": round(setup_s, 1),
    }
    runs, dumps = [], []
    for run in range(args.repeat):
        # Each run is a whole run on a fresh stack: new server processes, a new contest and a new
        # load client, so that no run inherits another's caches, heap or sockets, and each run is
        # what one invocation without --repeat measures. Only the members and sessions are shared.
        data = build_contest(people, args.questions, run)
        result, details, answers = run_once(args, data, env)
        runs.append(result)
        dumps.append(answers)
        if args.repeat > 1:
            print(f"--- run {run + 1} of {args.repeat}")
        for key, value in {**result, **(context if run == 0 else {}), **details}.items():
            print(f"{key:>18}: {value}")
        sys.stdout.flush()
    if args.dump_answers:  # each answer's send time and round trip: when in a question the slow ones were sent
        Path(args.dump_answers).write_text(json.dumps(dumps[0] if args.repeat == 1 else dumps))
    line = runs[0] if args.repeat == 1 else summarise(runs)
    if args.repeat > 1:
        print(f"--- {args.repeat} runs")
        for key in ("median", "worst", "lost", "goals_met_every_run"):
            print(f"{key:>18}: {line[key]}")
    if args.json:
        print(json.dumps(line))


if __name__ == "__main__":
    main()
