"""The API keeps to its own OpenAPI schema: Schemathesis sends requests generated from the schema
to every operation as a signed-in member, organiser and administrator, and checks that nothing
answers 500, that every response (status, content type, body) is one the schema describes, and
that no response shows anything of a unit outside the caller's tree.

Everything outside the callers' tree carries MARKER in its name, so a leak is a substring: the
check cannot miss a field it did not know about. Examples per operation and role: API_FUZZ_EXAMPLES
(small by default, so the module runs in minutes on a loaded two-core machine)."""

import json
import os
from datetime import timedelta
from decimal import Decimal

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, Phase, settings
from schemathesis import checks
from schemathesis.core.failures import Failure

from calls.models import Call
from contests import services as contest_services
from contests.models import Round
from lessons.models import Lesson, Series
from lessons.services import videos
from orgs.models import User
from orgs.tokens import token_issue
from tests import factories

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


def _lesson(unit, title: str, **extra) -> Lesson:
    lesson = videos.lesson_create(title=title, unit=unit, **extra)
    Lesson.objects.filter(pk=lesson.pk).update(status=Lesson.Status.READY, duration_s=Decimal("600.00"))
    return lesson


def _contest(unit, team_unit, members, title: str, bank):
    contest = contest_services.contest_create(title=title, unit=unit, by=None)
    contest_services.team_add(contest=contest, name=f"{title}队", unit=team_unit, legs=members)
    version = factories.question(bank, "single", key=["A"]).current
    contest_services.round_add(contest=contest, type=Round.Type.RELAY, versions=[version])
    return contest


def _call(unit, title: str) -> Call:
    now = timezone.now()
    return Call.objects.create(
        title=title,
        unit=unit,
        kind=Call.Kind.ESSAY,
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=1),
    )


@pytest.fixture
def world(tree):
    """The callers' tree (审计署, 财政部), and a tree outside it whose every name has MARKER."""
    member = factories.member(tree["gz1"], username="fuzz-member", real_name="张成员")
    organiser = factories.organiser(tree["gz"], username="fuzz-organiser", real_name="广州组织者")
    administrator = factories.administrator(tree["audit"], username="fuzz-admin", real_name="审计署管理员")
    other = factories.unit_at(f"{MARKER}局", kind="organ")
    other_branch = factories.unit_at(f"{MARKER}局/{MARKER}支部")
    strangers = [factories.member(other_branch, username=f"zzleak{n}", real_name=f"{MARKER}成员{n}") for n in range(2)]
    factories.organiser(other, username="zzleak-organiser", real_name=f"{MARKER}组织者")

    bank = factories.bank(tree["audit"], slug="dangzhang")
    questions = [factories.question(bank) for _ in range(3)]
    factories.paper(tree["audit"], mode="daily", questions=questions, title="每日一练")
    factories.paper(tree["audit"], mode="exam", questions=questions, time_limit_s=600, title="党章测验")
    other_bank = factories.bank(other, slug="zzleak-bank")
    factories.paper(other, mode="practice", questions=[factories.question(other_bank)], title=f"{MARKER}练习")

    series = Series.objects.create(slug="dangzhang", title="党章讲堂", unit=tree["audit"])
    _lesson(tree["gz"], "党章第一讲", series=series, required=True)
    other_series = Series.objects.create(slug="zzleak-series", title=f"{MARKER}讲堂", unit=other)
    _lesson(other, f"{MARKER}课", series=other_series)

    _contest(tree["audit"], tree["gz"], [member], "知识竞赛", bank)
    _contest(other, other_branch, strangers, f"{MARKER}竞赛", other_bank)
    factories.ranking_rule(tree["audit"], title="积分排名", slug="points", sources=[{"kind": "points"}])
    factories.ranking_rule(other, title=f"{MARKER}排名", slug="zzleak-rule", sources=[{"kind": "points"}])
    _call(tree["audit"], "学习征文")
    _call(other, f"{MARKER}征文")
    return {"member": member, "organiser": organiser, "administrator": administrator}


@pytest.fixture(params=["member", "organiser", "administrator"])
def caller(request, world) -> User:
    return world[request.param]


@pytest.fixture
def in_process_requests():
    """Requests go straight to Django's WSGI handler in this thread, inside the test's
    transaction: keep Django from closing the connection at each request's end, as its own
    test client does."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_keeps_to_the_schema_for_every_role(case, caller, in_process_requests):
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


def test_the_leak_check_catches_a_caller_who_sees_another_tree(world, in_process_requests):
    """The custom check can fail: a superuser sees every unit, MARKER's among them."""
    superuser = User.objects.create_superuser("root", password=factories.PASSWORD)
    _token, key = token_issue(user=superuser, device="fuzzer")
    case = schema["/api/v1/units/"]["GET"].Case()
    with pytest.raises(BaseExceptionGroup) as raised:
        case.call_and_validate(headers={"Authorization": f"Token {key}"}, checks=[nothing_from_another_tree])
    assert [type(failure) for failure in raised.value.exceptions] == [LeakedAnotherUnit]
