"""Work gathered per event loop and done in batches.

A hall acts at once: 2,000 phones answering within two seconds, or reconnecting within one.
Done one by one, each item costs a thread hop and queries of its own, and the process falls
seconds behind. Here the items submitted while a batch is being done wait for the next one, so
batches grow with the load and a lone item is done at once. Used for answers
(`contests.intake`) and for sockets' sign-ins (`orgs.sockets`).
"""

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field


@dataclass
class _Queue:
    pending: list[tuple[object, asyncio.Future]] = field(default_factory=list)
    drainer: asyncio.Task | None = None


class Batches:
    """`run(key, items)` does one batch of items submitted under `key` and returns their results
    in order; if it raises, every item of that batch gets the exception."""

    def __init__(self, run: Callable[[Hashable, list], Awaitable[list]], *, max_batch: int) -> None:
        self.run, self.max_batch = run, max_batch
        self._queues: dict[tuple[asyncio.AbstractEventLoop, Hashable], _Queue] = {}

    async def submit(self, key: Hashable, item):
        """Queue `item` for this loop's next batch under `key`; return its result once done."""
        loop = asyncio.get_running_loop()
        queue = self._queues.get((loop, key))
        if queue is None:
            for stale in [other for other in self._queues if other[0].is_closed()]:
                del self._queues[stale]  # a finished event loop (tests start one per test)
            queue = self._queues[(loop, key)] = _Queue()
        future = loop.create_future()
        queue.pending.append((item, future))
        if queue.drainer is None or queue.drainer.done():
            queue.drainer = loop.create_task(self._drain(key, queue))
        return await future

    async def _drain(self, key: Hashable, queue: _Queue) -> None:
        while queue.pending:
            batch, queue.pending = queue.pending[: self.max_batch], queue.pending[self.max_batch :]
            try:
                results = await self.run(key, [item for item, _future in batch])
            except Exception as error:
                for _item, future in batch:
                    if not future.done():
                        future.set_exception(error)
                continue
            for (_item, future), result in zip(batch, results, strict=True):
                if not future.done():
                    future.set_result(result)
