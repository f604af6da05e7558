"""Answers gathered per contest and process, written in batches.

A hall answers at once: 2,000 phones within two seconds. Written one by one, each answer costs a
thread hop and a transaction of its own, and the process falls seconds behind. Here the answers
that arrive while a batch is being written wait for the next one, so batches grow with the load
and a lone answer is written at once. Every answer is acknowledged only after its batch has
committed, so a process killed mid-batch loses nothing that was acknowledged (the client retries
with the same answer id, which counts once).

What follows a batch (closing the question once everyone has answered, with its broadcast to the
hall, or the screens' progress) runs beside the next batches, not before the acknowledgements:
the close's broadcast took ~100 ms, which every answer arriving meanwhile waited for.
"""

import asyncio
import logging
from dataclasses import dataclass, field

from channels.db import database_sync_to_async
from django.utils.translation import gettext as _

from . import services
from .models import ContestAnswer

log = logging.getLogger(__name__)
MAX_BATCH = 500


@dataclass
class _Intake:
    contest_id: int
    pending: list[tuple[services.Submission, asyncio.Future]] = field(default_factory=list)
    writer: asyncio.Task | None = None
    to_settle: set[int] = field(default_factory=set)  # questions with answers written since the last settle
    settler: asyncio.Task | None = None

    async def drain(self) -> None:
        while self.pending:
            batch, self.pending = self.pending[:MAX_BATCH], self.pending[MAX_BATCH:]
            submissions = [submission for submission, _future in batch]
            try:
                outcomes = await database_sync_to_async(services.answers_submit, thread_sensitive=False)(
                    contest_id=self.contest_id, submissions=submissions, settle=False
                )
            except Exception:
                log.exception("recording %d answers failed", len(batch))
                unavailable = _("The answer could not be stored just now; it is being sent again.")
                outcomes = [services.ContestRejected("unavailable", unavailable)] * len(batch)
            for (_submission, future), outcome in zip(batch, outcomes, strict=True):
                if not future.done():
                    future.set_result(outcome)
            self.to_settle.update(o.opening_id for o in outcomes if isinstance(o, ContestAnswer))
            if self.to_settle and (self.settler is None or self.settler.done()):
                self.settler = asyncio.get_running_loop().create_task(self.settle())

    async def settle(self) -> None:
        """Settle the questions answered since the last settle, until none are left."""
        while self.to_settle:
            opening_id = self.to_settle.pop()
            try:
                await database_sync_to_async(services.answers_settle, thread_sensitive=False)(opening_id=opening_id)
            except Exception:
                # The answers are stored; the deadline's timer still closes the question.
                log.exception("settling question %d failed", opening_id)


_intakes: dict[tuple[asyncio.AbstractEventLoop, int], _Intake] = {}


async def submit(contest_id: int, submission: services.Submission) -> ContestAnswer | services.ContestRejected:
    """Queue one answer for this process's next batch; return its outcome once it is committed."""
    loop = asyncio.get_running_loop()
    intake = _intakes.get((loop, contest_id))
    if intake is None:
        for key in [key for key in _intakes if key[0].is_closed()]:
            del _intakes[key]  # a finished event loop (tests start one per test)
        intake = _intakes[(loop, contest_id)] = _Intake(contest_id)
    future = loop.create_future()
    intake.pending.append((submission, future))
    if intake.writer is None or intake.writer.done():
        intake.writer = loop.create_task(intake.drain())
    return await future
