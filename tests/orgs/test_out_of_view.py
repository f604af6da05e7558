"""Another organ's objects are not there: an organiser of 财政部 who types the address of 审计署's
contest, paper, lesson, call, ranking, member (and the rest) gets the very answer an id that names
nothing gets, status and body, on the pages and in the API, so an address cannot tell whether the
object exists (orgs.access: `in_view`, `not_found`, `refuse`). Someone who can see the object but
may not act on it is still refused (403), with a page that says what is missing."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from calls.live import services as night_services
from calls.live.models import Night
from calls.models import Call, Panel
from contests import services as contest_services
from contests.online.services import DrawRule, online_contest_create
from contests.relay.services import relay_create
from lessons.models import Series
from lessons.services import videos
from tests import factories
from tests.calls.conftest import open_essay_call
from tests.module_rows import ModuleRows

MISSING = 987654  # an id no row has


def _audit(tree) -> dict:
    """审计署's objects of every kind, made by its organiser."""
    owner = factories.organiser(tree["audit"], username="audit-organiser")
    bank = factories.bank(tree["audit"], slug="audit-bank")
    for _ in range(2):
        factories.question(bank, "single")
    paper = factories.paper(tree["audit"])
    window = {"opens_at": timezone.now() - timedelta(hours=1), "closes_at": timezone.now() + timedelta(days=1)}
    online = online_contest_create(
        title="网上答题",
        unit=tree["audit"],
        audience=[tree["audit"]],
        rules=[DrawRule(bank=bank, type="single", count=1)],
        by=owner,
        **window,
    )
    relay = relay_create(
        title="接力赛",
        unit=tree["audit"],
        audience=[tree["audit"]],
        rules=[DrawRule(bank=bank, type="single", count=1)],
        by=owner,
        leg_time_limit_s=300,
        **window,
    )
    call = open_essay_call(tree["audit"])
    Call.objects.filter(pk=call.pk).update(kind=Call.Kind.SPEECH)  # presented on a stage: a speech night
    call.refresh_from_db()
    panel = Panel.objects.create(call=call, name="评审组")
    panel.judges.set([factories.member(tree["jjj1"])])
    night_services.night_save(call=call, by=owner, panel=panel, scoring_seconds=60, show_scores=Night.ShowScores.EACH)
    return {
        "owner": owner,
        "bank": bank,
        "paper": paper,
        "online": online,
        "relay": relay,
        "call": call,
        "contest": contest_services.contest_create(title="知识竞赛", unit=tree["audit"], by=owner),
        "lesson": videos.lesson_create(title="党章第一讲", unit=tree["audit"]),
        "series": Series.objects.create(slug="hall", title="讲堂", unit=tree["audit"]),
        "rule": factories.ranking_rule(tree["audit"], sources=[{"kind": "exam", "paper": paper}], slug="audit-rule"),
        "member": factories.member(tree["gz1"], username="gz-member"),
        "unit": tree["gz1"],
        "organ": tree["audit"],
    }


