"""Answers gathered per contest and process, written in batches.

A hall answers at once: 2,000 phones within two seconds. Written one by one, each answer costs a
thread hop and a transaction of its own, and the process falls seconds behind. Here the answers
that arrive while a batch is being written wait for the next one, so batches grow with the load
and a lone answer is written at once. Every answer is acknowledged only after its batch has
committed, so a process killed mid-batch loses nothing that was acknowledged (the client retries
with the same answer id, which counts once).

What follows a batch (closing the question once everyone has answered, with its broadcast to the
hall, or the screens' progress; telling each answering team's own phones) runs beside the next
batches, not before the acknowledgements:
the close's broadcast took ~100 ms, which every answer arriving meanwhile waited for.
"""

import asyncio
import logging

from channels.db import database_sync_to_async
from django.db import InterfaceError, OperationalError
from django.utils.translation import gettext_lazy as _

from quizsite.batching import Batches

from . import broadcast, services
from .models import ContestAnswer, Opening

log = logging.getLogger(__name__)
MAX_BATCH = 500


async def _write(contest_id: int, submissions: list) -> list:
    """One batch of a contest's answers; then its questions are settled beside the next batches."""
    outcomes = await _record(contest_id, submissions)
    answers = [outcome for outcome in outcomes if isinstance(outcome, ContestAnswer)]
    # Each answer carries its question as the batch's lock found it (the eligible teams are counted from it).
    for opening in {answer.opening_id: answer.opening for answer in answers}.values():
        _beside(_settles.submit(contest_id, opening))
    if answers:
        # One per team (a retry's answer is its team's too): teammates hear of it, not the hall.
        _beside(_announce(contest_id, list({(a.opening_id, a.team_id): a for a in answers}.values())))
    return outcomes


async def _record(contest_id: int, submissions: list) -> list:
    """Each submission's outcome, a failing one `unavailable`: a batch that fails for what an
    answer holds (an id beyond the database's range, a character it cannot store) is written
    again in halves, down to the answers that fail on their own, so that one player's bad answer
    never refuses the others of its batch. A database that cannot be reached fails every answer
    at once: nothing would isolate it, and each retry would wait on the connection."""
    try:
        return await database_sync_to_async(services.answers_submit, thread_sensitive=False)(
            contest_id=contest_id, submissions=submissions, settle=False
        )
    except (OperationalError, InterfaceError):
        log.exception("recording %d answers failed", len(submissions))
    except Exception:
        if len(submissions) > 1:
            # Whatever a half committed before failing is found again as its answers' retries.
            half = len(submissions) // 2
            return await _record(contest_id, submissions[:half]) + await _record(contest_id, submissions[half:])
        log.exception("recording an answer failed")
    unavailable = _("The answer could not be stored just now; it is being sent again.")
    return [services.ContestRejected("unavailable", unavailable)] * len(submissions)


def _beside(work) -> None:
    """Run `work` (a coroutine) beside the next batches."""
    task = asyncio.get_running_loop().create_task(work)
    _settling.add(task)  # held until done: the loop keeps only a weak reference
    task.add_done_callback(_settling.discard)


async def _announce(contest_id: int, answers: list[ContestAnswer]) -> None:
    """Tell each answering team's own phones that its answer is in (`team.answered`)."""
    try:
        await database_sync_to_async(broadcast.team_answers_send, thread_sensitive=False)(contest_id, answers)
    except Exception:
        # The answers are stored; each phone's next snapshot carries its team's answer too.
        log.exception("telling %d teams of their answers failed", len(answers))


async def _settle(_contest_id: int, openings: list[Opening]) -> list[None]:
    """Settle the questions answered since the last settle, each once."""
    for opening in {opening.pk: opening for opening in openings}.values():
        try:
            await database_sync_to_async(services.answers_settle, thread_sensitive=False)(opening=opening)
        except Exception:
            # The answers are stored; the deadline's timer still closes the question.
            log.exception("settling question %d failed", opening.pk)
    return [None] * len(openings)


_writes = Batches(_write, max_batch=MAX_BATCH)
_settling: set[asyncio.Task] = set()
_settles = Batches(_settle, max_batch=MAX_BATCH)


async def submit(contest_id: int, submission: services.Submission) -> ContestAnswer | services.ContestRejected:
    """Queue one answer for this process's next batch; return its outcome once it is committed."""
    return await _writes.submit(contest_id, submission)
