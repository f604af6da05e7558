"""A test module takes the hall built once a module (tests/contests/conftest.py `module_hall`) as
its `hall`, and the hall's tree as its `tree`, by importing these two fixtures:

    from tests.contests.hall_once import hall_built_once, tree_of_the_hall  # noqa: F401 (fixtures)

For modules whose tests do not depend on when the hall was made."""

import pytest


@pytest.fixture(name="hall")
def hall_built_once(module_hall):
    """The hall built once for this module."""
    return module_hall


@pytest.fixture(name="tree")
def tree_of_the_hall(hall):
    """A small organisation (tests/conftest.py `tree`): the hall's."""
    return hall.tree
