"""docs/protocol.md's round table says what a wrong answer costs by default, as the round
templates and the rules engine's defaults do (it said a tie-break deducted 0 by default while its
template deducted 10)."""

import re
from pathlib import Path

import pytest

from contests.models import Round
from contests.rounds import round_kind
from contests.wizard.round_templates import TEMPLATES

PROTOCOL = Path(__file__).resolve().parents[2] / "docs" / "protocol.md"


@pytest.mark.parametrize(
    ("type_", "chinese"),
    [
        (Round.Type.RELAY, "接力"),
        (Round.Type.COMPULSORY, "必答"),
        (Round.Type.BUZZER, "抢答"),
        (Round.Type.TIEBREAK, "加赛"),
    ],
)
def test_rounds_table_states_the_default_penalty_the_template_and_engine_use(type_, chinese):
    template = TEMPLATES[type_]
    # The template's penalty is the engine's default for its points (round_add without one).
    assert template.penalty == round_kind(type_).default_penalty(template.points)
    row = re.search(rf"^\| [a-z-]+ \({chinese}\) \|.*$", PROTOCOL.read_text(), re.M).group(0)
    scoring = row.rsplit("|", 2)[1]
    if template.penalty == 0:
        assert "(0 by default" in scoring, row
    else:
        assert template.penalty == template.points  # 10 and 10
        assert "by default as much as a right answer earns" in scoring and "0 by default" not in scoring, row
