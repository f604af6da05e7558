"""bench/online.py at a tiny size: it runs the stack end to end and loses no acknowledged save.
Figures are not checked (timings belong in docs/benchmarks.md), only the result's shape."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = [
    pytest.mark.bench,
    pytest.mark.skipif(
        not shutil.which("node") or not (ROOT / "node_modules" / "autocannon").exists(),
        reason="the load client needs Node.js and `npm install` (autocannon)",
    ),
]

KEYS = {
    "members",
    "processes",
    "start_p99_ms",
    "save_p99_ms",
    "submit_p99_ms",
    "saves_per_s",
    "floor_per_s",
    "ratio",
    "errors",
    "lost",
}


def test_online_bench_at_a_tiny_size_prints_its_result_and_loses_no_acknowledged_save(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECRET_KEY", "DJANGO_SETTINGS_MODULE")}
    done = subprocess.run(
        [
            sys.executable,
            "bench/online.py",
            "--members",
            "20",
            "--processes",
            "1",
            "--duration",
            "0.5",
            "--rounds",
            "1",
            "--json",
            "--log",
            str(tmp_path / "web.log"),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert KEYS <= set(result)
    assert result["members"] == 20 and result["processes"] == 1
    assert result["lost"] == 0
