"""A demo online preliminary and a demo team relay over days, open now, for 广州特派办: the
member pages (网上答题) and the organiser's dashboard and relay map have something to show."""

from datetime import timedelta

from django.utils import timezone

from lessons.models import Paper, QuestionBank
from orgs.models import User
from orgs.selectors import unit_by_path

from ..relay import services as relay_services
from ..relay.models import RelayContest
from . import services
from .models import OnlineContest

TITLE = "2026 年党史知识网上答题（演示）"
TITLE_EN = "2026 Party history online quiz (demo)"
RELAY_TITLE = "党章党规接力赛（演示）"
RELAY_TITLE_EN = "Party constitution relay (demo)"


def seed(stdout) -> None:
    office = unit_by_path("审计署/广州特派办")
    bank = QuestionBank.objects.get(slug="demo-dangzhang")
    organiser = User.objects.get(username="organiser")
    now = timezone.now()
    # Both open since an hour ago, for the whole office, set up by the demo organiser.
    common = {"unit": office, "audience": [office], "opens_at": now - timedelta(hours=1), "by": organiser}
    contest = OnlineContest.objects.filter(paper__title=TITLE).select_related("paper").first()
    if contest is None:
        contest = services.online_contest_create(
            title=TITLE,
            title_en=TITLE_EN,
            **common,
            closes_at=now + timedelta(days=14),
            rules=[
                services.DrawRule(bank=bank, count=4, type="single"),
                services.DrawRule(bank=bank, count=3, type="multiple"),
                services.DrawRule(bank=bank, count=3, type="true_false"),
            ],
            description="每人随机抽取 10 题，限时 15 分钟，可答两次，取最高分。",
            description_en="10 questions drawn for each member, 15 minutes; two attempts, the best one counts.",
            max_attempts=2,
            grading=Paper.Grading.BEST,
            time_limit_s=900,
            results_shown=Paper.Review.AFTER_SUBMIT,
        )
    relay = RelayContest.objects.filter(online__paper__title=RELAY_TITLE).select_related("online__paper").first()
    if relay is None:
        relay = relay_services.relay_create(
            title=RELAY_TITLE,
            title_en=RELAY_TITLE_EN,
            **common,
            closes_at=now + timedelta(days=7),
            rules=[services.DrawRule(bank=bank, count=3, type="single")],
            leg_time_limit_s=300,
            start_within_h=24,
            description="每棒 3 题、限时 5 分钟；交卷即把接力棒交给下一位队员。",
            description_en="3 questions and 5 minutes a leg; submitting passes the baton to the next teammate.",
        )
        first, second = (unit_by_path(f"审计署/广州特派办/{name}") for name in ("第一党支部", "第二党支部"))
        member = User.objects.get(username="member")
        rosters = [
            [member, *User.objects.filter(unit=first).exclude(pk=member.pk).order_by("username")[:3]],
            list(User.objects.filter(unit=second).order_by("username")[:4]),
        ]
        plans = [
            relay_services.TeamPlan(name=f"{unit.name}队", unit=unit, roster=roster, captain=roster[0])
            for unit, roster in zip((first, second), rosters, strict=True)
        ]
        relay_services.relay_teams_set(relay=relay, plans=plans, by=organiser)
    stdout.write(f"Demo online contests: {contest.paper.title} and the relay {relay.online.paper.title} (open now).")
