"""Every URL pattern, requested by the organiser and a member of another organ with real ids of the
demo organ's objects (GET, and POST, PUT and DELETE with an empty body): no page, download or API
answer may show the demo organ's names and titles, none may change its rows, and none may fail with
a server error, nor may a GET with an id no row has (a number past any column's range, a NUL byte).

The patterns come from the URL resolver, so a new one is walked without being listed here; a new
kind of id in a URL fails the test until `ids` below says which object of the demo organ it names.
"""

import hashlib
import itertools
import json
import re
from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from orgs.models import Role, Unit, User
from tests import factories

pytestmark = pytest.mark.django_db

# Not the product's own pages: the admin (superusers only, tested by Django), static files, the
# sign-in pages, the language switch, the health check, the icon and the DRF format-suffix variants.
SKIPPED = re.compile(
    r"^(admin/|static/|accounts/|i18n/|healthz$|favicon\.ico$|api/(schema|docs|redoc)/)|\(\?P<format>|drf_format_suffix"
)
OUTSIDERS = ("outside-organiser", "outside-member")
# The routes of one member's own things (a notebook entry, a self-study attempt): to anyone else
# they answer 404 for every action, as if there were no such entry (not a redirect, not a 403).
OTHER_MEMBERS_OWN = re.compile(r"^study/(notebook/<int:entry_id>|attempts/<int:attempt_id>)/")


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo data (the 审计署 organ's contests, relay, online contest, calls, banks, papers and
    rankings), a lesson in a series, a judged entry, a self-study attempt with a notebook entry, an
    online attempt and an upload of its members; and, in 财政部, an organiser and a member."""
    with django_db_blocker.unblock():
        call_command("seed_demo", "--no-video", stdout=StringIO())
        _owner_extras()
        outside = factories.unit_at("财政部/国库司/国库司党支部")
        organiser = factories.member(factories.unit_at("财政部/国库司"), username=OUTSIDERS[0])
        from orgs import services

        services.role_grant(user=organiser, role=Role.ORGANISER, unit=organiser.unit, by=None)
        factories.member(outside, username=OUTSIDERS[1])
        yield ids()
        call_command("flush", interactive=False, verbosity=0)


def _owner_extras() -> None:
    from calls.models import Assignment, Call, Panel
    from calls.services import entry_create
    from contests.online.models import OnlineContest
    from contests.online.services import online_attempt_start
    from lessons.models import Paper
    from lessons.services import attempts, notebook
    from lessons.services.series import series_create
    from lessons.services.study_rules import study_rule_schedule
    from lessons.services.videos import lesson_create, upload_start
    from orgs.tokens import token_issue

    member, organiser = User.objects.get(username="member"), User.objects.get(username="organiser")
    gz = factories.unit_at("审计署/广州特派办")
    series = series_create(title="广州讲堂", unit=gz)
    lesson = lesson_create(title="广州微党课", unit=gz, by=organiser, series=series, required=True)
    upload_start(lesson=lesson, filename="广州微党课.mp4", size=1000, by=organiser)
    token_issue(user=member, device="广州手机")
    attempt = attempts.attempt_start(paper=Paper.objects.get(title="党章党规练习"), member=member)
    notebook.notebook_add_wrong(member=member, question_id=attempt.items.first().version.question_id)
    online_attempt_start(contest=OnlineContest.objects.exclude(relay__isnull=False).get(), member=member, device="d")
    call = Call.objects.get(kind=Call.Kind.ESSAY)
    panel = Panel.objects.create(call=call, name="广州评审组")
    judge = factories.member(member.unit, real_name="广州评委")
    panel.judges.add(judge)
    entry = entry_create(call=call, author=member, title="广州征文：身边的审计故事")
    Assignment.objects.create(entry=entry, judge=judge, panel=panel)
    study_rule_schedule(
        organ=Unit.objects.get(name="审计署", depth=1),
        by=User.objects.get(username="admin"),
        effective_from=timezone.localdate() + timedelta(days=1),
        min_minutes=0,
        steps=[(30, Decimal("1"))],
        beyond_last="quarters",
    )


def ids() -> dict[str, list]:
    """For each name a URL gives an id, real ids of the demo organ's objects (a route's own prefix
    picks among kinds that share a name: an attempt of self-study or of an online contest)."""
    from calls.models import Assignment, Call, CallField, EntryFile, Panel
    from contests.models import Contest, Round, Team
    from contests.online.models import OnlineAttempt, OnlineContest
    from contests.relay.models import RelayContest, RelayLeg, RelayTeam
    from lessons.models import (
        Attempt,
        Lesson,
        NotebookEntry,
        Paper,
        Question,
        QuestionBank,
        Series,
        StudyHoursRule,
        Upload,
    )
    from notifications.models import Notification
    from orgs.models import ApiToken
    from rankings.models import RankingRun, SnapshotRow

    member = User.objects.get(username="member")
    gz = factories.unit_at("审计署/广州特派办")
    call = Call.objects.get(kind=Call.Kind.ESSAY)
    bank = QuestionBank.objects.get(unit=gz)
    row = SnapshotRow.objects.exclude(prize="").select_related("snapshot__rule").first()
    return {
        "unit_id": [gz.pk],
        "member_id": [member.pk],
        "pk": [member.pk],
        "token_id": [ApiToken.objects.get(user=member).pk],
        "notification_id": [Notification.objects.filter(recipient=member).first().pk],
        "paper_id": [Paper.objects.get(title="广州特派办周周练（演示）").pk],
        "series_id": [Series.objects.get(unit=gz).pk],
        "lesson_id": [Lesson.objects.get(unit=gz).pk],
        "upload_id": [Upload.objects.get().pk],
        "name": ["poster.jpg"],
        "slug": [bank.slug],
        "question_id": [Question.objects.filter(bank=bank).first().pk],
        "version_id": [Question.objects.filter(bank=bank).first().current_id],
        "job_id": [0],
        "study_attempt_id": [Attempt.objects.filter(member=member, online__isnull=True).first().pk],
        "online_attempt_id": [OnlineAttempt.objects.get(attempt__member=member).attempt_id],
        "notebook_entry_id": [NotebookEntry.objects.get(member=member).pk],
        "position": [1],
        "contest_id": list(OnlineContest.objects.values_list("pk", flat=True)),
        "relay_id": [RelayContest.objects.get().pk],
        "relay_team_id": [RelayTeam.objects.first().pk],
        "leg_id": [RelayLeg.objects.filter(status=RelayLeg.Status.WAITING).first().pk],
        "code": [Contest.objects.get().join_code],
        "team_id": [Team.objects.first().pk],
        "round_id": [Round.objects.first().pk],
        "call_id": [call.pk],
        "entry_id": [call.entries.first().pk],
        "file_id": [getattr(EntryFile.objects.filter(entry__call=call).first(), "pk", 0)],
        "field_id": [getattr(CallField.objects.filter(call=call).first(), "pk", 0)],
        "number": [0],
        "page": [0],
        "assignment_id": [Assignment.objects.get().pk],
        "what": ["file"],
        "judge_id": [Assignment.objects.get().judge_id],
        "panel_id": [Panel.objects.get(call=call).pk],
        "pair_id": [0],
        "action": ["publish"],
        "rule_slug": [row.snapshot.rule.slug],
        "subject_id": [row.subject_id],
        "version": [row.snapshot.version],
        "run_id": [RankingRun.objects.first().pk],
        "signed": ["x"],
        "organ_id": [Unit.objects.get(name="审计署", depth=1).pk],
        "rule_version_id": [StudyHoursRule.objects.get().pk],
    }


def patterns() -> list[str]:
    """Every route of the project, as its pattern text, minus SKIPPED."""
    found = []

    def walk(resolver: URLResolver, prefix: str) -> None:
        for entry in resolver.url_patterns:
            route = prefix + str(entry.pattern)
            if isinstance(entry, URLResolver):
                walk(entry, route)
            elif isinstance(entry, URLPattern) and not SKIPPED.search(route):
                found.append(route)

    walk(get_resolver(), "")
    return found


def url_for(route: str, values: dict[str, list]) -> str:
    """The route with each parameter filled with the demo organ's id for it."""

    def value(name: str) -> str:
        if name == "attempt_id":
            name = "online_attempt_id" if "online/" in route else "study_attempt_id"
        elif name == "entry_id" and "notebook" in route:
            name = "notebook_entry_id"
        elif name == "slug" and "rankings" in route:
            name = "rule_slug"
        elif name == "team_id" and "relays" in route:
            name = "relay_team_id"
        elif name == "version_id" and "hours/rules" in route:
            name = "rule_version_id"
        assert name in values, f"{route}: say in ids() which demo object <{name}> names"
        return str(values[name][0])

    path = re.sub(r"<(?:\w+:)?(\w+)>", lambda match: value(match.group(1)), route)
    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda match: value(match.group(1)), path)  # the API router's
    return "/" + path.replace("^", "").replace("$", "").replace("\\", "")