# (what, its address, the address with an id that names nothing), on the pages.
PAGES = [
    ("paper", "/papers/{paper.pk}/edit/", "/papers/{missing}/edit/"),
    ("paper statistics", "/papers/{paper.pk}/statistics/", "/papers/{missing}/statistics/"),
    ("bank", "/banks/{bank.slug}/", "/banks/no-such-bank/"),
    ("lesson", "/lessons/{lesson.pk}/", "/lessons/{missing}/"),
    ("lesson settings", "/lessons/{lesson.pk}/settings/", "/lessons/{missing}/settings/"),
    ("series", "/lessons/series/{series.pk}/", "/lessons/series/{missing}/"),
    ("series management", "/lessons/series/{series.pk}/manage/", "/lessons/series/{missing}/manage/"),
    ("study-hours rule", "/lessons/hours/rules/{organ.pk}/", "/lessons/hours/rules/{missing}/"),
    ("contest setup", "/contests/{contest.join_code}/setup/", "/contests/ZZZZZZ/setup/"),
    ("online contest", "/contests/online/{online.pk}/", "/contests/online/{missing}/"),
    ("online contest dashboard", "/contests/online/manage/{online.pk}/", "/contests/online/manage/{missing}/"),
    ("relay", "/contests/relays/{relay.pk}/", "/contests/relays/{missing}/"),
    ("relay map", "/contests/relays/manage/{relay.pk}/", "/contests/relays/manage/{missing}/"),
    ("call", "/calls/manage/{call.pk}/", "/calls/manage/{missing}/"),
    ("call certificates", "/calls/{call.pk}/certificates.pdf", "/calls/{missing}/certificates.pdf"),
    ("speech night host", "/calls/{call.pk}/night/host/", "/calls/{missing}/night/host/"),
    ("speech night screen", "/calls/{call.pk}/night/screen/", "/calls/{missing}/night/screen/"),
    ("speech night judge", "/calls/{call.pk}/night/judge/", "/calls/{missing}/night/judge/"),
    ("ranking", "/rankings/{rule.slug}/", "/rankings/no-such-rule/"),
    ("ranking management", "/rankings/{rule.slug}/manage/", "/rankings/no-such-rule/manage/"),
    ("ranking rule editor", "/rankings/{rule.slug}/edit/", "/rankings/no-such-rule/edit/"),
    ("member", "/orgs/members/{member.pk}/", "/orgs/members/{missing}/"),
    ("unit", "/orgs/units/{unit.pk}/", "/orgs/units/{missing}/"),
]

# The same in the API (GET, or POST with an empty body).
API = [
    ("GET", "lesson", "/api/v1/lessons/{lesson.pk}/", "/api/v1/lessons/{missing}/"),
    ("POST", "lesson heartbeat", "/api/v1/lessons/{lesson.pk}/heartbeats/", "/api/v1/lessons/{missing}/heartbeats/"),
    ("GET", "bank export", "/api/v1/banks/{bank.slug}/export/", "/api/v1/banks/no-such-bank/export/"),
    ("GET", "online contest", "/api/v1/online/{online.pk}/", "/api/v1/online/{missing}/"),
    ("POST", "online contest start", "/api/v1/online/{online.pk}/attempts/", "/api/v1/online/{missing}/attempts/"),
    ("GET", "relay", "/api/v1/online/relays/{relay.pk}/", "/api/v1/online/relays/{missing}/"),
    ("GET", "ranking", "/api/v1/rankings/{rule.slug}/", "/api/v1/rankings/no-such-rule/"),
    ("POST", "ranking runs", "/api/v1/rankings/{rule.slug}/runs/", "/api/v1/rankings/no-such-rule/runs/"),
    ("GET", "member", "/api/v1/members/{member.pk}/", "/api/v1/members/{missing}/"),
    ("GET", "unit", "/api/v1/units/{unit.pk}/", "/api/v1/units/{missing}/"),
]


def address(template: str, objects: dict) -> str:
    return template.format(missing=MISSING, **objects)


def same_page(response) -> str:
    """The page less what differs on every answer (CSP nonces, CSRF tokens) and its own address
    (the language switch returns to it)."""
    text = response.text.replace(response.request["PATH_INFO"], "ADDRESS")
    text = re.sub(r'nonce="[^"]*"', "", text)
    return re.sub(r'(csrfmiddlewaretoken" value|name="csrf-token" content)="[^"]*"', "", text)


@pytest.fixture(scope="module")
def _rows_of_the_module(request, django_db_setup, django_db_blocker):
    """The tree, 审计署's objects and the stranger, built once for this file's rolled-back tests
    (tests/module_rows.py): no test here changes them, each reads them through the pages."""

    def build():
        tree = factories.org_tree()
        return {
            "tree": tree,
            "audit": _audit(tree),
            "stranger": factories.organiser(tree["mof"], username="mof-organiser"),
        }

    yield from ModuleRows.built(request, django_db_blocker, build)


@pytest.fixture
def _rows(request, db, _rows_of_the_module):
    return _rows_of_the_module.copy(request)


@pytest.fixture
def tree(_rows):
    """A small organisation (tests/conftest.py `tree`), the module's."""
    return _rows["tree"]


