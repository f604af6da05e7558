"""Property-based: the SQL snapshot agrees with a plain Python reference on random data full of ties.

Hypothesis draws teams, rosters, score events (few distinct points and times, so ties abound),
members who moved unit after the contest or were deactivated, and a rule (subject, metric,
tie-breaks, rank style, group scope, prizes). The reference below reads the same facts through
the ORM and ranks them in Python, written from the rule's definition, not from the SQL.
"""

import math
from collections import defaultdict
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contests.models import ContestAnswer, ScoreEvent, Team, TeamMember
from lessons.models import PointEvent
from orgs.models import MemberPlacement, Unit
from orgs.services import member_move
from rankings.models import SnapshotRow
from rankings.services import run_execute, run_request
from tests import factories

BRANCHES = ["gz1", "gz2", "jjj1", "budget"]


def rounded(value, places=4):
    if value is None:
        return None
    if isinstance(value, Fraction):
        value = Decimal(value.numerator) / Decimal(value.denominator)
    return Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


rule_strategy = st.fixed_dictionaries(
    {
        "subject": st.sampled_from(["member", "team", "team", "unit"]),
        "metric": st.sampled_from(["total", "mean", "per_capita", "participation", "top_k"]),
        "top_k": st.integers(1, 3),
        "member_metric": st.sampled_from(["total", "mean", "best"]),
        "per_group": st.sampled_from([None, None, 1, 2]),
        "tie_breaks": st.lists(st.sampled_from(["time_used_asc", "finished_at_asc", "participants_desc"]), unique=True),
        "rank_style": st.sampled_from(["standard", "dense"]),
        "group_level": st.sampled_from([None, 1, 2]),
        "min_participants": st.integers(0, 2),
        "prize_mode": st.sampled_from(["none", "count", "count", "percent", "band"]),
        "boundary_ties": st.sampled_from(["share", "drop"]),
        "percent_rounding": st.sampled_from(["floor", "ceil", "half_up"]),
        "tiers": st.lists(st.integers(1, 4), min_size=1, max_size=3),
    }
)

team_strategy = st.lists(
    st.fixed_dictionaries(
        {
            "unit": st.sampled_from(["gz", "jjj", "budget"]),
            "members": st.lists(
                st.fixed_dictionaries(
                    {
                        "unit": st.sampled_from(BRANCHES),
                        "moved_to": st.sampled_from([None, None, *BRANCHES]),
                        "active": st.sampled_from([True, True, False]),
                        # Self-study points earned a day before joining (counted in the first
                        # unit) or an hour after any move (counted in the new one).
                        "points": st.lists(st.tuples(st.sampled_from([5, 10]), st.booleans()), max_size=2),
                        "events": st.lists(
                            st.tuples(st.sampled_from([-5, 0, 10, 10, 20]), st.sampled_from([1000, 2000, 2500])),
                            max_size=3,
                        ),
                    }
                ),
                max_size=3,
            ),
            "adjustment": st.sampled_from([0, 0, 5, -5]),
        }
    ),
    min_size=1,
    max_size=5,
)


def rule_fields(spec):
    fields = {key: spec[key] for key in ("tie_breaks", "rank_style", "min_participants", "prize_mode")}
    fields |= {"boundary_ties": spec["boundary_ties"], "percent_rounding": spec["percent_rounding"]}
    fields["subject"] = spec["subject"]
    if spec["subject"] == "member":  # one participant each: refused as a tie-break for members
        fields["tie_breaks"] = [key for key in spec["tie_breaks"] if key != "participants_desc"]
    fields["metric"] = spec["member_metric"] if spec["subject"] == "member" else spec["metric"]
    fields["top_k"] = spec["top_k"]
    if spec["subject"] == "unit":
        fields["unit_level"] = 3 if spec["group_level"] == 2 else 2
    group = spec["group_level"]
    fields["group_level"] = (
        group if not (spec["subject"] == "unit" and group and group >= fields["unit_level"]) else None
    )
    if spec["prize_mode"] == "band":
        fields["prize_tiers"] = [
            {"name": f"T{i}", "value": v} for i, v in enumerate(sorted({t * 10 for t in spec["tiers"]}, reverse=True))
        ]
    elif spec["prize_mode"] == "percent":
        fields["prize_tiers"] = [{"name": f"T{i}", "value": t * 8} for i, t in enumerate(spec["tiers"])]
    else:
        fields["prize_tiers"] = [{"name": f"T{i}", "value": t} for i, t in enumerate(spec["tiers"])]
    if spec["per_group"] and fields["group_level"] and spec["prize_mode"] != "none":
        fields["prize_tiers"][0]["per_group"] = spec["per_group"]
    return fields


