"""Queue a contest broadcast for after the commit: build each frame once, publish once."""

import json
import threading
import time

from channels.db import database_sync_to_async
from django.db import connections, transaction
from django.db.models import F

from . import fanout

# Who gets which frames: phones a slim public state, screens the whole one, hosts the host state.
PLAYERS, SCREENS, HOSTS = "players", "screens", "hosts"
# Events that change only progress inside a question go to screens and hosts, not to every phone
# (a phone learns of its own team's answer from the acknowledgement).
PROGRESS_EVENTS = {"answer.received", "risk.picked"}
# Events that can change a score or rank; phones get the board only with these (and snapshots).
# Relay times change ranks too, but only matter once the reveal has scored the question.
BOARD_EVENTS = {"contest.started", "question.revealed", "scoreboard", "buzz.foul", "contest.finished"}
# Progress inside a question is sent on a tick, at most this often per contest (twice a second:
# screens show how many have answered, which people read no faster), by whichever process claims
# the tick (each would build the same frames). A tick that took long to build
# (a hall of 1,000 teams answering at once, with every answer on the host's frame) spaces the
# next ones out, up to a second apart, so that ticks take at most a fifth of a process.
PROGRESS_INTERVAL_S = 0.5
PROGRESS_INTERVAL_MAX_S = 1.0
PROGRESS_SHARE = 0.2
_progress_pending: set[int] = set()
_progress_built_s: dict[int, float] = {}  # how long each contest's last tick took to build here
_progress_lock = threading.Lock()


def group(contest_id: int, audience: str) -> str:
    return f"{contest_id}:{audience}"


def after_commit(contest, event: str) -> None:
    """Queue the contest's broadcast of `event` for after the commit. Call inside the change's
    transaction: a change is numbered there (`seq_bump`), which takes the contest's row lock, so
    take that lock before any opening's (as the host's actions do)."""
    contest_id = contest.pk
    if event in PROGRESS_EVENTS:
        transaction.on_commit(lambda: _progress_soon(contest_id, event), robust=True)
        return
    seq = seq_bump(contest_id)
    # Robust: the change is committed whatever happens to its frames, so the caller (a host
    # waiting for an acknowledgement) must not see an error; snapshots make up for lost frames.
    transaction.on_commit(lambda: send_now(contest_id, event, seq=seq), robust=True)


def seq_bump(contest_id: int) -> int:
    """The number of the contest's next broadcast, committed with the change. The UPDATE holds the
    contest's row until the commit, so numbers follow the order of the commits."""
    from .models import Contest

    Contest.objects.filter(pk=contest_id).update(seq=F("seq") + 1)
    return current_seq(contest_id)


def current_seq(contest_id: int) -> int:
    """The number of the contest's latest broadcast (committed, though perhaps not yet sent)."""
    from .models import Contest

    return Contest.objects.filter(pk=contest_id).values_list("seq", flat=True).first() or 0


# A tick that cannot go out yet (the change it follows is still on its way) is tried again, a few
# times: it may hold answers that change's frames do not. Several seconds at most.
PROGRESS_RETRIES = 8


def _progress_soon(contest_id: int, event: str, *, retries: int = PROGRESS_RETRIES) -> None:
    """Coalesce progress: a burst of answers makes one broadcast per tick, not one per answer.

    One process claims the tick and flushes when it ends: whatever was committed before another
    process found the tick claimed is in the frames, as the flush reads after the claim expires."""
    interval = progress_interval(contest_id)
    with _progress_lock:
        if contest_id in _progress_pending:
            return
        if not fanout.hot_claim(f"{contest_id}:progress", int(interval * 1000)):
            return
        _progress_pending.add(contest_id)

    def flush() -> None:
        with _progress_lock:
            _progress_pending.discard(contest_id)
        started = time.perf_counter()
        sent = send_now(contest_id, event)
        _progress_built_s[contest_id] = time.perf_counter() - started
        if not sent and retries:
            _progress_soon(contest_id, event, retries=retries - 1)

    loop = fanout.HUB.loop
    if loop is not None and loop.is_running():
        # In a server with sockets: on its thread pool, whose threads keep their database
        # connections (a timer thread would open and close one per tick).
        pooled = database_sync_to_async(flush, thread_sensitive=False)
        loop.call_soon_threadsafe(loop.call_later, interval, lambda: loop.create_task(pooled()))
        return

    def flush_and_close() -> None:
        try:
            flush()
        finally:
            connections.close_all()  # this timer thread ends here

    timer = threading.Timer(interval, flush_and_close)
    timer.daemon = True
    timer.start()


