"""Queue a contest broadcast for after the commit: build each frame once, publish once."""

import json

from django.db import transaction

from . import fanout

# Who gets which frames: players and screens get the public state; hosts the host state.
ALL, SCREENS, HOSTS = "all", "screens", "hosts"
# Events that change only progress inside a question go to screens, hosts and the answering team,
# not to every player: a hall of thousands should not get a frame per answer.
PROGRESS_EVENTS = {"answer.received", "risk.picked"}


def group(contest_id: int, audience: str) -> str:
    return f"{contest_id}:{audience}"


def after_commit(contest, event: str, *, team_id: int | None = None) -> None:
    contest_id = contest.pk
    transaction.on_commit(lambda: send_now(contest_id, event, team_id=team_id))


def send_now(contest_id: int, event: str, *, team_id: int | None = None) -> None:
    from .models import Contest
    from .presenters import host_state, public_state

    contest = Contest.objects.get(pk=contest_id)
    progress = event in PROGRESS_EVENTS
    seq = fanout.current_seq(contest_id) if progress else fanout.next_seq(contest_id)
    public = json.dumps(public_state(contest, event=event, seq=seq), ensure_ascii=False, separators=(",", ":"))
    if progress:
        fanout.publish(group(contest_id, SCREENS), public)
    else:
        fanout.publish(group(contest_id, ALL), public)
    fanout.publish(group(contest_id, HOSTS), json.dumps(host_state(contest, event=event, seq=seq), ensure_ascii=False))
