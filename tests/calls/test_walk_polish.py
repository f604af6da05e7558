"""What a second walk through a call turned up: the entries table says how each entry came out once
results are published, the honour list writes a place as the entry page does, the judge accounts
page describes the panel picker, and a video entry's upload bar waits for an upload."""

import re

import pytest
from django.urls import reverse

from calls import services
from calls.models import Call
from tests import factories

from .conftest import signed_in
from .test_results import judged, published  # noqa: F401 - fixture


def entry_row(page: str, entry) -> str:
    """The text of the entry's row in the entries table, tags dropped."""
    row = re.search(rf'<tr id="entry-{entry.pk}">(.*?)</tr>', page, re.S).group(1)
    return " ".join(re.sub(r"<[^>]+>", " ", row).split())


def test_after_publishing_the_entries_table_shows_each_entrys_outcome_not_in_judging(
    client,
    published,  # noqa: F811
    essay_call,
    owner,
    gz_organiser,
):
    # Totals 0.6 × content + 0.4 × style, three judges alike: A 90, B 0.6×85 + 0.4×80 = 83, C 70.
    # Prizes by count (1 first, 1 second): A first (place 1), B second (place 2), C none (place 3).
    a, b, c = published["a"], published["b"], published["c"]
    for organiser in (owner, gz_organiser):  # the call's own organiser and the office above the entries
        page = signed_in(client, organiser).get(reverse("calls:manage", args=[essay_call.pk])).text
        rows = [entry_row(page, entry) for entry in (a, b, c)]
        assert not any("评审中" in row for row in rows), rows
        assert "一等奖" in rows[0] and "第 1 名" in rows[0]
        assert "二等奖" in rows[1] and "第 2 名" in rows[1]
        assert "结果已公布" in rows[2] and "第 3 名" in rows[2] and "奖" not in rows[2]


def test_before_publishing_the_entries_table_still_says_in_judging(client, essay_call, tree, panel, owner):
    a, _b = judged(essay_call, tree, panel, owner, [[(90, 90)] * 3, [(85, 80)] * 3])  # locked, not published
    page = signed_in(client, owner).get(reverse("calls:manage", args=[essay_call.pk])).text
    row = entry_row(page, a)
    assert "评审中" in row and "一等奖" not in row


@pytest.mark.parametrize(("language", "place"), [("zh-hans", "第 1 名"), ("en", "Rank 1")])
def test_the_honour_list_writes_a_place_as_the_entry_page_does(
    client,
    published,  # noqa: F811
    essay_call,
    owner,
    language,
    place,
):
    a = published["a"]
    signed_in(client, owner, language)
    honours = client.get(reverse("calls:honours", args=[essay_call.pk])).text
    entry = client.get(reverse("calls:entry", args=[a.pk])).text
    item = re.search(rf'<li [^>]*id="honour-{a.pk}">(.*?)</li>', honours, re.S).group(1)
    assert f"{place} · 90.00" in item
    assert place in re.search(r'id="entry-result"(.*?)</div></div>', entry, re.S).group(1)
    assert "名次" not in item


@pytest.mark.parametrize(
    ("language", "says", "said"),
    [("zh-hans", "“查找评委”框", "用其用户名加入评审组"), ("en", "judge picker", "by its user name")],
)
def test_the_judge_accounts_page_sends_organisers_to_the_panel_picker(client, owner, language, says, said):
    page = signed_in(client, owner, language).get(reverse("calls:judge_accounts")).text
    assert says in page and said not in page


@pytest.mark.parametrize(
    ("language", "headers"),
    [("zh-hans", ["评委", "用户名", "手机或电子邮箱", ""]), ("en", ["Judge", "Username", "Phone or email", ""])],
)
def test_the_judge_accounts_table_is_headed_as_the_member_pages_are(client, owner, language, headers):
    """It said "User name" where the members' pages say "Username", and "phone or email" in lower case."""
    page = signed_in(client, owner, language).get(reverse("calls:judge_accounts")).text
    head = re.search(r'id="judge-table">\s*<thead><tr>(.*?)</tr></thead>', page, re.S).group(1)
    assert re.findall(r"<th>(.*?)</th>", head) == headers


def test_a_video_entrys_upload_bar_is_hidden_until_an_upload_starts(client, essay_call, tree):
    essay_call.kind = Call.Kind.MICRO_CLASS
    essay_call.save()
    author = factories.member(tree["gz1"])
    entry = services.entry_create(call=essay_call, author=author, title="微党课")
    page = signed_in(client, author).get(reverse("calls:entry", args=[entry.pk])).text
    box = re.search(r'<div class="progress[^"]*"[^>]*><div class="progress-bar[^"]*" id="upload-progress"', page)
    assert box and " hidden>" in box.group(0)