def secrets() -> set[str]:
    """Names and titles of the demo organ that no one outside it may read."""
    from calls.models import Call, Entry
    from contests.models import Contest
    from contests.online.models import OnlineContest
    from lessons.models import Lesson, QuestionBank, Series
    from rankings.models import RankingRule

    audit = Unit.objects.get(name="审计署", depth=1)
    found = set(User.objects.filter(unit__path__startswith=audit.path).values_list("real_name", flat=True))
    for model, field in (
        (Contest, "title"),
        (Call, "title"),
        (Entry, "title"),
        (Lesson, "title"),
        (Series, "title"),
        (QuestionBank, "name"),
        (RankingRule, "title"),
    ):
        found |= set(model.objects.values_list(field, flat=True))
    found |= {online.paper.title for online in OnlineContest.objects.select_related("paper")}
    return {text for text in found if len(text) >= 3}


def fingerprint() -> str:
    """A digest of the demo organ's rows a request could change (not the outsiders' own)."""
    from calls.models import Assignment, Call, Entry, Panel
    from contests.models import Contest, Team, TeamMember
    from contests.online.models import OnlineContest
    from contests.relay.models import RelayLeg, RelayTeam
    from lessons.models import Lesson, NotebookEntry, Paper, Question, QuestionBank, Series, StudyHoursRule, Upload
    from orgs.models import ApiToken, RoleGrant
    from rankings.models import RankingRule, Snapshot

    digest = hashlib.sha256()
    models = (Unit, RoleGrant, ApiToken, QuestionBank, Question, Paper, Series, Lesson, Upload, Contest, Team)
    models += (TeamMember, OnlineContest, RelayTeam, RelayLeg, Call, Entry, Panel, Assignment, RankingRule, Snapshot)
    models += (StudyHoursRule, NotebookEntry)
    for model in models:
        rows = model.objects.order_by("pk").values()
        digest.update(json.dumps(list(rows), default=str, sort_keys=True).encode())
    people = (
        User.objects.exclude(username__in=OUTSIDERS)
        .order_by("pk")
        .values("pk", "username", "real_name", "unit_id", "is_active", "password", "must_change_password")
    )
    digest.update(json.dumps(list(people), default=str).encode())
    return digest.hexdigest()


