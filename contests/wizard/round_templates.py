"""The usual settings of each round type in Chinese knowledge contests, offered as templates.

Every value is a starting point the organiser may edit; one place says what "usual" means."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from ..models import Round


@dataclass(frozen=True)
class RoundTemplate:
    type: str
    description: str
    points: int
    penalty: int
    time_limit_s: int
    question_count: int
    early_buzz_penalty: int = 0
    risk_tiers: tuple[int, ...] = ()
    teams_in_turn: bool = False

    @property
    def label(self) -> str:
        return Round.Type(self.type).label


TEMPLATES: dict[str, RoundTemplate] = {
    t.type: t
    for t in (
        RoundTemplate(
            type=Round.Type.RELAY,
            description=_("Members answer in their relay order; the baton passes on an answer or at the time limit."),
            points=10,
            penalty=0,
            time_limit_s=30,
            question_count=10,
        ),
        RoundTemplate(
            type=Round.Type.COMPULSORY,
            description=_("Each team answers its own questions in turn; a wrong answer costs nothing."),
            points=10,
            penalty=0,
            time_limit_s=20,
            question_count=6,
            teams_in_turn=True,
        ),
        RoundTemplate(
            type=Round.Type.BUZZER,
            description=_("The first team to buzz answers: right scores, wrong or early buzzing costs points."),
            points=10,
            penalty=10,
            time_limit_s=15,
            question_count=10,
            early_buzz_penalty=5,
        ),
        RoundTemplate(
            type=Round.Type.RISK,
            description=_("Each team stakes a value: right adds it, wrong takes it off; a team may abstain."),
            points=0,
            penalty=0,
            time_limit_s=30,
            question_count=3,
            risk_tiers=(10, 20, 30),
        ),
        RoundTemplate(
            type=Round.Type.TIEBREAK,
            description=_("Sudden death for teams level on points: right scores, wrong costs as much."),
            points=10,
            penalty=10,
            time_limit_s=15,
            question_count=3,
        ),
    )
}
