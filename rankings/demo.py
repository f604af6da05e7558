"""Demo rankings: a fortnight of self-study points, a published member ranking and a provisional
unit ranking with an organisation award. Seeding again leaves the same state (idempotent)."""

import random
from datetime import datetime, time, timedelta

from django.utils import timezone

from lessons.services.points import points_award
from orgs.models import User
from orgs.selectors import unit_by_path

from .models import RankingRule, RuleSource
from .services import rule_save, rule_sources_changed, run_execute, run_request, snapshot_approve, snapshot_publish

DAYS = 14


def _points(today) -> None:
    """Daily-quiz points for most members of 审计署 over the last fortnight (the same every time).

    Through the points service, as real answers earn them: one point per right answer, within
    the activity's daily cap. Up to yesterday: today's points come from today's daily quiz, which
    the demo leaves for the member to take (the home page offers it as not done).
    """
    rng = random.Random(2026)
    members = list(User.objects.filter(unit__path__startswith=unit_by_path("审计署").path).order_by("id"))
    for member in members:
        keen = rng.random()
        for back in range(1, DAYS):
            if rng.random() < keen:
                day = today - timedelta(days=back)
                at = timezone.make_aware(datetime.combine(day, time(8, rng.randrange(60))))
                for n in range(rng.randint(1, 5)):  # right answers in that day's quiz
                    points_award(
                        member=member,
                        activity="daily_correct",
                        source_key=f"demo-{day.isoformat()}-{n}",
                        at=at,
                        note="演示",
                    )


def _rule(slug: str, admin: User, today, **fields) -> RankingRule:
    rule = RankingRule.objects.filter(slug=slug).first()
    if rule:
        return rule
    rule = rule_save(
        rule=RankingRule(
            slug=slug,
            unit=unit_by_path("审计署"),
            period_starts_on=today - timedelta(days=DAYS - 1),
            period_ends_on=today,
            **fields,
        ),
        by=admin,
    )
    RuleSource.objects.create(rule=rule, kind=RuleSource.Kind.POINTS)
    rule_sources_changed(rule=rule)
    # Computed as the background sweep would (by no one), so the demo's administrator may approve
    # it alone under the four-eyes rule.
    run, _ = run_request(rule=rule)
    run_execute(run_id=run.pk)
    return rule


def seed(stdout) -> None:
    today = timezone.localdate()
    admin = User.objects.get(username="admin")
    if not RankingRule.objects.exists():
        _points(today)
    members = _rule(
        "demo-study-members",
        admin,
        today,
        title="审计署两周学习积分排行（个人）",
        title_en="National Audit Office: two weeks of study points (members)",
        subject="member",
        group_level=2,
        tie_breaks=["finished_at_asc"],
        prize_mode="count",
        prize_tiers=[
            {"name": "一等奖", "name_en": "First prize", "value": 3},
            {"name": "二等奖", "name_en": "Second prize", "value": 5},
            {"name": "三等奖", "name_en": "Third prize", "value": 10},
        ],
    )
    snapshot = members.snapshots.order_by("-version").first()
    if snapshot and snapshot.status == "draft":
        snapshot_publish(snapshot=snapshot_approve(snapshot=snapshot, by=admin), by=admin)
    _rule(
        "demo-study-offices",
        admin,
        today,
        title="审计署两周学习排行（单位·优秀组织奖）",
        title_en="National Audit Office: two weeks of study (units, organisation award)",
        subject="unit",
        unit_level=2,
        metric="composite",
        composite={"per_capita": 0.6, "participation": 0.4},
        min_participants=3,
        prize_mode="count",
        prize_tiers=[{"name": "优秀组织奖", "name_en": "Excellent organisation award", "value": 1}],
    )
    stdout.write(f"Demo rankings: {RankingRule.objects.count()} rules (one published, one provisional).")