def unit_at(member_id, moment):
    """The member's unit at `moment` by the placement history (before the first: the first)."""
    placements = list(MemberPlacement.objects.filter(member_id=member_id).order_by("effective_at", "id"))
    held = [p for p in placements if p.effective_at <= moment]
    return (held[-1] if held else placements[0]).unit_id


def reference(rule, contest):
    """Rank the contest's facts by the rule's definition, in Python. Facts in units outside the
    rule's subtree do not count. A fact counts in the unit at the contest's start (points: in the
    unit of their time); the headcount
    is each active member in their unit now (the rule was saved after every move); a unit's
    participants are the members with a fact credited there, and its headcount is never below
    them (`headcount_as_credited`); a unit without a headcount is left out only where the metric
    divides by it. Deactivated members' facts count only for their team."""
    units = {u.pk: u for u in Unit.objects.filter(path__startswith=rule.unit.path)}
    base = contest.base_score
    facts = []  # (member, team, unit, score, time_s, finished)
    roster = list(TeamMember.objects.filter(contest=contest))
    unit_of = {(p.team_id, p.member_id): p.unit_at_start_id for p in roster}
    for team in Team.objects.filter(contest=contest):
        facts.append((None, team.pk, team.unit_id, Fraction(base), Fraction(0), None, 0))
    for place in roster:
        facts.append((place.member_id, place.team_id, place.unit_at_start_id, Fraction(0), Fraction(0), None, 0))
    for event in ScoreEvent.objects.filter(contest=contest):
        unit = unit_of.get((event.team_id, event.member_id)) or Team.objects.get(pk=event.team_id).unit_id
        # An answer's time comes from the answer itself (below), right or wrong.
        used = Fraction(event.time_used_ms or 0, 1000) if event.opening_id is None else Fraction(0)
        facts.append((event.member_id, event.team_id, unit, Fraction(event.points), used, event.created_at, 0))
    revealed = ContestAnswer.objects.filter(opening__contest=contest, opening__revealed_at__isnull=False)
    for answer in revealed.select_related("opening"):
        unit = unit_of.get((answer.team_id, answer.member_id)) or Team.objects.get(pk=answer.team_id).unit_id
        opened = answer.opening.opened_at
        used = max(Fraction(0), Fraction(str((answer.received_at - opened).total_seconds()))) if opened else Fraction(0)
        facts.append((answer.member_id, answer.team_id, unit, Fraction(0), used, None, 0))
    people = {m.pk: m for m in factories.User.objects.all()}
    if rule.subject != "team":
        for event in PointEvent.objects.all():
            unit = unit_at(event.member_id, event.occurred_at)
            facts.append((event.member_id, None, unit, Fraction(event.points), Fraction(0), event.occurred_at, 1))

    def ancestor(unit_id, level):
        unit = units[unit_id]
        return (
            next((u for u in units.values() if u.path == unit.path[: 4 * level]), None) if unit.depth >= level else None
        )

    per = defaultdict(lambda: [Fraction(0), Fraction(0), None, None])  # (subject, member) -> s, t, fin, unit
    by_source = defaultdict(lambda: defaultdict(Fraction))  # (subject, member) -> source -> score
    for member, team, unit, score, used, fin, source in facts:
        if unit not in units:
            continue
        if rule.subject == "member":
            subject = member
        elif rule.subject == "team":
            subject = team
        else:
            found = ancestor(unit, rule.unit_level)
            subject = found.pk if found else None
        if subject is None:
            continue
        if member is not None and rule.subject != "team" and not people[member].is_active:
            continue
        cell = per[(subject, member)]
        by_source[(subject, member)][source] += score
        cell[0] += score
        cell[1] += used
        if fin is not None and (cell[2] is None or fin > cell[2]):
            cell[2] = fin
        cell[3] = max(cell[3] or "", units[unit].path)
    subjects = defaultdict(list)
    for (subject, member), cell in per.items():
        subjects[subject].append((member, *cell))
    if rule.subject == "unit":
        for unit in units.values():
            if unit.depth == rule.unit_level:
                subjects.setdefault(unit.pk, [])
    heads = defaultdict(int)
    for member in factories.User.objects.filter(unit__in=list(units), is_active=True):
        heads[member.unit_id] += 1

    def counted(subject, member):
        return member is not None

    out = {}
    for subject, parts in subjects.items():
        members = [p for p in parts if counted(subject, p[0])]
        total = sum((p[1] for p in parts), Fraction(0))
        participants = len(members)
        used = rounded(sum((p[2] for p in parts), Fraction(0)), 3)
        fins = [p[3] for p in parts if p[3] is not None]
        finished = max(fins) if fins else None
        if rule.subject == "member":
            headcount, unit_path = 1, max(p[4] for p in parts)
        elif rule.subject == "team":
            team = Team.objects.get(pk=subject)
            headcount = TeamMember.objects.filter(team=team).count()
            unit_path = units[team.unit_id].path if team.unit_id in units else ""
        else:
            unit_path = units[subject].path
            headcount = sum(n for uid, n in heads.items() if units[uid].path.startswith(unit_path))
            headcount = max(headcount, participants)
        scores = sorted((p[1] for p in members), reverse=True)
        k = rule.top_k
        metric = {
            "total": total,
            "mean": (sum(scores, Fraction(0)) / participants) if participants else None,
            "per_capita": (total / headcount) if headcount else None,
            "participation": Fraction(participants, headcount) if headcount else None,
            "top_k": (sum(scores[:k], Fraction(0)) / min(participants, k)) if participants else None,
        }.get(rule.metric)
        if rule.subject == "member":
            # A member's mean is over the sources they have a fact in; best-of is their best source.
            sources = by_source[(subject, subject)]
            metric = {"total": total, "mean": total / len(sources), "best": max(sources.values())}[rule.metric]
        metric = rounded(metric)
        divides = rule.subject != "unit" or rule.metric in ("per_capita", "participation")
        if headcount == 0 and divides:
            reason = "no_headcount"
        elif participants == 0 or metric is None:
            reason = "no_participants"
        elif participants < rule.min_participants:
            reason = "too_few_participants"
        else:
            reason = ""
        group = None
        if rule.group_level and len(unit_path) >= 4 * rule.group_level:
            group = unit_path[: 4 * rule.group_level]
        out[subject] = {
            "metric": metric,
            "total": rounded(total),
            "participants": participants,
            "headcount": headcount,
            "time": used,
            "finished": finished,
            "reason": reason,
            "group": group,
        }

    def key(row):
        parts = [-row["metric"]]
        for tie in rule.tie_breaks:
            if tie == "time_used_asc":
                parts.append(row["time"])
            elif tie == "finished_at_asc":
                parts.append((row["finished"] is None, row["finished"] or 0))
            else:
                parts.append(-row["participants"])
        return tuple(parts)

    eligible = [s for s, row in out.items() if not row["reason"]]
    for row in out.values():
        if row["reason"]:
            row.update(place=None, rank=None, rank_in_group=None, prize="")
            continue
        mine = key(row)
        better = [key(out[o]) for o in eligible if key(out[o]) < mine]
        row["place"] = 1 + len(better)
        row["rank"] = 1 + (len(set(better)) if rule.rank_style == "dense" else len(better))
        row["tied"] = sum(1 for o in eligible if key(out[o]) == mine)
        if row["group"] is None:
            row["rank_in_group"] = None
        else:
            peers = [key(out[o]) for o in eligible if out[o]["group"] == row["group"] and key(out[o]) < mine]
            row["rank_in_group"] = 1 + (len(set(peers)) if rule.rank_style == "dense" else len(peers))
    if any(tier.get("per_group") for tier in rule.prize_tiers) and rule.prize_mode != "none":
        quota_prizes(rule, out, eligible)
        return out
    for subject in eligible:
        row = out[subject]
        row["prize"] = ""
        cumulative = 0
        for tier in rule.prize_tiers if rule.prize_mode != "none" else []:
            if rule.prize_mode == "band":
                if row["metric"] >= Decimal(str(tier["value"])):
                    row["prize"] = tier["name"]
                    break
                continue
            cumulative += tier["value"]
            if rule.prize_mode == "count":
                cutoff = cumulative
            else:
                exact = Fraction(cumulative) * len(eligible) / 100
                cutoff = {
                    "floor": math.floor(exact),
                    "ceil": math.ceil(exact),
                    "half_up": math.floor(exact + Fraction(1, 2)),
                }[rule.percent_rounding]
            last = row["place"] + row["tied"] - 1 if rule.boundary_ties == "drop" else row["place"]
            if last <= cutoff:
                row["prize"] = tier["name"]
                break
    return out