def progress_interval(contest_id: int) -> float:
    """Seconds until the contest's next progress tick: the shortest interval, or longer if the
    last tick built here took more than a fifth of it."""
    built = _progress_built_s.get(contest_id, 0.0)
    return min(PROGRESS_INTERVAL_MAX_S, max(PROGRESS_INTERVAL_S, built / PROGRESS_SHARE))


def send_now(contest_id: int, event: str, *, seq: int | None = None) -> bool:
    """Build the contest's frames for `event` (change number `seq`; progress: at the latest
    change), then publish them one after the other. False if progress could not go out now: a
    change overtook it while it was built, or the change it follows is not published yet.

    Every frame is built and encoded before any is published: building one while this process
    writes another to thousands of sockets would slow that delivery (one GIL). `server_time` is
    stamped when they are ready to go, so clients measure delivery from then.
    """
    from .models import Contest
    from .presenters import host_state, player_state, public_state, stamp

    contest = Contest.objects.get(pk=contest_id)
    progress = event in PROGRESS_EVENTS
    if progress:
        # Progress within a question changes no score, no audit and no next question (each of
        # those moves `seq`): its frames carry the question alone (protocol 6), and clients keep
        # the rest from the frame before. At 1,000 teams the board alone was ~80 KB of each tick.
        seq = contest.seq
        state = public_state(contest, event=event, seq=seq, teams=[])
        del state["teams"]
        frames = {SCREENS: state, HOSTS: host_state(contest, event=event, seq=seq, public=state, progress=True)}
    else:
        state = public_state(contest, event=event, seq=seq)
        frames = {
            PLAYERS: player_state(state, board=event in BOARD_EVENTS),  # the hall first
            SCREENS: state,
            HOSTS: host_state(contest, event=event, seq=seq, public=state),
        }
    stamp(*frames.values())
    encoded = {
        group(contest_id, audience): json.dumps(frame, ensure_ascii=False, separators=(",", ":"))
        for audience, frame in frames.items()
    }
    if not progress:
        fanout.publish_change(contest_id, contest.join_code, seq, encoded)
        return True
    if current_seq(contest_id) != seq:
        return False  # a change went out while this was built: its frames are newer than these
    return fanout.publish_progress(contest_id, contest.join_code, seq, encoded)


def team_answers_send(contest_id: int, answers: list) -> None:
    """Tell each team whose answer is in (`answers`, committed) on its own phones only, never the
    hall's: a `team.answered` frame per team, published once for the lot. A teammate's phone then
    stops offering buttons its team can no longer use."""
    from orgs.models import User

    from . import protocol
    from .presenters import team_answer

    names = {
        pk: real_name or username
        for pk, real_name, username in User.objects.filter(pk__in={a.member_id for a in answers}).values_list(
            "pk", "real_name", "username"
        )
    }
    by_question: dict[int, dict[int, str]] = {}
    for answer in answers:
        by_question.setdefault(answer.opening_id, {})[answer.team_id] = protocol.team_answered(
            team_answer(
                opening_id=answer.opening_id,
                team_id=answer.team_id,
                member_id=answer.member_id,
                name=names.get(answer.member_id, ""),
                response=answer.response,
                received_at=answer.received_at,
            )
        )
    for opening_id, frames in by_question.items():
        fanout.publish_team_frames(contest_id, opening_id, frames)
