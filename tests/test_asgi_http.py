"""Django's HTTP under the ASGI application: each request's sync work on one thread of a fixed pool."""

import threading

import pytest
from asgiref.testing import ApplicationCommunicator
from django.core import signals

from quizsite.asgi import application
from quizsite.asgi_http import PooledASGIHandler

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


async def fetch(app, path: str, *, cookie: bytes = b"") -> tuple[dict, bytes]:
    """GET `path` from the ASGI `app`: the response's start message and its whole body."""
    headers = [(b"host", b"testserver")] + ([(b"cookie", cookie)] if cookie else [])
    scope = {
        "type": "http",
        "http_version": "1.1",
        "method": "GET",
        "path": path,
        "query_string": b"",
        "headers": headers,
    }
    communicator = ApplicationCommunicator(app, scope)
    await communicator.send_input({"type": "http.request", "body": b""})
    start = await communicator.receive_output(10)
    body = b""
    while True:
        message = await communicator.receive_output(10)
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    await communicator.wait(10)
    return start, body


@pytest.fixture
def request_threads():
    """The names of the threads that sent request_started and request_finished, in order."""
    seen: list[tuple[str, str]] = []

    def started(**kwargs):
        seen.append(("started", threading.current_thread().name))

    def finished(**kwargs):
        seen.append(("finished", threading.current_thread().name))

    signals.request_started.connect(started, weak=False)
    signals.request_finished.connect(finished, weak=False)
    yield seen
    signals.request_started.disconnect(started)
    signals.request_finished.disconnect(finished)


async def test_a_request_runs_start_to_finish_on_a_thread_of_the_processes_pool(request_threads):
    for _ in range(3):
        start, _ = await fetch(application, "/accounts/login/")
        assert start["status"] == 200

    assert [event for event, _ in request_threads] == ["started", "finished"] * 3
    names = {name for _, name in request_threads}
    assert all(name.startswith("http") for name in names), names
    # One request's signals, middleware and view on one thread: started and finished together.
    assert all(request_threads[n][1] == request_threads[n + 1][1] for n in range(0, 6, 2))
    http = application.application_mapping["http"]
    assert isinstance(http, PooledASGIHandler)
    assert len(names) <= http.executor._max_workers


async def test_the_pool_serves_a_signed_in_page_with_its_cookies_and_headers(client, settings):
    from asgiref.sync import sync_to_async

    from tests import factories

    member = await sync_to_async(factories.member)("审计署")
    await sync_to_async(client.force_login)(member)
    name = settings.SESSION_COOKIE_NAME
    cookie = f"{name}={client.cookies[name].value}".encode()
    start, body = await fetch(application, "/me/", cookie=cookie)

    assert start["status"] == 200
    sent = dict(start["headers"])
    assert sent[b"Content-Type"].startswith(b"text/html")
    assert b"Content-Security-Policy" in sent
    assert member.real_name.encode() in body


async def test_a_streamed_file_is_sent_whole_and_closed(tmp_path, settings, request_threads):
    from django.http import FileResponse
    from django.urls import path

    body = bytes(range(256)) * 1024  # four chunks of the handler's 64 KiB
    (tmp_path / "file.bin").write_bytes(body)

    def download(request):
        return FileResponse((tmp_path / "file.bin").open("rb"))

    settings.ROOT_URLCONF = type("urls", (), {"urlpatterns": [path("file/", download)]})
    handler = PooledASGIHandler(threads=2)
    start, sent = await fetch(handler, "/file/")

    assert start["status"] == 200
    assert sent == body
    assert [event for event, _ in request_threads] == ["started", "finished"]
    assert all(name.startswith("http") for _, name in request_threads)