def quota_prizes(rule, out, eligible):
    """Prizes tier by tier when a tier allows at most N per group: among subjects without a prize
    yet, in each group the first N by place (a tie shared, or under "drop" kept whole only if it
    fits), then the tier's cumulative allowance filled in place order by those who passed."""
    drop = rule.boundary_ties == "drop"
    for subject in eligible:
        out[subject]["prize"] = ""
    cumulative = 0
    for tier in rule.prize_tiers:
        if rule.prize_mode == "band":
            cap = None
            candidates = [
                s for s in eligible if not out[s]["prize"] and out[s]["metric"] >= Decimal(str(tier["value"]))
            ]
        else:
            cumulative += tier["value"]
            if rule.prize_mode == "count":
                cap = cumulative
            else:
                exact = Fraction(cumulative) * len(eligible) / 100
                cap = {
                    "floor": math.floor(exact),
                    "ceil": math.ceil(exact),
                    "half_up": math.floor(exact + Fraction(1, 2)),
                }[rule.percent_rounding]
            candidates = [s for s in eligible if not out[s]["prize"]]
        quota = tier.get("per_group")
        passing = []
        for s in candidates:
            group, place = out[s]["group"], out[s]["place"]
            if quota is None or group is None:
                passing.append(s)
                continue
            peers = [o for o in candidates if out[o]["group"] == group]
            ahead = sum(1 for o in peers if out[o]["place"] < place)
            tied = sum(1 for o in peers if out[o]["place"] == place)
            if (ahead + tied if drop else ahead + 1) <= quota:
                passing.append(s)
        prized = sum(1 for s in eligible if out[s]["prize"])
        winners = []
        for s in passing:
            place = out[s]["place"]
            ahead = sum(1 for o in passing if out[o]["place"] < place)
            tied = sum(1 for o in passing if out[o]["place"] == place)
            if cap is None or prized + (ahead + tied if drop else ahead + 1) <= cap:
                winners.append(s)
        for s in winners:
            out[s]["prize"] = tier["name"]


