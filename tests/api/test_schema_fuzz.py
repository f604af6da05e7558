"""The schema fuzz's leak check (tests/api/fuzz.py) can fail."""

import pytest

from orgs.models import User
from orgs.tokens import token_issue
from tests import factories
from tests.api.fuzz import LeakedAnotherUnit, nothing_from_another_tree, schema


def test_the_leak_check_catches_a_caller_who_sees_another_tree(world, in_process_requests):
    """The custom check can fail: a superuser sees every unit, MARKER's among them."""
    superuser = User.objects.create_superuser("root", password=factories.PASSWORD)
    _token, key = token_issue(user=superuser, device="fuzzer")
    case = schema["/api/v1/units/"]["GET"].Case()
    with pytest.raises(BaseExceptionGroup) as raised:
        case.call_and_validate(headers={"Authorization": f"Token {key}"}, checks=[nothing_from_another_tree])
    assert [type(failure) for failure in raised.value.exceptions] == [LeakedAnotherUnit]
