"""Rows built once for a test module, every rolled-back test of the module starting from them
exactly as built, as Django's `setUpTestData` does (and the API fuzz's `world`, tests/api/conftest.py).

A module fixture opens a transaction, builds the rows in it and keeps it open while the module's
tests run: each test's own transaction (pytest-django's `db`) nests in it as a savepoint and rolls
back, and the module's end rolls the rows back. Each test gets fresh copies of the built Python
objects (`copy.deepcopy`), so what a test changes on them does not reach the next test; a test
that needs the objects' rows as they are now reads them again, as it did before.

    @pytest.fixture(scope="module")
    def _hall_of_the_module(request, django_db_setup, django_db_blocker):
        yield from ModuleRows.built(request, django_db_blocker, build)

    @pytest.fixture
    def hall(request, db, _hall_of_the_module):
        return _hall_of_the_module.copy(request)

Every database test of such a module takes them (they are there for any test of the module once
built: tests/conftest.py `pytest_runtest_setup` refuses one that does not ask for them). Only
rolled-back tests may use such rows (a transactional or live-server test commits, and other
connections would not see uncommitted rows): `copy` refuses any other test, and before any other
test runs the open module transactions are rolled back (tests/conftest.py `pytest_runtest_setup`).
The build uses the tests' password hasher and a media directory of its own (tests/conftest.py
`_fast_passwords` and `_media_in_tmp` are per test, so not yet in place): a file the build writes
is not in a test's MEDIA_ROOT, so build only rows there.
"""

import copy
import sys
import tempfile

from django.core.cache import cache
from django.db import transaction
from django.test import override_settings

_OPEN: list["ModuleRows"] = []  # innermost last


class ModuleRows:
    def __init__(self, request, blocker, build):
        self.fixture = request.fixturename
        self._blocker = blocker
        self._media = tempfile.TemporaryDirectory(prefix="module-rows-")  # never the project's media/
        cache.clear()  # as each test starts (tests/conftest.py `_empty_cache`): ids repeat between tests
        with blocker.unblock():
            self._atomic = transaction.atomic()
            self._atomic._from_testcase = True  # as Django's TestCase marks its own: durable blocks nest
            self._atomic.__enter__()
            try:
                with override_settings(
                    PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"], MEDIA_ROOT=self._media.name
                ):
                    self._built = build()
            except BaseException:
                self._atomic.__exit__(*sys.exc_info())
                self._media.cleanup()
                raise
        _OPEN.append(self)

    @classmethod
    def built(cls, request, blocker, build):
        """A module fixture's body: `yield from ModuleRows.built(request, django_db_blocker, build)`."""
        rows = cls(request, blocker, build)
        try:
            yield rows
        finally:
            rows.roll_back()

    def copy(self, request):
        """A fresh copy of what `build` returned, for the rolled-back test `request` sets up."""
        from tests.conftest import _in_a_rolled_back_transaction

        if not _in_a_rolled_back_transaction(request.node):
            raise RuntimeError(f"{request.node.nodeid}: rows built once a module are for rolled-back tests only")
        if self not in _OPEN:
            raise RuntimeError(f"{request.node.nodeid}: the module's rows were rolled back before this test")
        return copy.deepcopy(self._built)

    def roll_back(self) -> None:
        """Roll the rows back (and any module's rows opened after them), once."""
        if self not in _OPEN:
            return
        while _OPEN:
            rows = _OPEN.pop()
            with rows._blocker.unblock():
                transaction.set_rollback(True)
                rows._atomic.__exit__(None, None, None)
            rows._media.cleanup()
            if rows is self:
                return


def roll_back_all() -> None:
    """Before a test that is not rolled back: no module's transaction may be open under it."""
    if _OPEN:
        _OPEN[0].roll_back()


def unasked(item) -> list[str]:
    """The module fixtures whose rows are there for this rolled-back test without its asking for
    them: a test of such a module that does not take them would find rows it did not make."""
    fixtures = getattr(item, "fixturenames", ())
    return [rows.fixture for rows in _OPEN if rows.fixture not in fixtures]