@pytest.fixture
def audit(_rows):
    return _rows["audit"]


@pytest.fixture
def stranger(_rows):
    """An organiser of another organ (财政部)."""
    return _rows["stranger"]


@pytest.mark.parametrize(("what", "url", "missing_url"), PAGES, ids=[page[0] for page in PAGES])
def test_another_organs_object_is_a_page_not_found_as_a_missing_id_is(client, audit, stranger, what, url, missing_url):
    client.force_login(stranger)
    client.cookies["django_language"] = "zh-hans"

    theirs = client.get(address(url, audit))
    missing = client.get(address(missing_url, audit))

    assert (theirs.status_code, missing.status_code) == (404, 404), what
    assert same_page(theirs) == same_page(missing)


@pytest.mark.parametrize(("method", "what", "url", "missing_url"), API, ids=[call[1] for call in API])
def test_another_organs_object_is_not_found_in_the_api_as_a_missing_id_is(
    audit, stranger, method, what, url, missing_url
):
    api = APIClient(HTTP_ACCEPT_LANGUAGE="zh-hans")
    api.force_authenticate(stranger)
    send = api.get if method == "GET" else api.post

    theirs = send(address(url, audit), format="json")
    missing = send(address(missing_url, audit), format="json")

    assert (theirs.status_code, missing.status_code) == (404, 404), what
    assert theirs.json() == missing.json()
    assert theirs.json()["error"]["code"] == "not_found"


def test_another_offices_organiser_of_the_same_organ_is_not_shown_the_object_either(client, audit, tree):
    """In view means in a subtree you manage or on the line up from your own unit: 京津冀's
    organiser does not see a member of 广州's branch."""
    client.force_login(factories.organiser(tree["jjj"]))
    theirs = client.get(f"/orgs/members/{audit['member'].pk}/")
    assert theirs.status_code == 404
    assert same_page(theirs) == same_page(client.get(f"/orgs/members/{MISSING}/"))


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("/lessons/{lesson.pk}/settings/", "只有审计署的组织者可以管理此微党课。"),
        ("/papers/{paper.pk}/edit/", "该试卷属于您管理范围之外的单位。"),
        ("/contests/{contest.join_code}/setup/", "只有竞赛所属单位的组织者可以设置。"),
        ("/calls/{call.pk}/night/host/", "只有征集活动所属单位的组织者才能主持演讲比赛现场。"),
        ("/calls/{call.pk}/night/judge/", "您不是本场比赛的评委。"),
    ],
)
def test_one_who_sees_the_object_but_may_not_act_is_told_what_is_missing(client, audit, gz_organiser, url, message):
    """广州特派办's organiser sees what 审计署 addresses to the units below it; a lesson's
    settings, a paper, a contest's setup and a night are its organisers' (403, saying so)."""
    client.force_login(gz_organiser)
    client.cookies["django_language"] = "zh-hans"

    page = client.get(address(url, audit))

    assert page.status_code == 403
    assert message in page.text


def test_a_member_who_sees_a_ranking_may_not_manage_it_and_is_told_so(audit, tree):
    api = APIClient(HTTP_ACCEPT_LANGUAGE="zh-hans")
    api.force_authenticate(factories.member(tree["gz1"]))

    runs = api.post("/api/v1/rankings/audit-rule/runs/")

    assert runs.status_code == 403
    assert runs.json()["error"]["code"] == "forbidden"
    assert "审计署" in runs.json()["error"]["message"]


@pytest.mark.parametrize("page", ["results", "screen", "host"])
def test_a_live_contests_code_of_another_organ_is_refused_as_a_code_no_contest_has(client, audit, stranger, page):
    """A live contest is found by its join code, whose refusals (docs/protocol.md, "Refusals") are
    one per role whether a contest has the code or not: the same answer, status and body."""
    client.force_login(stranger)
    client.cookies["django_language"] = "zh-hans"

    theirs = client.get(f"/contests/{audit['contest'].join_code}/{page}/")
    missing = client.get(f"/contests/ZZZZZZ/{page}/")

    assert theirs.status_code == missing.status_code == 403
    assert same_page(theirs) == same_page(missing)
