"""What keeps a test's outcome independent of when, and after what, its process runs it."""

import re
from pathlib import Path

from tests.conftest import _CLOCK_MODULES

TESTS = Path(__file__).resolve().parent


def test_no_test_module_keeps_its_own_copy_of_a_clock_the_suite_resets_before_each_test():
    # `from tests.contests.test_online import NOW` binds the value of import time: a worker
    # reaching that module's tests late compared it with the real clock and found attempts expired.
    names = "|".join(re.escape(name) for name in _CLOCK_MODULES)
    copied = re.compile(rf"^from ({names}) import [^\n]*\bNOW\b", re.MULTILINE)
    assert [
        str(path.relative_to(TESTS)) for path in sorted(TESTS.rglob("*.py")) if copied.search(path.read_text())
    ] == []