@pytest.mark.django_db
# The same 150 examples on every run (derandomize, as tests/api/fuzz.py): with a fresh random draw
# each run, CI could fail on a clone that passed before without a change, and with another draw on
# the rerun; a failure found here is one that every run reproduces.
@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(teams=team_strategy, spec=rule_strategy)
def test_sql_snapshot_matches_python_reference(tree, teams, spec):
    with transaction.atomic():
        counter = iter(range(1000))
        plan = []
        for index, team in enumerate(teams):
            members = []
            for place in team["members"]:
                unit = tree[place["unit"]]
                person = factories.member(unit, username=f"p{next(counter)}")
                members.append(
                    {
                        "member": person,
                        "unit": unit,
                        "events": place["events"],
                        "moved_to": place["moved_to"],
                        "active": place["active"],
                        "points": place["points"],
                    }
                )
            adjustments = [team["adjustment"]] if team["adjustment"] else []
            plan.append(
                {"name": f"T{index}", "unit": tree[team["unit"]], "members": members, "adjustments": adjustments}
            )
        contest = factories.scored_contest(tree["audit"], plan)
        for team in plan:
            for place in team["members"]:
                if place["moved_to"]:
                    member_move(member=place["member"], unit=tree[place["moved_to"]], reason="transfer")
                now = timezone.now()
                for number, (points, later) in enumerate(place["points"]):
                    moment = now + timedelta(hours=1) if later else now - timedelta(days=1)
                    PointEvent.objects.create(
                        member=place["member"],
                        activity="study",
                        points=points,
                        day=timezone.localdate(moment),
                        occurred_at=moment,
                        source_key=f"k{number}",
                    )
                if not place["active"]:
                    factories.User.objects.filter(pk=place["member"].pk).update(is_active=False)
        # The rule covers 审计署: facts under 财政部 fall outside it and must not count.
        root = Unit.objects.get(pk=tree["audit"].pk)
        sources = [{"kind": "contest", "contest": contest}, {"kind": "points"}]
        rule = factories.ranking_rule(root, sources=sources, **rule_fields(spec))
        run, _ = run_request(rule=rule)
        run = run_execute(run_id=run.pk)
        assert run.status == "done", run.outcome
        got = {row.subject_id: row for row in SnapshotRow.objects.filter(snapshot=run.snapshot)}
        want = reference(rule, contest)
        assert set(got) == set(want)
        for subject, row in want.items():
            have = got[subject]
            assert (have.metric, have.ineligible_reason) == (row["metric"], row["reason"]), subject
            assert (have.place, have.rank, have.rank_in_group) == (row["place"], row["rank"], row["rank_in_group"]), (
                subject,
                row,
            )
            assert have.prize == row["prize"], (subject, row)
            if not row["reason"]:
                assert have.tied_count == row["tied"], (subject, row)
        transaction.set_rollback(True)
