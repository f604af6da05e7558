"""Start the project's real processes (bin/ scripts) for tests, and always stop them."""

import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """A port free now, for a server that cannot take a socket (redis-server): another process may
    take it before the server binds it. Start bin/web with `start_web`, which binds first."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(check: Callable[[], bool], *, timeout: float, what: str, process: subprocess.Popen | None = None) -> None:
    """Poll `check` until it is true; fail naming `what` (and the process output) otherwise."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise AssertionError(f"{what}: process exited with {process.returncode}:\n{read_log(process)}")
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError(
        f"timed out after {timeout}s waiting for {what}" + (f":\n{read_log(process)}" if process else "")
    )


def read_log(process: subprocess.Popen) -> str:
    path = getattr(process, "log_path", None)
    return Path(path).read_text(errors="replace")[-4000:] if path else ""


def _prctl():
    try:
        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):  # not Linux
        return None


_PRCTL = _prctl()  # looked up here: between fork and exec the child only calls it
PR_SET_PDEATHSIG = 1


def _ends_with_this_process() -> None:
    """In the child before exec: SIGTERM when the process that started it dies (Linux). Every
    bin/ script execs its server, so the signal reaches the server itself."""
    if _PRCTL is not None:
        _PRCTL(PR_SET_PDEATHSIG, signal.SIGTERM)


def start(script: str, env: dict, log_path: Path, *, pass_fds: tuple[int, ...] = ()) -> subprocess.Popen:
    """Run bin/<script> in its own process group, output to `log_path`. It also ends when this
    process dies without stopping it: pytest-timeout ends a stuck test's process at once (no
    `finally`, no fixture teardown), and a Celery worker or server left running took tasks from
    the Redis database the replacement worker uses, for a test database no longer there."""
    log = open(log_path, "wb")  # noqa: SIM115  (closed with the process)
    process = subprocess.Popen(
        [str(ROOT / "bin" / script)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        pass_fds=pass_fds,
        preexec_fn=_ends_with_this_process,  # one prctl call, looked up before the fork
    )
    process.log_path = log_path
    process.log_file = log
    return process


def start_web(env: dict, log_path: Path) -> tuple[subprocess.Popen, int]:
    """bin/web serving on a socket bound and listening here first (`WEB_FD`), and its port. A port
    picked free, closed and bound later by uvicorn could be taken in between by another test
    worker's server or by an outgoing connection; this one is the server's from the start, and
    connections made before it is ready wait in the listen queue."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(1024)
    try:
        fd = sock.fileno()
        process = start("web", {**env, "WEB_FD": str(fd)}, log_path, pass_fds=(fd,))
        return process, sock.getsockname()[1]
    finally:
        sock.close()  # the server holds its own copy: the port closes when the server ends


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)
    process.log_file.close()


def production_env(tmp_path: Path, **overrides: str) -> dict:
    """The documented production environment (.env.example), pointed at local test resources."""
    dropped = ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    for line in (ROOT / ".env.example").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            key, _, value = line.partition("=")
            env[key.strip()] = value.strip()
    env.update(
        PYTHON=sys.executable,
        DATABASE_URL=f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        STATIC_ROOT=str(tmp_path / "static"),
        MEDIA_ROOT=str(tmp_path / "media"),
        ALLOWED_HOSTS="localhost",
        CSRF_TRUSTED_ORIGINS="https://localhost",
    )
    env.pop("REDIS_URL", None)
    if os.environ.get("REDIS_URL"):
        env["REDIS_URL"] = os.environ["REDIS_URL"]
    env.update(overrides)
    return env


def env_on_test_database(**extra: str) -> dict:
    """This process's environment pointed at the test database (PostgreSQL), for servers and
    workers started by a test. Transactional tests only: they must see committed rows."""
    from django.db import connection

    db = connection.settings_dict
    credentials = quote(db["USER"] or "") + (f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else "")
    dropped = ("DJANGO_ALLOW_ASYNC_UNSAFE",)
    return {
        **{k: v for k, v in os.environ.items() if k not in dropped},
        "DATABASE_URL": f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "PYTHON": sys.executable,
        **extra,
    }


def session_value(user) -> str:
    """A signed-in session for `user`: the value of the session cookie a browser would send."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def session_cookie(user) -> str:
    """The Cookie header of a signed-in browser."""
    from django.conf import settings

    return f"{settings.SESSION_COOKIE_NAME}={session_value(user)}"
