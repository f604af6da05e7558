"""Every API operation keeps to the schema, and to the caller's tree, for an administrator
(tests/api/fuzz.py)."""

from tests.api import fuzz


@fuzz.every_operation
@fuzz.examples
def test_every_operation_keeps_to_the_schema_as_administrator(case, world, in_process_requests):
    fuzz.call_and_validate(case, world["administrator"])
