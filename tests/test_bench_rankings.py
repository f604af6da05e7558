"""bench/rankings.py at a tiny size: with --repeat it times every turn afresh and reports the
median turn with every ratio. Figures are not checked (timings belong in docs/benchmarks.md),
only the result's shape."""

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = [
    pytest.mark.bench,
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="bench/rankings.py needs DATABASE_URL pointing at PostgreSQL",
    ),
]


def test_rankings_bench_repeat_reports_every_turn_and_the_median_one():
    # A database name of its own: the bench makes (and drops) its test database from it, which
    # must not be the one this test session runs in.
    url = urlsplit(os.environ["DATABASE_URL"])
    bench_url = urlunsplit(url._replace(path=url.path + "_benchsmoke"))
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECRET_KEY", "DJANGO_SETTINGS_MODULE")}
    env["DATABASE_URL"] = bench_url
    size = ["--members", "300", "--teams", "20", "--units", "30", "--answers", "3000"]
    done = subprocess.run(
        [sys.executable, "bench/rankings.py", *size, "--repeat", "3", "--json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.strip().splitlines()
    result = json.loads(lines[-1])
    assert len(result["ratios"]) == 3
    assert result["ratio"] == result["ratio_median"] == sorted(result["ratios"])[1]
    assert result["ratio_worst"] == max(result["ratios"])
    assert result["rows"] == 300
    # Each turn computed its snapshot afresh (the previous one deleted: version 1, no diff).
    assert sum("member snapshot (300 rows, v1)" in line for line in lines) == 3
    assert {"snapshot_s", "bare_groupby_s", "member_stages_s", "team_snapshot_s", "unchanged_recompute_s"} <= set(
        result
    )
