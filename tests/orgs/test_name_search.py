"""The pickers find what a Chinese office worker types: a name's pinyin in full (zhangsan, "zhang
san") or by initials (zs), a surname spelled as a surname (曾 zeng, not ceng), a unit by its name
in either language on any page, and a member by phone both on the server and in the picker's own
filter. Before, only the characters (and, on the server, the phone) were matched: "zs" found no
one, an English page's unit list matched English names only, and a member the server found by
phone was dropped by the picker's filter. The bulk bar's unit list offered closed units, which
the form then refused."""

import json
import re

import pytest
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from contests.models import Team
from contests.wizard import services as wizard
from orgs import services
from orgs.name_search import full_spelling, full_spelling_pattern, initials, initials_pattern
from orgs.selectors import member_search
from orgs.sorting import name_sort_key, person_sort_key
from tests import factories

# Each name's spellings worked out by hand from its reading: syllables without tones, and the
# first letter of each syllable (or Latin word).
SPELLINGS = {
    "第一党支部": ("diyidangzhibu", "dydzb"),
    "广州特派办": ("guangzhoutepaiban", "gztpb"),
}
PEOPLE_SPELLINGS = {
    "张三": ("zhangsan", "zs"),
    "曾国藩": ("zengguofan", "zgf"),  # 曾 as a surname reads zeng (orgs.sorting), not ceng
    "单雄信": ("shanxiongxin", "sxx"),  # 单 as a surname reads shan, not dan
    "Li Wei": ("li0wei", "lw"),  # a Latin name's words, the space a separator
}


@pytest.mark.parametrize(("name", "spelled"), SPELLINGS.items())
def test_a_units_name_is_spelled_in_full_and_by_initials(name, spelled):
    key = name_sort_key(name)
    assert (full_spelling(key), initials(key)) == spelled


@pytest.mark.parametrize(("name", "spelled"), PEOPLE_SPELLINGS.items())
def test_a_persons_name_is_spelled_with_the_surname_read_as_one(name, spelled):
    key = person_sort_key(name)
    assert (full_spelling(key), initials(key)) == spelled


# Keys as orgs.sorting writes them (syllables closed by a tone digit, zero-padded numbers, 0
# between words, another script's letter as it is) and words as someone types them.
KEYS = st.text(alphabet="abgnsz0123456я", max_size=14)
WORDS = st.text(alphabet="abgnsz", min_size=1, max_size=5)


@settings(max_examples=400, deadline=None)
@given(key=KEYS, word=WORDS)
def test_the_servers_patterns_match_exactly_the_spellings_the_picker_filters(key, word):
    """What SQL matches (a regular expression over the stored key) is what the picker's filter
    matches (the word inside the spelling its option carries), so neither drops the other's."""
    assert bool(re.search(full_spelling_pattern(word), key)) == (word in full_spelling(key))
    assert bool(re.search(initials_pattern(word), key)) == (word in initials(key))


@pytest.fixture
def people(tree, gz_organiser):
    made = {
        name: factories.member(tree["gz1"], real_name=name, phone=phone)
        for name, phone in (
            ("张三", "13800138000"),
            ("张山", ""),  # zhang1shan1: zs too, but not zhangsan
            ("曾国藩", ""),
            ("李四", "13912345678"),
        )
    }
    factories.member(tree["budget"], real_name="张森")  # another organ's: never found
    return made


def _found(user, text) -> list[str]:
    return sorted(member.real_name for member in member_search(user, text=text))


@pytest.mark.django_db
def test_the_member_search_finds_a_name_by_its_pinyin_in_full_or_by_initials(people, gz_organiser):
    assert _found(gz_organiser, "zhangsan") == ["张三"]
    assert _found(gz_organiser, "zhang san") == ["张三"]  # each word matches; 张山 is zhang shan
    assert _found(gz_organiser, "ZS") == ["张三", "张山"]
    assert _found(gz_organiser, "zhangs") == ["张三", "张山"]  # typed so far
    assert _found(gz_organiser, "zgf") == _found(gz_organiser, "zengguofan") == ["曾国藩"]
    assert _found(gz_organiser, "cgf") == _found(gz_organiser, "cengguofan") == []  # not 曾's everyday reading
    assert _found(gz_organiser, "张 san") == ["张三"]  # characters and pinyin together
    assert _found(gz_organiser, "13912345678") == ["李四"]
    assert _found(gz_organiser, "zs-") == []  # no spelling: only text, which no one has


