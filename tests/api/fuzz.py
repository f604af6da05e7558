"""The API keeps to its own OpenAPI schema: Schemathesis sends requests generated from the schema
to every operation as a signed-in member, organiser and administrator (a test file each,
test_schema_fuzz_*.py, so pytest-xdist can run them on different workers), and checks that
nothing answers 500, that every response (status, content type, body) is one the schema
describes, and that no response shows anything of a unit outside the caller's tree.

Everything outside the callers' tree carries MARKER in its name (the `world` fixture,
tests/api/conftest.py), so a leak is a substring: the check cannot miss a field it did not know
about. Examples per operation and role: API_FUZZ_EXAMPLES (small by default, so each file runs in
minutes on a loaded two-core machine)."""

import json
import os

import schemathesis
from django.core.wsgi import get_wsgi_application
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, Phase, settings
from schemathesis import checks
from schemathesis.core.failures import Failure

from orgs.models import User
from orgs.tokens import token_issue

MARKER = "ZZLEAK"
EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "6"))


def _schema() -> dict:
    generated = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(generated))


schema = schemathesis.openapi.from_dict(_schema())
schema.app = get_wsgi_application()


class LeakedAnotherUnit(Failure):
    def __init__(self, *, operation: str, where: str) -> None:
        super().__init__(
            operation=operation,
            title="Response shows another unit's data",
            message=f"{MARKER} appears in the response: …{where}…",
        )

    @property
    def _unique_key(self) -> str:
        return self.message


@schemathesis.check
def nothing_from_another_tree(ctx, response, case) -> bool | None:
    """No response names anything outside the caller's tree (all of it is named with MARKER)."""
    text = response.content.decode("utf-8", "replace")
    at = text.find(MARKER)
    if at >= 0 and MARKER not in json.dumps(case.query or {}, ensure_ascii=False) + str(case.body):
        raise LeakedAnotherUnit(operation=case.operation.label, where=text[max(0, at - 80) : at + 40])
    return None


every_operation = schema.parametrize()
examples = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


def call_and_validate(case, caller: User) -> None:
    """Send `case` with `caller`'s token; fail on a 500, a response off the schema or a leak."""
    _token, key = token_issue(user=caller, device="fuzzer")
    case.call_and_validate(
        headers={"Authorization": f"Token {key}", "Accept-Language": "en"},
        checks=[
            checks.not_a_server_error,
            checks.status_code_conformance,
            checks.content_type_conformance,
            checks.response_schema_conformance,
            nothing_from_another_tree,
        ],
    )
