"""Builders for test data, all through the real services."""

import itertools
from io import BytesIO
from typing import TYPE_CHECKING

from openpyxl import Workbook

from orgs import services
from orgs.models import Role, Unit, User
from orgs.selectors import unit_by_path

if TYPE_CHECKING:
    from contests.models import Contest
    from lessons.models import Paper, Question, QuestionBank
    from rankings.models import RankingRule

_numbers = itertools.count(1)
PASSWORD = "correct-horse-battery-7"


def unit_at(path: str, kind: str = "branch") -> Unit:
    """The unit at `path`, creating it and any missing ancestors: an organ at the top, offices
    below it, or organs for an organ (an office holds no organ: `Unit.Kind.may_hold`)."""
    existing = unit_by_path(path)
    if existing is not None:
        return existing
    parent_path, _, name = path.rpartition("/")
    ancestor_kind = "office" if "/" in parent_path and kind != "organ" else "organ"
    parent = unit_at(parent_path, kind=ancestor_kind) if parent_path else None
    return services.unit_create(name=name, kind=kind if parent else "organ", parent=parent)


def org_tree() -> dict[str, Unit]:
    """A small organisation: two organs, their offices and branches (the `tree` fixture)."""
    return {
        "audit": unit_at("审计署", kind="organ"),
        "gz": unit_at("审计署/广州特派办", kind="office"),
        "gz1": unit_at("审计署/广州特派办/第一党支部"),
        "gz2": unit_at("审计署/广州特派办/第二党支部"),
        "jjj": unit_at("审计署/京津冀特派办", kind="office"),
        "jjj1": unit_at("审计署/京津冀特派办/机关党支部"),
        "mof": unit_at("财政部", kind="organ"),
        "budget": unit_at("财政部/预算司", kind="office"),
    }


def member(unit: Unit | str, *, real_name: str = "", username: str = "", password: str = PASSWORD, **extra) -> User:
    if isinstance(unit, str):
        unit = unit_at(unit)
    n = next(_numbers)
    return services.member_create(
        username=username or f"user{n}",
        real_name=real_name or f"成员{n}",
        employee_no=extra.pop("employee_no", f"T{n:06d}"),
        unit=unit,
        password=password,
        **extra,
    )


def organiser(unit: Unit | str, **kwargs) -> User:
    user = member(unit, **kwargs)
    services.role_grant(user=user, role=Role.ORGANISER, unit=user.unit, by=None)
    return user


def administrator(unit: Unit | str, **kwargs) -> User:
    user = member(unit, **kwargs)
    services.role_grant(user=user, role=Role.ADMINISTRATOR, unit=user.unit, by=None)
    return user


def workbook(rows: list[list], *, title_rows: list[list] | None = None) -> BytesIO:
    """An in-memory .xlsx with optional title rows above `rows` (whose first row is the header)."""
    book = Workbook()
    sheet = book.active
    for row in (title_rows or []) + rows:
        sheet.append(row)
    out = BytesIO()
    book.save(out)
    out.seek(0)
    out.name = "members.xlsx"
    return out


def bank(unit: Unit | str = "审计署", slug: str = "") -> "QuestionBank":
    from lessons.services.questions import bank_create

    if isinstance(unit, str):
        unit = unit_at(unit)
    n = next(_numbers)
    return bank_create(slug=slug or f"bank-{n}", name=f"题库{n}", unit=unit)


def question(bank, type: str = "single", **fields) -> "Question":
    from lessons.services.questions import question_create
    from lessons.validation import QuestionContent

    n = next(_numbers)
    defaults = {
        "single": {
            "stem": f"单选题{n}：党的最高理想是什么？",
            "options": ["实现共产主义", "发展经济", "改善民生"],
            "key": ["A"],
        },
        "multiple": {
            "stem": f"多选题{n}：四个意识包括？",
            "options": ["政治意识", "大局意识", "核心意识", "消费意识"],
            "key": ["A", "B", "C"],
        },
        "true_false": {"stem": f"判断题{n}：党章是党的根本大法。", "key": [True]},
        "fill_blank": {"stem": f"填空题{n}：中国共产党成立于____年。", "key": [["1921", "一九二一"]]},
    }[type]
    defaults.update(fields)
    tags = defaults.pop("tags", [])
    return question_create(bank=bank, content=QuestionContent(type=type, tags=tags, **defaults))


def paper(unit: Unit | str, *, mode: str = "exam", questions=(), rules=(), **fields) -> "Paper":
    from lessons.models import Paper, PaperQuestion, PaperRule

    if isinstance(unit, str):
        unit = unit_at(unit)
    fields.setdefault("status", Paper.Status.PUBLISHED)
    paper = Paper.objects.create(title=fields.pop("title", f"{mode} paper"), unit=unit, mode=mode, **fields)
    for position, q in enumerate(questions, start=1):
        PaperQuestion.objects.create(paper=paper, question=q, position=position)
    for rule in rules:
        PaperRule.objects.create(paper=paper, **rule)
    return paper


def scored_contest(unit: Unit, teams: list[dict], *, base_score: int = 100, title: str = "知识竞赛") -> "Contest":
    """A finished contest written straight as facts: teams, rosters and score events.

    `teams`: [{"name", "unit", "members": [{"member", "unit", "events": [(points, time_used_ms)]}],
    "adjustments": [points]}]. Rankings read these facts; how a live contest produces them is
    tested in tests/contests.
    """
    from contests.models import Contest, ScoreEvent, Team, TeamMember

    contest = Contest.objects.create(title=title, unit=unit, base_score=base_score, status=Contest.Status.FINISHED)
    events = []
    for position, spec in enumerate(teams):
        team = Team.objects.create(contest=contest, name=spec["name"], unit=spec["unit"], position=position)
        for leg, place in enumerate(spec.get("members", []), start=1):
            TeamMember.objects.create(
                contest=contest, team=team, member=place["member"], leg=leg, unit_at_start=place["unit"]
            )
            for points, used_ms in place.get("events", []):
                events.append(
                    ScoreEvent(
                        contest=contest,
                        team=team,
                        member=place["member"],
                        points=points,
                        time_used_ms=used_ms,
                        reason="right" if points >= 0 else "wrong",
                    )
                )
        for points in spec.get("adjustments", []):
            events.append(ScoreEvent(contest=contest, team=team, points=points, reason="adjustment", note="test"))
    ScoreEvent.objects.bulk_create(events)
    return contest


def ranking_rule(unit: Unit, *, sources: list[dict], by=None, **fields) -> "RankingRule":
    """A saved (validated, population-frozen) rule with its sources."""
    from rankings.models import RankingRule, RuleSource
    from rankings.services import rule_save, rule_sources_changed

    fields.setdefault("title", "排名")
    fields.setdefault("slug", f"rule-{RankingRule.objects.count() + 1}")
    rule = rule_save(rule=RankingRule(unit=unit, **fields), by=by)
    for source in sources:
        RuleSource.objects.create(rule=rule, **source)
    rule_sources_changed(rule=rule)
    return rule


def client_in(language: str, user):
    """A test client signed in as `user`, reading the site in `language` (as its switch leaves it)."""
    from django.conf import settings
    from django.test import Client

    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    client.force_login(user)
    return client