def test_outsiders_see_and_change_nothing_of_another_organ_on_any_url(demo, settings):
    settings.ALLOWED_HOSTS = ["testserver"]
    hidden = secrets()
    before = fingerprint()
    shown, errors, refused_otherwise, blank = [], [], [], []
    routes = patterns()
    assert len(routes) > 150, len(routes)
    clients = {}
    for username in OUTSIDERS:
        clients[username] = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
        clients[username].force_login(User.objects.get(username=username))
    for username, route in itertools.product(OUTSIDERS, routes):
        client = clients[username]
        url = url_for(route, demo)
        json_body = route.startswith("api/v1/") or route.endswith((".json", "/heartbeat/", "/events/"))
        for method in ("get", "post", "put", "delete"):
            if method == "get":
                response = client.get(url)
            elif json_body:
                response = getattr(client, method)(url, data=json.dumps({}), content_type="application/json")
            else:
                response = (
                    getattr(client, method)(url, {}) if method in ("get", "post") else getattr(client, method)(url)
                )
            content = b"".join(response.streaming_content) if response.streaming else response.content
            text = content.decode(errors="replace")
            if response.status_code >= 500:
                errors.append((username, method, url, response.status_code))
            if method == "get" and response.status_code == 405 and not route.startswith("api/"):
                # A POST-only address opened as a page goes to its page, never a blank 405.
                blank.append((username, url))
            if method == "post" and OTHER_MEMBERS_OWN.search(route) and response.status_code != 404:
                # Another member's notebook entry or attempt is not there for them, whatever the action.
                refused_otherwise.append((username, url, response.status_code))
            leaked = sorted(secret for secret in hidden if secret in text)
            if leaked:
                shown.append((username, method, url, response.status_code, leaked[:3]))
        odd = re.sub(r"<int:\w+>", "99999999999999999999", route)
        odd = url_for(re.sub(r"<(str|slug|uuid|path):\w+>", "%00", odd), demo) if odd != route or "<" in route else ""
        if odd and client.get(odd).status_code >= 500:
            errors.append((username, "get", odd))
    assert not errors, errors
    assert not shown, shown
    assert not refused_otherwise, refused_otherwise
    assert not blank, blank
    assert fingerprint() == before
