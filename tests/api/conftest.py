"""Fixtures of the API's schema fuzz (tests/api/fuzz.py, tests/api/test_schema_fuzz*.py)."""

import copy
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils import timezone

from calls.models import Call
from contests import services as contest_services
from contests.models import Round
from lessons.models import Lesson, Series
from lessons.services import videos
from tests import factories
from tests.api.fuzz import MARKER


def _lesson(unit, title: str, **extra) -> Lesson:
    extra.setdefault("published", True)
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


@pytest.fixture(scope="module")
def _world_of_the_module(django_db_setup, django_db_blocker):
    """`world`, built once for a fuzz file (70 operations, a test each) in a transaction that each
    test's own transaction nests in as a savepoint, as Django's `setUpTestData` does: every test
    starts from these rows exactly as built, and the module's end rolls them back. Built with the
    tests' password hasher (tests/conftest.py `_fast_passwords`, function-scoped), so the users and
    their session hashes are what a per-test build made."""
    from django.db import transaction
    from django.test import override_settings

    with django_db_blocker.unblock(), transaction.atomic():
        with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
            built = _build_world(factories.org_tree())
        yield built
        transaction.set_rollback(True)


@pytest.fixture
def world(db, _world_of_the_module):
    """The callers' tree (审计署, 财政部), and a tree outside it whose every name has MARKER: the
    module's rows (`_world_of_the_module`), fresh copies of its Python objects for each test."""
    return copy.deepcopy(_world_of_the_module)


def _build_world(tree) -> dict:
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