def _picker_keeps(row: dict, text: str) -> bool:
    """Whether judge_picker.js's own filter keeps `row` for `text`: every word found, whatever its
    case, in one of the fields it searches (its `searchField`)."""
    fields = ("name", "unit", "employee_no", "username", "phone", "pinyin", "initials", "detail")
    return all(any(word.lower() in str(row.get(field, "")).lower() for field in fields) for word in text.split())


@pytest.mark.django_db
def test_every_member_the_team_search_finds_is_kept_by_the_pickers_own_filter(client, tree, people, gz_organiser):
    contest = wizard.contest_begin(title="知识竞赛", unit=tree["gz"], base_score=100, by=gz_organiser)
    team = Team.objects.create(contest=contest, name="第一党支部", unit=tree["gz1"])
    client.force_login(gz_organiser)
    url = reverse("contests:setup_team_candidates", args=[contest.join_code, team.pk])
    for text, names in (
        ("zs", ["张三", "张山"]),
        ("zengguofan", ["曾国藩"]),
        ("138001", ["张三"]),
        ("li si", ["李四"]),
    ):
        rows = client.get(url, {"q": text}).json()["results"]
        assert sorted(row["name"] for row in rows) == names
        assert all(_picker_keeps(row, text) for row in rows), (text, rows)
    (row,) = client.get(url, {"q": "zgf"}).json()["results"]
    assert (row["pinyin"], row["initials"], row["phone"]) == ("zengguofan", "zgf", "")
    # The page's own list (the first 500, filtered in the browser) carries the same fields.
    page = client.get(reverse("contests:setup_teams", args=[contest.join_code])).content.decode()
    listed = re.search(rf'<option value="{people["张三"].pk}" data-data="([^"]*)"', page).group(1)
    assert json.loads(listed.replace("&quot;", '"'))["phone"] == "13800138000"


def _unit_search(page: str, select_id: str) -> dict[str, str]:
    select = re.search(rf'<select[^>]*id="{select_id}"[^>]*>', page).group(0)
    words = re.search(r'data-unit-search="([^"]*)"', select).group(1)
    return json.loads(words.replace("&quot;", '"').replace("&amp;", "&"))


@pytest.mark.django_db
def test_a_unit_picker_searches_both_languages_names_and_their_pinyin_on_an_english_page(client, tree, gz_organiser):
    for key, english in (("audit", "National Audit Office"), ("gz", "Guangzhou Office"), ("gz1", "First Branch")):
        tree[key].name_en = english
        tree[key].save(update_fields=["name_en"])
    member = factories.member(tree["gz1"], real_name="张三")
    client.force_login(gz_organiser)
    client.cookies["django_language"] = "en"
    page = client.get(reverse("orgs:member_detail", args=[member.pk])).content.decode()
    assert "Guangzhou Office/First Branch</option>" in page  # shown in English
    words = _unit_search(page, "id_unit")
    assert words[str(tree["gz1"].pk)] == (
        "审计署 National Audit Office shenjishu sjs 广州特派办 Guangzhou Office guangzhoutepaiban gztpb"
        " 第一党支部 First Branch diyidangzhibu dydzb"
    )
    assert str(tree["mof"].pk) not in words  # another organ's units are not offered


@pytest.mark.django_db
def test_the_bulk_bar_and_a_role_grant_offer_no_closed_unit(client, tree, gz_organiser):
    member = factories.member(tree["gz1"], real_name="张三")
    gz_admin = factories.administrator(tree["gz"], username="gz-admin")
    services.unit_close(unit=tree["gz2"], by=gz_organiser)
    client.force_login(gz_admin)
    listing = client.get(reverse("orgs:member_list")).content.decode()
    bulk = listing[listing.index('id="bulk-unit"') : listing.index("</select>", listing.index('id="bulk-unit"'))]
    assert f'value="{tree["gz1"].pk}"' in bulk and f'value="{tree["gz2"].pk}"' not in bulk
    assert str(tree["gz2"].pk) not in _unit_search(listing, "bulk-unit")
    detail = client.get(reverse("orgs:member_detail", args=[member.pk])).content.decode()
    grant = detail[detail.index('id="grant_unit"') : detail.index("</select>", detail.index('id="grant_unit"'))]
    assert f'value="{tree["gz1"].pk}"' in grant and f'value="{tree["gz2"].pk}"' not in grant
    # As the member's own form: its unit list does not offer the closed unit either.
    form = detail[detail.index('id="id_unit"') : detail.index("</select>", detail.index('id="id_unit"'))]
    assert f'value="{tree["gz2"].pk}"' not in form
