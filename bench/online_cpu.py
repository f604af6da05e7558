"""CPU per request of the floor, an autosave and a heartbeat, in one process, no load client.

    .venv/bin/python bench/online_cpu.py [--members 200] [--requests 600] [--rounds 3]

The requests of `bench/online.py` (same database setup, headers, bodies, DEBUG off) sent through
Django's test client in a loop, in turns (floor, saves, heartbeats, `--rounds` times), timing the
process's CPU (`time.process_time`) per request: the client's share is the same for all three,
and a neighbour's load moves it less than a rate at saturation. What it leaves out is the ASGI
server (uvicorn, the thread pool) and every wait (PostgreSQL's CPU and its commits are not in it).
Prints each round and the best of the rounds; asserts nothing.
"""

import argparse
import json
import os
import random
import secrets
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.live import bench_database_url  # noqa: E402
from bench.online import HOST, LESSON_S, POSITIONS, forget_rate_limits  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--requests", type=int, default=600, help="of each kind in a round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", choices=["floor", "save", "heartbeat"], help="cProfile one kind's loop instead")
    parser.add_argument("--sort", default="cumulative", help="the profile's order (cumulative, tottime)")
    args = parser.parse_args()
    database_url = bench_database_url("online_cpu")
    os.environ.update(
        {
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "BENCH_FLOOR": "true",
            "DATABASE_URL": database_url,
            "DJANGO_SETTINGS_MODULE": "quizsite.settings",
        }
    )
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, check=True)  # noqa: S603
    import django

    django.setup()
    from django.test import Client

    from bench.online import build

    data = build(args.members)
    forget_rate_limits()
    csrf = secrets.token_hex(16)
    clients = []
    for member in data["members"]:
        client = Client(
            enforce_csrf_checks=True,
            HTTP_HOST=HOST,
            HTTP_X_FORWARDED_PROTO="https",
            HTTP_ORIGIN=f"https://{HOST}",
            HTTP_X_CSRFTOKEN=csrf,
        )
        client.cookies[data["session_cookie"]] = member["session"]
        client.cookies["csrftoken"] = csrf
        started = client.post(
            f"/api/v1/online/{data['contest']}/attempts/",
            json.dumps({"device": member["device"]}),
            content_type="application/json",
        )
        member["attempt"] = started.json()["id"]
        member["began"] = time.monotonic() - 10 * random.random()  # noqa: S311
        member["cursor"] = 0
        clients.append(client)

    def request(kind: str, n: int):
        member, client = data["members"][n % len(clients)], clients[n % len(clients)]
        if kind == "floor":
            body = json.dumps({"device": member["device"], "response": "A"})
            return client.put("/bench/floor/", body, content_type="application/json")
        if kind == "save":
            member["cursor"] = member["cursor"] % POSITIONS + 1
            body = json.dumps({"device": member["device"], "response": random.choice("ABC")})  # noqa: S311
            path = f"/api/v1/online/attempts/{member['attempt']}/items/{member['cursor']}/"
            return client.put(path, body, content_type="application/json")
        position = min(LESSON_S, time.monotonic() - member["began"])
        body = json.dumps({"tab": member["device"][:12], "position": position, "playing": True})
        return client.post(f"/lessons/{data['lesson']}/heartbeat/", body, content_type="application/json")

    for kind in ("floor", "save", "heartbeat"):  # warm up: first saves read their layout
        for n in range(len(clients)):
            request(kind, n)
    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile(time.process_time)  # CPU, not the waits
        profiler.enable()
        for n in range(args.requests):
            request(args.profile, n)
        profiler.disable()
        pstats.Stats(profiler).sort_stats(args.sort).print_stats(150)
        return
    results: dict[str, list[float]] = {"floor": [], "save": [], "heartbeat": []}
    for round_ in range(args.rounds):
        line = []
        for kind in results:
            statuses: dict[int, int] = {}
            cpu = time.process_time()
            for n in range(args.requests):
                status = request(kind, n).status_code
                statuses[status] = statuses.get(status, 0) + 1
            per_request_ms = 1000 * (time.process_time() - cpu) / args.requests
            results[kind].append(per_request_ms)
            line.append(f"{kind} {per_request_ms:.2f} ms {statuses}")
        print(f"round {round_ + 1}: " + ", ".join(line), flush=True)
    best = {kind: min(values) for kind, values in results.items()}
    print(
        json.dumps(
            {
                **{f"{kind}_ms": round(value, 2) for kind, value in best.items()},
                **{f"{kind}_median_ms": round(statistics.median(v), 2) for kind, v in results.items()},
                "save_over_floor": round(best["save"] / best["floor"], 2),
                "heartbeat_over_floor": round(best["heartbeat"] / best["floor"], 2),
                "load_average": " ".join(Path("/proc/loadavg").read_text().split()[:3]),
            }
        )
    )


if __name__ == "__main__":
    main()
