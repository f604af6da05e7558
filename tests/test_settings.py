"""Settings come from the environment; bad or missing production values stop the start-up."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run_django(env_changes: dict, *args: str) -> subprocess.CompletedProcess:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE")
    }
    env.update(env_changes)
    return subprocess.run(
        [sys.executable, "manage.py", *(args or ("check",))],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_without_secret_key_refuses_to_start():
    result = run_django({"DEBUG": "false"})
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_production_with_the_development_key_refuses_to_start():
    result = run_django(
        {"DEBUG": "false", "SECRET_KEY": "django-insecure-development-only-key-never-use-in-production"}
    )
    assert result.returncode != 0 and "development key" in result.stderr


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("notaurl", "DATABASE_URL is malformed or uses an unsupported database"),
        ("mysqlx://u@h/db", "unsupported database"),
        ("postgres://u:p@host:port/db", "DATABASE_URL is malformed"),
        ("postgres://u@host:5432", "names no database"),
    ],
)
def test_malformed_database_url_is_named_without_leaking_the_password(url, message):
    result = run_django({"DATABASE_URL": url})
    assert result.returncode != 0
    assert message in result.stderr
    assert ":p@" not in result.stderr


def test_malformed_redis_url_is_named():
    result = run_django({"REDIS_URL": "http://localhost:6379"})
    assert result.returncode != 0 and "REDIS_URL must look like" in result.stderr


def test_channel_layer_names_carry_the_redis_database_so_sites_on_one_server_stay_apart():
    # Redis keeps pub/sub channels per server, not per database: two sites (or two test workers)
    # with their own databases on one server must not receive each other's group messages.
    show = "from django.conf import settings; print(settings.CHANNEL_LAYERS['default']['CONFIG']['prefix'])"
    prefixes = [
        run_django({"REDIS_URL": url}, "shell", "-v", "0", "-c", show).stdout.strip()
        for url in ("redis://127.0.0.1:6379/2", "redis://127.0.0.1:6379")
    ]
    assert prefixes == ["asgi:2:", "asgi:0:"]


def test_bad_boolean_is_named():
    result = run_django({"DEBUG": "maybe"})
    assert result.returncode != 0 and "DEBUG='maybe' is not a boolean" in result.stderr


def test_documented_production_environment_passes_check_deploy():
    values = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    # The example's placeholders name compose hosts; check --deploy does not connect to them.
    result = run_django(values, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stderr + result.stdout
    assert "System check identified no issues" in result.stdout


def test_embedded_defaults_need_nothing_set():
    result = run_django({}, "diffsettings", "--all")
    assert result.returncode == 0
    assert "django.db.backends.sqlite3" in result.stdout
    assert "InMemoryChannelLayer" in result.stdout
    assert "CELERY_TASK_ALWAYS_EAGER = True" in result.stdout
    assert "TIME_ZONE = 'Asia/Shanghai'" in result.stdout


def test_an_inline_task_on_the_embedded_defaults_runs_without_a_broker_warning():
    # Celery takes a producer even for a task run inline; without a broker URL kombu pointed it at
    # AMQP on localhost and warned "No hostname was supplied" on every task the demo's seed ran.
    probe = (
        "from quizsite.celery import app\n"
        "def probe():\n"
        "    return 6 * 7\n"
        "print(app.task(probe, name='probe').delay().get())"
    )
    result = run_django({}, "shell", "-c", probe)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "42"
    assert "hostname" not in result.stderr


def database_options(env_changes: dict) -> dict:
    script = (
        "import json; from django.conf import settings; print(json.dumps(settings.DATABASES['default']['OPTIONS']))"
    )
    result = run_django(env_changes, "shell", "-c", script)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_a_sqlite_database_url_gets_the_same_lock_options_as_the_default(tmp_path):
    default = database_options({})
    assert default == {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    assert database_options({"DATABASE_URL": f"sqlite:///{tmp_path / 'named.sqlite3'}"}) == default


def test_db_pool_gives_postgresql_a_pool_and_drops_persistent_connections():
    url = "postgres://quiz:secret@db.internal:5432/quizsite"
    script = (
        "import json; from django.conf import settings; d = settings.DATABASES['default'];"
        " print(json.dumps([d['CONN_MAX_AGE'], d['OPTIONS']]))"
    )
    pooled = run_django({"DATABASE_URL": url, "DB_POOL": "true", "DB_POOL_MAX_SIZE": "5"}, "shell", "-c", script)
    assert pooled.returncode == 0, pooled.stderr
    assert json.loads(pooled.stdout.strip().splitlines()[-1]) == [
        0,
        {"pool": {"min_size": 2, "max_size": 5, "timeout": 10}},
    ]
    plain = run_django({"DATABASE_URL": url}, "shell", "-c", script)
    assert json.loads(plain.stdout.strip().splitlines()[-1]) == [60, {}]
