"""Django's HTTP under ASGI with one hop onto a thread a request, from a bounded pool."""

import asyncio
from concurrent.futures import ThreadPoolExecutor

from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers import base
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.http import FileResponse
from django.urls import set_script_prefix


class PooledASGIHandler(ASGIHandler):
    """Django's ASGI handler for sync views and middleware, as all of ours are.

    Django's own handler runs the middleware chain in async mode: under `ThreadSensitiveContext`
    each request starts a thread of its own (and another to join it), and crosses between the
    event loop and that thread at every sync middleware, signal, view and response close
    (docs/benchmarks.md, online contests). Here the body is read on the loop, then the whole
    sync path (signals, middleware, view, closing the response, which hands the database
    connection back) runs in one call on a thread of a pool of `threads`, and the response is sent
    from the loop. The pool bounds how many requests a process runs at once: more would only share
    one core (the GIL) and wait for the database pool's connections, so each would take longer.
    Streaming responses are sent as Django sends them, then closed on the pool."""

    def __init__(self, *, threads: int) -> None:
        base.BaseHandler.__init__(self)
        self.load_middleware(is_async=False)
        self.executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="http")

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:
            return
        loop = asyncio.get_running_loop()
        try:
            response = await loop.run_in_executor(self.executor, self.respond, scope, body_file)
            try:
                await self.send_response(response, send)
            finally:
                if response.streaming:
                    await loop.run_in_executor(self.executor, response.close)
        finally:
            body_file.close()

    def respond(self, scope, body_file):
        """The response to one request, run on a pool thread; closed unless it streams."""
        set_script_prefix(get_script_prefix(scope))
        signals.request_started.send(sender=self.__class__, scope=scope)
        request, response = self.create_request(scope, body_file)
        if request is not None:
            response = self.get_response(request)
            response._handler_class = self.__class__
            if isinstance(response, FileResponse):
                response.block_size = self.chunk_size
        if not response.streaming:
            response.close()
        return response
