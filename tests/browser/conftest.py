"""Playwright driving Debian's Chromium (never a downloaded browser).

Without /usr/bin/chromium these tests skip and say why, unless REQUIRE_BROWSER=1 (CI), where a
missing browser is a failure.
"""

import contextlib
import os
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent.parent.parent / "test-artifacts"


class _SharedChromium:
    """One Chromium for a run of browser tests in a row, started by the first and stopped before
    the first test after them that does not use it (tests/conftest.py `_no_browser_outside_its_tests`)
    or at the session's end. Playwright's sync API runs an event loop in this thread, which must
    stop before async tests run; and it makes Django refuse the test's own (synchronous, safe) ORM
    calls, so those are allowed only while the browser is up. Every test still gets fresh
    contexts (`page_factory`): no cookie, storage or page is shared between tests. Starting
    Playwright and Chromium for each module cost one to two seconds on each of some 45 modules."""

    def __init__(self) -> None:
        self._playwright = None
        self._browser = None

    @property
    def running(self) -> bool:
        return self._playwright is not None

    def get(self):
        if self._browser is not None and not self._browser.is_connected():
            self.stop()  # crashed: start another
        if self._browser is None:
            from playwright.sync_api import sync_playwright

            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
            self._playwright = sync_playwright().start()
            self._browser = self._playwright.chromium.launch(
                executable_path=CHROMIUM,
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
            )
        return self._browser

    def stop(self) -> None:
        try:
            if self._browser is not None:
                with contextlib.suppress(Exception):  # already gone with a crash
                    self._browser.close()
            if self._playwright is not None:
                self._playwright.stop()
        finally:
            self._browser = self._playwright = None
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


SHARED = _SharedChromium()


