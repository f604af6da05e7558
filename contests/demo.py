"""A demo contest ready to host: two teams of three, relay, buzzer, risk and compulsory rounds."""

from lessons.models import Question
from orgs.models import User
from orgs.selectors import unit_by_path

from . import services
from .models import Contest, Round

TITLE = "2026 年党章党规知识竞赛（演示）"
TITLE_EN = "2026 Party Constitution and rules knowledge contest (demo)"


def seed(stdout) -> None:
    office = unit_by_path("审计署/广州特派办")
    contest = Contest.objects.filter(title=TITLE).first()
    if contest is None:
        branch1 = unit_by_path("审计署/广州特派办/第一党支部")
        branch2 = unit_by_path("审计署/广州特派办/第二党支部")
        first = [
            User.objects.get(username="member"),
            *User.objects.filter(unit=branch1).exclude(username="member").order_by("employee_no")[:2],
        ]
        second = list(User.objects.filter(unit=branch2).order_by("employee_no")[:3])
        contest = services.contest_create(title=TITLE, title_en=TITLE_EN, unit=office)
        services.team_add(contest=contest, name="第一党支部队", unit=branch1, legs=first)
        services.team_add(contest=contest, name="第二党支部队", unit=branch2, legs=second)
        pool = {
            t: [
                q.current
                for q in Question.objects.filter(bank__slug="demo-dangzhang", current__type=t).select_related("current")
            ]
            for t in ("single", "true_false", "multiple")
        }
        services.round_add(
            contest=contest,
            type=Round.Type.RELAY,
            title="接力赛",
            title_en="Relay round",
            versions=pool["single"][:3],
            points=10,
        )
        services.round_add(
            contest=contest,
            type=Round.Type.COMPULSORY,
            title="必答题",
            title_en="Compulsory questions",
            versions=pool["true_false"][:2],
            teams_in_turn=True,
        )
        services.round_add(
            contest=contest,
            type=Round.Type.BUZZER,
            title="抢答题",
            title_en="Buzzer round",
            versions=pool["single"][3:5],
            points=20,
            penalty=10,
        )
        services.round_add(
            contest=contest,
            type=Round.Type.RISK,
            title="风险题",
            title_en="Risk round",
            versions=pool["multiple"][:1],
            risk_tiers=[10, 20, 30],
            time_limit_s=30,
        )
    stdout.write(
        f"Demo contest: {contest.title}, join code {contest.join_code} (host: organiser or admin; player: member)."
    )
