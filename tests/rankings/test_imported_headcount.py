"""Members imported after the headcount day are counted where their results count: the first
week of a platform, ranking last month's self-study with everybody imported today.

The tree (hand-built), self-study points over the period 23 to 30 November 2026 (local days,
Asia/Shanghai), headcount day blank (= 30 November, the cut-off its local midnight ending). Everyone
was imported on 6 December, except 丁 (placed in 第一 since January):

    审计署/广州特派办/第一党支部   甲 24 Nov: 30, 30 Nov 23:30: 5 (the period's last local minutes)
                                 乙 no points
                                 迁 25 Nov: 20, moved to 第二 on 8 December
                                 停 50, deactivated
                                 丁 27 Nov: 40, moved to 第二 at 00:00 on 1 December (after the cut-off)
    审计署/广州特派办/第二党支部   丙 26 Nov: 10; 22 Nov 23:59: 8 and 1 Dec 00:10: 7 (outside the period)
    审计署/广州特派办/第三党支部   戊 no points
    审计署/广州特派办/第四党支部   nobody

    第一: total 35 + 20 + 40 = 95; participants 甲, 迁, 丁 = 3; headcount 甲, 乙, 迁, 丁 = 4
          (the imported ones reach back to their first unit; 丁 was still here at the cut-off;
          停 is deactivated)
    第二: total 10; participants 丙 = 1; headcount 丙 = 1 (迁 was in 第一 then, 丁 too)
    第三: total 0; no participants; headcount 戊 = 1
    第四: total 0; no participants; headcount 0

Before, a member counted in a headcount only from their first placement on: at the cut-off only
丁 was counted, so 第二 and 第三 had no headcount and were not ranked even by total ("no
expected participants"), and 第一 was counted against its 3 participants.
"""

import dataclasses
import datetime as dt
import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from lessons.models import PointEvent
from orgs import services as org_services
from orgs.models import User
from rankings import params as rankings_params
from rankings import services
from tests import factories
from tests.rankings.test_compute import compute
from tests.rankings.test_exports import rows

JANUARY = timezone.make_aware(dt.datetime(2026, 1, 5, 9))
IMPORTED = timezone.make_aware(dt.datetime(2026, 12, 6, 10))


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def earned(member, amount: int, when: dt.datetime) -> None:
    PointEvent.objects.create(
        member=member,
        activity="quiz",
        points=amount,
        day=timezone.localtime(when).date(),
        occurred_at=when,
        source_key=f"{member.username}-{when.isoformat()}",
    )


@pytest.fixture
def imported(db):
    units = {
        "audit": factories.unit_at("审计署", kind="organ"),
        "gz": factories.unit_at("审计署/广州特派办", kind="office"),
    }
    for key, name in (("one", "第一党支部"), ("two", "第二党支部"), ("three", "第三党支部"), ("four", "第四党支部")):
        units[key] = factories.unit_at(f"审计署/广州特派办/{name}", kind="branch")
    people = {}
    for key, name in (("one", "甲"), ("one", "乙"), ("one", "迁"), ("one", "停"), ("two", "丙"), ("three", "戊")):
        people[name] = factories.member(units[key], username=f"u-{name}", real_name=name, at=IMPORTED)
    people["丁"] = factories.member(units["one"], username="u-丁", real_name="丁", at=JANUARY)
    nov = {day: dt.date(2026, 11, day) for day in (22, 24, 25, 26, 27, 30)}
    earned(people["甲"], 30, local(nov[24], 9))
    earned(people["甲"], 5, local(nov[30], 23, 30))
    earned(people["迁"], 20, local(nov[25], 9))
    earned(people["停"], 50, local(nov[24], 9))
    earned(people["丁"], 40, local(nov[27], 9))
    earned(people["丙"], 10, local(nov[26], 9))
    earned(people["丙"], 8, local(nov[22], 23, 59))
    earned(people["丙"], 7, local(dt.date(2026, 12, 1), 0, 10))
    User.objects.filter(pk=people["停"].pk).update(is_active=False)
    org_services.member_move(
        member=people["迁"], unit=units["two"], reason="调动", at=local(dt.date(2026, 12, 8), 9), as_given=True
    )
    org_services.member_move(
        member=people["丁"], unit=units["two"], reason="调动", at=local(dt.date(2026, 12, 1), 0), as_given=True
    )
    return units


def rule(units, **fields):
    fields = {
        "subject": "unit",
        "unit_kinds": ["branch"],
        "period_starts_on": dt.date(2026, 11, 23),
        "period_ends_on": dt.date(2026, 11, 30),
        "slug": f"imported-{fields.get('metric', 'total').replace('_', '-')}",
    } | fields
    return factories.ranking_rule(units["audit"], sources=[{"kind": "points"}], **fields)


