"""Calls for entries where a member on a phone looks: the Me page links them, and the home page
shows each open call the member may enter, with its deadline (they were only in the ☰ menu)."""

import datetime as dt
from datetime import timedelta

import pytest
from django.utils import timezone

from calls.models import Call
from tests import factories
from tests.calls.conftest import open_essay_call


@pytest.fixture
def member(tree):
    return factories.member(tree["gz1"])


@pytest.mark.parametrize(
    ("language", "heading", "closes", "enter"),
    [
        ("zh-hans", "作品征集", "2099-12-20 18:00 截止", "去投稿"),
        ("en", "Calls for entries", "Closes 20 Dec 2099 18:00", "Enter"),
    ],
)
def test_home_shows_the_open_calls_the_member_may_enter_with_their_deadlines(
    tree, member, language, heading, closes, enter
):
    """Open for 广州 (in the member's audience), closing 20 December 18:00 Shanghai time: shown.
    Closed yesterday, not open yet, or for 京津冀 only: not shown."""
    client = factories.client_in(language, member)
    assert 'id="home-calls"' not in client.get("/").content.decode()  # no call open: no card
    shown = open_essay_call(tree["audit"], title="学习二十大征文")
    Call.objects.filter(pk=shown.pk).update(closes_at=dt.datetime(2099, 12, 20, 10, 0, tzinfo=dt.UTC))  # 18:00 local
    now = timezone.now()
    closed = open_essay_call(tree["audit"], title="已截止的征集")
    Call.objects.filter(pk=closed.pk).update(opens_at=now - timedelta(days=3), closes_at=now - timedelta(days=1))
    later = open_essay_call(tree["audit"], title="尚未开始的征集")
    Call.objects.filter(pk=later.pk).update(opens_at=now + timedelta(days=1), closes_at=now + timedelta(days=3))
    elsewhere = open_essay_call(tree["audit"], title="京津冀的征集")
    elsewhere.audience.set([tree["jjj"]])
    page = client.get("/").content.decode()
    card = page[page.index('id="home-calls"') :].split("</ul>")[0]
    assert heading in card and "学习二十大征文" in card and enter in card
    assert closes in card
    assert f'href="/calls/{shown.pk}/"' in card
    for hidden in ("已截止的征集", "尚未开始的征集", "京津冀的征集"):
        assert hidden not in card


@pytest.mark.parametrize(
    ("language", "link", "badge"), [("zh-hans", "作品征集", "1 个征集中"), ("en", "Calls", "1 open")]
)
def test_the_me_page_links_the_calls_and_counts_the_open_ones(tree, member, language, link, badge):
    open_essay_call(tree["audit"])
    page = factories.client_in(language, member).get("/me/").content.decode()
    calls = page[page.index('id="me-calls"') :].split("</a>")[0]
    assert 'href="/calls/"' in page[page.index('id="me-calls"') - 120 :] and link in calls and badge in calls
