"""What docker-compose runs, run here: the bin/ scripts in production mode, and the compose file."""

import http.client
import json
import os
import re
import shutil
import subprocess
import sys
from urllib.parse import urlsplit

import pytest
import websockets.sync.client
import yaml

from tests.processes import ROOT, production_env, start, start_web, stop, wait_for

REQUIRE_TOOLS = os.environ.get("REQUIRE_SYSTEM_TOOLS") == "1"


def request(port: int, method: str, path: str, *, headers: dict | None = None, body: str | None = None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    base = {"Host": "localhost", "X-Forwarded-Proto": "https"}  # as nginx sends after TLS
    connection.request(method, path, body=body, headers={**base, **(headers or {})})
    response = connection.getresponse()
    return (
        response.status,
        {k.lower(): v for k, v in response.getheaders()},
        response.read().decode(errors="replace"),
        response,
    )


def cookies_from(response) -> dict:
    found = {}
    for header, value in response.getheaders():
        if header.lower() == "set-cookie":
            name, _, rest = value.partition("=")
            found[name] = rest.split(";", 1)[0]
    return found


@pytest.fixture(scope="module")
def released_once(tmp_path_factory):
    """bin/migrate run once for this module against a fresh production database (SQLite), with a
    superuser; returns its folder. Migrating and collecting the static files take most of a
    minute: each test gets a copy of the database (`released`), never this one."""
    folder = tmp_path_factory.mktemp("released")
    env = production_env(folder)
    result = subprocess.run(
        [str(ROOT / "bin" / "migrate")], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr
    create = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "createsuperuser",
            "--noinput",
            "--username",
            "ops",
            "--email",
            "ops@example.com",
        ],
        cwd=ROOT,
        env={**env, "DJANGO_SUPERUSER_PASSWORD": "ops-password-long-2026"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert create.returncode == 0, create.stderr
    return folder


@pytest.fixture
def released(released_once, tmp_path):
    """The production environment on this test's own copy of the migrated database and of the
    collected static files, as bin/migrate left them."""
    shutil.copy(released_once / "prod.sqlite3", tmp_path / "prod.sqlite3")
    shutil.copytree(released_once / "static", tmp_path / "static")
    return production_env(tmp_path)


def test_bin_migrate_collects_static_and_passes_check_deploy(released, tmp_path):
    manifest = json.loads((tmp_path / "static" / "staticfiles.json").read_text())
    assert "css/app.css" in manifest["paths"] and "vendor/bootstrap/bootstrap.min.css" in manifest["paths"]


def test_bin_web_serves_http_and_websockets_from_two_processes(released, tmp_path):
    web, port = start_web({**released, "WEB_WORKERS": "2"}, tmp_path / "web.log")
    try:
        wait_for(lambda: request(port, "GET", "/healthz")[0] == 200, timeout=60, what="bin/web /healthz", process=web)

        def servers_started() -> int:
            return len(set(re.findall(r"Started server process \[(\d+)\]", (tmp_path / "web.log").read_text())))

        # The first process may answer /healthz while the second is still starting.
        wait_for(lambda: servers_started() == 2, timeout=60, what="two server processes", process=web)

        status, headers, body, _ = request(port, "GET", "/")
        assert status == 200 and headers.get("strict-transport-security")
        css = re.search(r'href="(/static/css/app\.[0-9a-f]+\.css)"', body)
        assert css, "static URLs should carry the manifest hash in production"
        assert request(port, "GET", css.group(1))[0] == 200

        plain_http = request(port, "GET", "/", headers={"X-Forwarded-Proto": "http"})
        assert plain_http[0] == 301 and plain_http[1]["location"].startswith("https://")

        # Sign in as a browser would, then open a WebSocket with the session cookie.
        _, _, page, response = request(port, "GET", "/accounts/login/")
        jar = cookies_from(response)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        status, headers, _, response = request(
            port,
            "POST",
            "/accounts/login/",
            headers={
                "Cookie": f"csrftoken={jar['csrftoken']}",
                "Content-Type": "application/x-www-form-urlencoded",
                "Referer": "https://localhost/accounts/login/",
                "Origin": "https://localhost",
            },
            body=f"csrfmiddlewaretoken={token}&username=ops&password=ops-password-long-2026",
        )
        assert status == 302, "demo login through the production server should redirect"
        session = cookies_from(response)["sessionid"]
        with websockets.sync.client.connect(
            f"ws://127.0.0.1:{port}/ws/clock/",
            additional_headers={"Cookie": f"sessionid={session}", "Origin": "https://localhost", "Host": "localhost"},
            open_timeout=10,
        ) as socket:
            socket.send(json.dumps({"type": "time.sync", "client_sent_at": 7}))
            reply = json.loads(socket.recv(timeout=10))
        assert reply["type"] == "time.synced" and reply["client_sent_at"] == 7
    finally:
        stop(web)


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="Celery worker and beat need REDIS_URL (CI sets it)")
def test_bin_worker_answers_and_bin_beat_schedules(released, tmp_path):
    env = {**released, "HOSTNAME": "test"}
    worker = start("worker", {**env, "WORKER_CONCURRENCY": "1"}, tmp_path / "worker.log")
    beat = start("beat", env, tmp_path / "beat.log")
    try:
        # Ping once the worker says it is ready: each ping is a Python process with Django
        # loaded, and one sent before waits its two seconds for nothing.
        wait_for(
            lambda: "ready" in (tmp_path / "worker.log").read_text(),
            timeout=90,
            what="bin/worker to start",
            process=worker,
        )

        def worker_answers() -> bool:
            ping = subprocess.run(
                [sys.executable, "-m", "celery", "-A", "quizsite", "inspect", "ping", "--timeout", "2", "-j"],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=60,
            )
            return ping.returncode == 0 and "worker-test@" in ping.stdout

        wait_for(worker_answers, timeout=90, what="bin/worker to answer a ping", process=worker)
        wait_for(
            lambda: "beat: Starting" in (tmp_path / "beat.log").read_text(),
            timeout=60,
            what="bin/beat to start",
            process=beat,
        )
        assert "DatabaseScheduler" in (tmp_path / "beat.log").read_text()
    finally:
        stop(worker)
        stop(beat)


@pytest.fixture
def compose_config(tmp_path):
    if not shutil.which("docker-compose"):
        if REQUIRE_TOOLS:
            pytest.fail("docker-compose is required here (REQUIRE_SYSTEM_TOOLS=1) but not installed")
        pytest.skip("Debian's docker-compose is not installed (CI installs it)")
    shutil.copy(ROOT / "docker-compose.yml", tmp_path / "docker-compose.yml")
    shutil.copy(ROOT / ".env.example", tmp_path / ".env")
    shutil.copy(ROOT / "deploy" / "db.env.example", tmp_path / "db.env")
    result = subprocess.run(["docker-compose", "config"], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)


def test_compose_file_is_valid_and_runs_the_bin_scripts(compose_config):
    services = compose_config["services"]
    assert set(services) == {"postgres", "redis", "migrate", "web", "worker", "beat", "nginx"}
    assert services["web"]["deploy"]["replicas"] == 2
    assert services["beat"]["deploy"]["replicas"] == 1
    for name in ("migrate", "web", "worker", "beat"):
        script = services[name]["command"][0]
        assert script.startswith("bin/") and os.access(ROOT / script, os.X_OK), name
    assert services["web"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


def test_compose_runs_the_platform_as_the_app_role_and_migrations_as_the_owner(compose_config, tmp_path):
    services = compose_config["services"]
    for name in ("web", "worker", "beat"):
        assert urlsplit(services[name]["environment"]["DATABASE_URL"]).username == "quizsite_app", name
    assert urlsplit(services["migrate"]["environment"]["DATABASE_URL"]).username == "quizsite_owner"
    assert "POSTGRES_USER" not in services["postgres"]["environment"]  # the image's superuser, for init only
    assert any(
        volume.startswith(str(tmp_path / "deploy" / "postgres-init") + ":/docker-entrypoint-initdb.d:")
        for volume in services["postgres"]["volumes"]
    )


def test_nginx_config_proxies_websockets_and_hides_media():
    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    assert re.search(r"location /ws/ \{[^}]*Upgrade \$http_upgrade", conf)
    media = re.search(r"location /protected-media/ \{([^}]*)\}", conf).group(1)
    assert media.split()[0] == "internal;"
    # Through X-Accel-Redirect nginx drops Django's nosniff header: the location adds its own.
    assert "add_header X-Content-Type-Options nosniff always;" in media
    assert "location /media/" not in conf
