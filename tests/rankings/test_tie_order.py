"""Subjects tied on a place list by name in pinyin order (拼音顺序) on the leaderboard, the honour
list and the export; the places, prizes and hashes stay as they were."""

from io import BytesIO

import pytest
from openpyxl import load_workbook

from orgs import services as orgs_services
from orgs.models import User
from rankings import selectors
from rankings.exports import snapshot_workbook
from rankings.services import run_execute, run_request, snapshot_recompute
from tests import factories

# 20 points for 王五, 10 for the others: one first place and five tied second places.
TIED = ["张三", "曾国藩", "Alice Smith", "查良镛", "林一"]
# The tie by hand: alice0smith < lin2yi1 < zeng1guo2fan1 < zha1liang2yong1 < zhang1san1.
TIED_IN_ORDER = ["Alice Smith", "林一", "曾国藩", "查良镛", "张三"]


@pytest.fixture
def snapshot(tree):
    people = {name: factories.member(tree["gz1"], real_name=name) for name in ["王五", *TIED]}
    contest = factories.scored_contest(
        tree["audit"],
        [
            {
                "name": "一队",
                "unit": tree["gz"],
                "members": [
                    {"member": people[name], "unit": tree["gz1"], "events": [(20 if name == "王五" else 10, 1000)]}
                    for name in people
                ],
            }
        ],
    )
    rule = factories.ranking_rule(
        tree["audit"],
        subject="member",
        tie_breaks=[],
        prize_mode="count",
        prize_tiers=[{"name": "一等奖", "value": 1}, {"name": "二等奖", "value": 5}],
        sources=[{"kind": "contest", "contest": contest}],
    )
    run, _created = run_request(rule=rule)
    run = run_execute(run_id=run.pk)
    assert run.status == "done", run.outcome
    return run.snapshot


def _places(rows) -> list[tuple[str, int, str]]:
    return [(row.label, row.place, row.prize) for row in rows]


EXPECTED = [("王五", 1, "一等奖"), *((name, 2, "二等奖") for name in TIED_IN_ORDER)]


def test_the_leaderboard_lists_a_tie_by_pinyin_and_keeps_the_places(snapshot):
    assert _places(selectors.leaderboard_rows(snapshot)) == EXPECTED


def test_the_honour_list_lists_a_tie_by_pinyin(snapshot):
    assert _places(selectors.honour_rows(snapshot)) == EXPECTED


def test_the_export_lists_a_tie_by_pinyin(snapshot):
    sheet = load_workbook(BytesIO(snapshot_workbook(snapshot))).active
    people = {"王五", *TIED}
    names = [cell for row in sheet.iter_rows(values_only=True) for cell in row if cell in people]
    assert names == ["王五", *TIED_IN_ORDER]


def test_a_rename_moves_a_tied_member_and_leaves_places_prizes_and_hashes_alone(snapshot):
    hashes = (snapshot.input_hash, snapshot.rows_hash)
    zhang = snapshot.rows.get(label="张三")
    # 区张三 reads ou1zhang1san1: now between 林一 and 曾国藩.
    member = orgs_services.member_update(member=User.objects.get(pk=zhang.subject_id), real_name="区张三")
    assert member.name_sort == "ou1zhang1san1"
    labels = [row.label for row in selectors.leaderboard_rows(snapshot)]
    assert labels == ["王五", "Alice Smith", "林一", "张三", "曾国藩", "查良镛"]  # the label as ranked
    assert _places(selectors.honour_rows(snapshot))[3] == ("张三", 2, "二等奖")
    snapshot.refresh_from_db()
    assert (snapshot.input_hash, snapshot.rows_hash) == hashes
    assert snapshot_recompute(snapshot=snapshot).ok
