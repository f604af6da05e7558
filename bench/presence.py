"""Presence's cost for a hall reconnecting at once, in one process: the batched writes against the
per-socket writes of stop 46.

    REDIS_URL=redis://127.0.0.1:6379/7 .venv/bin/python bench/presence.py [--sockets 2500] [--repeat 3]

N sockets join, then all leave, as a reconnecting hall's do in each server process (2,500 each
for 5,000 players on two processes). "per socket" is stop 46's path: a thread hop and a Redis
round trip for each join (three commands) and each leave. "batched" is `contests.presence` now:
each join and leave noted in the process, then one write of them all (what the ticker does each
turn). Prints the process's CPU seconds (Redis's own not counted) and wall time; asserts nothing.
"""

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def per_socket_join(key: str, token: str) -> None:
    from contests import fanout

    with fanout.hot_client().pipeline(transaction=False) as pipe:
        pipe.zremrangebyscore(key, "-inf", time.time())
        pipe.zadd(key, {token: time.time() + 60})
        pipe.expire(key, 3600)
        pipe.execute()


def per_socket_leave(key: str, token: str) -> None:
    from contests import fanout

    fanout.hot_client().zrem(key, token)


async def per_socket(tokens: list[str]) -> None:
    from asgiref.sync import sync_to_async

    from contests import presence

    key = presence._key(0, "BENCH-PER-SOCKET")
    await asyncio.gather(*(sync_to_async(per_socket_join, thread_sensitive=False)(key, t) for t in tokens))
    await asyncio.gather(*(sync_to_async(per_socket_leave, thread_sensitive=False)(key, t) for t in tokens))


async def batched(tokens: list[str]) -> None:
    from asgiref.sync import sync_to_async

    from contests import presence

    contest = (0, "BENCH-BATCHED")
    for token in tokens:
        presence.join(*contest, token)
    assert await sync_to_async(presence.write, thread_sensitive=False)(presence.take(), {})
    for token in tokens:
        presence.leave(*contest, token)
    assert await sync_to_async(presence.write, thread_sensitive=False)(presence.take(), {})


async def measure(sockets: int, repeat: int) -> None:
    from contests import presence

    for turn in range(repeat):
        for name, way in (("per socket", per_socket), ("batched", batched)):
            tokens = [presence.new_token(n) for n in range(sockets)]
            cpu, wall = time.process_time(), time.perf_counter()
            await way(tokens)
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            print(f"turn {turn + 1} {name:>10}: {sockets} joins and leaves, CPU {cpu:.3f} s, wall {wall:.3f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sockets", type=int, default=2500)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if not os.environ.get("REDIS_URL"):
        parser.error("set REDIS_URL: without Redis presence is a dict in the process")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "quizsite.settings")
    import django

    django.setup()
    asyncio.run(measure(args.sockets, args.repeat))


if __name__ == "__main__":
    main()
