"""Fixtures the rankings tests share."""

import pytest

from tests import factories
from tests.module_rows import ModuleRows


@pytest.fixture(scope="module")
def _study_of_the_module(request, django_db_setup, django_db_blocker):
    """`study` (tests/rankings/test_services.py: the tree, six members, their points), built once
    for a module's rolled-back tests (tests/module_rows.py)."""
    from tests.rankings.test_services import build_study

    yield from ModuleRows.built(request, django_db_blocker, lambda: build_study(factories.org_tree()))


@pytest.fixture
def module_study(request, db, _study_of_the_module):
    """`study` as a module built it, each test's changes rolled back. A module whose every
    database test reads `study` (or what is built on it) takes it as its `study`:

        @pytest.fixture
        def study(module_study):
            return module_study
    """
    return _study_of_the_module.copy(request)
