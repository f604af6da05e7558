"""A process a test starts (tests/processes.py `start`) ends with the test's process, even when
that process is ended at once (pytest-timeout's thread method: no `finally`, no teardown)."""

import subprocess
import sys
from pathlib import Path

import pytest

from tests.processes import ROOT, wait_for


def running(pid: int) -> bool:
    """Whether `pid` runs (a zombie left for a parent that does not reap counts as ended)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the parent's death signal is Linux's")
def test_a_started_server_ends_when_the_tests_process_dies_without_stopping_it(tmp_path):
    (tmp_path / "bin").mkdir()
    script = tmp_path / "bin" / "server"
    script.write_text("#!/bin/sh\nexec sleep 600\n")  # bin/ scripts exec their server
    script.chmod(0o755)
    # The test's process: starts the server, then is ended the way pytest-timeout ends it.
    test_process = subprocess.run(
        [
            sys.executable,
            "-c",
            "import os, sys\n"
            f"sys.path.insert(0, {str(ROOT)!r})\n"
            "from pathlib import Path\n"
            "from tests import processes\n"
            f"processes.ROOT = Path({str(tmp_path)!r})\n"
            f"server = processes.start('server', dict(os.environ), Path({str(tmp_path / 'server.log')!r}))\n"
            "print(server.pid, flush=True)\n"
            "os._exit(1)\n",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    pid = int(test_process.stdout.strip())
    try:
        wait_for(lambda: not running(pid), timeout=30, what="the started server to end with the test's process")
    finally:
        if running(pid):
            subprocess.run(["kill", "-KILL", str(pid)], check=False)