def columns(snapshot) -> dict[str, tuple]:
    """Each unit's (total, participants, headcount, place, reason)."""
    return {
        row.label: (float(row.total), row.participants, row.headcount, row.place, row.ineligible_reason)
        for row in snapshot.rows.all()
    }


@pytest.mark.parametrize("by", [{"unit_kinds": ["branch"]}, {"unit_kinds": [], "unit_level": 3}])
def test_a_ranking_by_total_ranks_branches_whose_members_were_imported_after_the_headcount_day(imported, by):
    got = columns(compute(rule(imported, **by, slug=f"imported-{len(by)}-{bool(by['unit_kinds'])}")))
    assert got == {
        "第一党支部": (95, 3, 4, 1, ""),
        "第二党支部": (10, 1, 1, 2, ""),
        # Ranked by total, a branch nobody took part for is "no participants", whatever its headcount.
        "第三党支部": (0, 0, 1, None, "no_participants"),
        "第四党支部": (0, 0, 0, None, "no_participants"),
    }


@pytest.mark.parametrize(
    ("metric", "first", "second"),
    [
        ("per_capita", 95 / 4, 10 / 1),
        ("participation", 3 / 4, 1 / 1),
    ],
)
def test_a_metric_divided_by_the_headcount_counts_the_imported_members_and_leaves_out_a_branch_without_one(
    imported, metric, first, second
):
    snapshot = compute(rule(imported, metric=metric))
    got = {
        row.label: (None if row.metric is None else float(row.metric), row.ineligible_reason)
        for row in snapshot.rows.all()
    }
    assert got["第一党支部"] == (pytest.approx(first, abs=1e-4), "")
    assert got["第二党支部"] == (pytest.approx(second, abs=1e-4), "")
    assert got["第三党支部"][1] == "no_participants"
    # Only here, where the metric reads the headcount, does "no headcount" keep a branch out.
    assert got["第四党支部"][1] == "no_headcount"


def test_a_version_computed_before_keeps_its_figures_and_verifies_and_the_next_one_ranks_every_branch(
    imported, monkeypatch
):
    from_rule = rankings_params.RuleParams.from_rule
    monkeypatch.setattr(
        rankings_params.RuleParams,
        "from_rule",
        classmethod(lambda cls, r: dataclasses.replace(from_rule(r), headcount_as_credited=False)),
    )
    admin = factories.administrator(imported["audit"], username="boss", at=JANUARY)
    total = rule(imported)
    old = compute(total)
    assert "headcount_as_credited" not in old.parameters
    # Only 丁 (placed since January) was counted at the cut-off: 第一 against its 3 participants.
    assert columns(old) == {
        "第一党支部": (95, 3, 3, 1, ""),
        "第二党支部": (10, 1, 0, None, "no_headcount"),
        "第三党支部": (0, 0, 0, None, "no_headcount"),
        "第四党支部": (0, 0, 0, None, "no_headcount"),
    }
    services.snapshot_approve(snapshot=old, by=admin)
    services.snapshot_publish(snapshot=old, by=admin)
    monkeypatch.undo()
    assert services.snapshot_recompute(snapshot=old).ok
    new = compute(total)
    assert new.version == old.version + 1 and new.parameters["headcount_as_credited"] is True
    assert new.input_hash != old.input_hash
    assert columns(new)["第二党支部"] == (10, 1, 1, 2, "")
    old.refresh_from_db()
    assert services.snapshot_recompute(snapshot=old).ok and columns(old)["第二党支部"][2] == 0


@pytest.mark.parametrize(
    ("language", "said", "not_ranked"),
    [
        ("zh-hans", "在人数统计日之后才登记所在单位的成员", "未参评：无应参与人员"),
        ("en", "Members first placed in a unit after the headcount day", "Not ranked: no headcount"),
    ],
)
def test_the_board_and_the_export_show_each_branch_counted_and_say_why(client, imported, language, said, not_ranked):
    admin = factories.administrator(imported["audit"], username="boss", at=JANUARY)
    snapshot = compute(rule(imported))
    client.force_login(admin)
    page = client.get(f"/rankings/{snapshot.rule.slug}/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    second = page[page.index("第二党支部") :]
    assert "1 / 1" in second[: second.index("</tr>")]
    assert said in page and not_ranked not in page
    client.cookies["django_language"] = language
    export = client.get(reverse("rankings:export", args=[snapshot.rule.slug]), HTTP_ACCEPT_LANGUAGE=language)
    header, *body = rows(openpyxl.load_workbook(io.BytesIO(export.content)).active)
    names = ("参与人数", "应参与人数") if language == "zh-hans" else ("Participants", "Headcount")
    counted = {
        next(cell for cell in row if isinstance(cell, str) and "党支部" in cell).rsplit("/", 1)[-1]: tuple(
            row[header.index(name)] for name in names
        )
        for row in body
    }
    assert counted == {"第一党支部": (3, 4), "第二党支部": (1, 1), "第三党支部": (0, 1), "第四党支部": (0, 0)}
