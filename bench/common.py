"""What the benchmarks share: Django set up on a fresh test database, the unit tree's path steps,
and the machine's load to print beside the figures.

Each benchmark runs as a script (`python bench/NAME.py`); `bench/` is then on `sys.path`, so
`from common import ...` finds this module.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

STEP_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def step(number: int) -> str:
    """treebeard's 4-character path step for the number-th child (1-based)."""
    digits = ""
    for _ in range(4):
        number, rest = divmod(number, 36)
        digits = STEP_ALPHABET[rest] + digits
    return digits


def needs_postgres(script: str) -> None:
    """Stop with a plain message unless DATABASE_URL points at PostgreSQL."""
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit(f"bench/{script} needs DATABASE_URL pointing at PostgreSQL")


def django_setup(*, sqlite_prefix: str | None = None) -> None:
    """Set up Django with the project's settings. With `sqlite_prefix`, a benchmark that also
    runs on the embedded default gets a scratch SQLite file when DATABASE_URL is not set."""
    if sqlite_prefix:
        os.environ.setdefault("DATABASE_URL", f"sqlite:///{tempfile.mkdtemp(prefix=sqlite_prefix)}/bench.sqlite3")
    os.environ["DJANGO_SETTINGS_MODULE"] = "quizsite.settings"
    import django

    django.setup()


@contextmanager
def fresh_database() -> Iterator[None]:
    """A test database made from DATABASE_URL's for the benchmark and dropped after it: real
    data is never touched. Call after `django_setup`."""
    from django.conf import settings
    from django.test.utils import get_runner

    runner = get_runner(settings)(verbosity=0, interactive=False)
    old_config = runner.setup_databases()
    try:
        yield
    finally:
        runner.teardown_databases(old_config)


def load_average() -> list[float]:
    """The 1, 5 and 15 minute load averages, rounded: the machine's state beside the figures."""
    return [round(value, 2) for value in os.getloadavg()]