@pytest.fixture
def browser():
    """Debian's Chromium, shared by the browser tests that run one after another (`SHARED`)."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"REQUIRE_BROWSER=1 but {CHROMIUM} is missing (apt-get install chromium)")
        pytest.skip(f"{CHROMIUM} is not installed; browser tests need Debian's chromium package")
    return SHARED.get()


@pytest.fixture
def page_factory(browser, request):
    """Pages in fresh contexts. Every browser test is also a Content-Security-Policy test: a
    violation the browser reports on any page (a refused inline script, handler, style, source
    or connection) fails it."""
    contexts = []
    violations: list[str] = []

    def make(*, phone: bool = False, locale: str = "zh-CN", viewport: dict | None = None, timezone_id: str = ""):
        viewport = viewport or ({"width": 390, "height": 844} if phone else {"width": 1280, "height": 900})
        zone = {"timezone_id": timezone_id} if timezone_id else {}
        context = browser.new_context(viewport=viewport, locale=locale, is_mobile=phone, has_touch=phone, **zone)
        context.set_default_timeout(15_000)
        context.on("console", lambda message: _note_csp_violation(message, violations))
        contexts.append(context)
        return context.new_page()

    yield make
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        _screenshot_every_page(contexts, request.node.name)
    _wait_for_pending_console_messages(contexts)
    for context in contexts:
        # A closing page still runs its unload handlers (a player's last heartbeat): refuse what
        # they send, or it could reach the server while the test's database is being flushed.
        context.route("**/*", lambda route: route.abort())
        context.close()
    if contexts and "transactional_db" in request.fixturenames and not _asgi_server_alone(request):
        _wait_for_the_servers_last_database_work()
    assert not violations, "The Content-Security-Policy refused:\n" + "\n".join(violations)


def _asgi_server_alone(request) -> bool:
    """Whether the test's pages reach only `asgi_server`, which waits for the database itself
    once it has stopped (before it, the pages' last requests are still being served; after it,
    they are refused): a second wait here would only add two looks to every browser test."""
    return "asgi_server" in request.fixturenames and "live_server" not in request.fixturenames


def _note_csp_violation(message, violations: list[str]) -> None:
    # Chromium reports each refusal on the console as "Refused to ... because it violates the
    # following Content Security Policy directive: ...".
    if "Content Security Policy" in message.text:
        page = message.page
        violations.append(f"{page.url if page else '?'}: {message.text}")


def _wait_for_pending_console_messages(contexts) -> None:
    """A round trip to every open page, so console messages it logged have been delivered."""
    for page in (page for context in contexts for page in context.pages):
        with contextlib.suppress(Exception):  # a closed or crashed page has nothing more to say
            page.evaluate("0")


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test, so fixtures can tell at teardown that it failed."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def _screenshot_every_page(contexts, test_name: str) -> None:
    """What each page of a failed test showed, in test-artifacts/ of the checkout: evidence of
    a failure seen only once, or only in CI."""
    ARTIFACTS.mkdir(exist_ok=True)
    pages = [page for context in contexts for page in context.pages]
    for number, page in enumerate(pages):
        try:
            page.screenshot(path=str(ARTIFACTS / f"failed-{test_name}-{number}.png"), full_page=True)
        except Exception as error:  # a crashed page: the other pages still count
            print(f"no screenshot of page {number} ({page.url}): {error}")


@pytest.fixture
def screenshot():
    ARTIFACTS.mkdir(exist_ok=True)

    def take(page, name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def asgi_server(transactional_db):
    """The real ASGI application (HTTP, static files and WebSockets) under uvicorn in a thread,
    on the test database. pytest-django's live_server speaks WSGI only, without WebSockets."""
    import socket
    import threading
    import time

    import uvicorn
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler
    from django.db import connection

    from quizsite.asgi import application

    # Requests run in worker threads this fixture cannot reach at teardown: have them close their
    # connections after each use, or the test database could not be dropped.
    persistent, connection.settings_dict["CONN_MAX_AGE"] = connection.settings_dict["CONN_MAX_AGE"], 0
    # The server gets the socket bound here: a port chosen free and bound later by the server
    # could be taken in between (another worker's server), and the server would never start.
    listening = socket.create_server(("127.0.0.1", 0))
    port = listening.getsockname()[1]
    config = uvicorn.Config(
        ASGIStaticFilesHandler(application),
        lifespan="off",
        log_level="warning",
        ws_per_message_deflate=False,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listening]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://localhost:{port}"
    server.should_exit = True
    thread.join(timeout=5)
    if thread.is_alive():
        # Still waiting on an open request (a page's video stream, say) while its page sends
        # heartbeats: stop now, or those requests would write during the database flush.
        server.force_exit = True
        thread.join(timeout=10)
    assert not thread.is_alive(), "uvicorn did not stop"
    listening.close()
    connection.settings_dict["CONN_MAX_AGE"] = persistent
    # Consumers reached the database from asgiref's one sync thread; close what is open there.
    from asgiref.sync import SyncToAsync
    from django.db import connections

    SyncToAsync.single_thread_executor.submit(connections.close_all).result(timeout=10)
    # A page closing at the end of a test may still send a request (a last heartbeat) that is
    # being written as the server stops; flushing the database under it would deadlock.
    _wait_for_the_servers_last_database_work()


def _wait_for_the_servers_last_database_work() -> None:
    """Until no other session works in the test database on two looks in a row: a request that
    had only just arrived shows up on the second."""
    from django.db import connection

    from tests.processes import wait_for

    if connection.vendor != "postgresql":
        return
    looks: list[bool] = []

    def quiet_twice() -> bool:
        looks.append(_no_other_database_work())
        return looks[-2:] == [True, True]

    wait_for(quiet_twice, timeout=15, what="the server's last database work")


def _no_other_database_work() -> bool:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND state IS NOT NULL AND state <> 'idle'"
        )
        return cursor.fetchone()[0] == 0


@pytest.fixture
def demo(transactional_db):
    """The demo data of `seed_demo --no-video` (seeded once a session, copied back: tests/seeded.py)."""
    from tests.seeded import seed_demo

    seed_demo()


@pytest.fixture
def signed_in_page(page_factory, asgi_server):
    """A page already signed in as `user` (session cookie set directly: no login form per page)."""
    from django.conf import settings

    from tests.processes import session_value

    def make(user, **kwargs):
        page = page_factory(**kwargs)
        page.context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": session_value(user),
                    "url": asgi_server,
                }
            ]
        )
        return page

    return make
