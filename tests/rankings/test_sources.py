"""The registry of source kinds (`rankings.sources`): every kind a rule may choose is read by one
class, and the rules' checks that depend on kinds come from it."""

import pytest
from django.core.exceptions import ValidationError

from rankings.models import RankingRule, RuleSource
from rankings.params import ANSWER_SOURCES, TEAM_SOURCES
from rankings.sources import KINDS, source_kind
from tests import factories


def test_every_source_kind_a_rule_can_choose_has_its_class():
    assert set(KINDS) == set(RuleSource.Kind.values)
    assert all(source_kind(name).kind == name for name in RuleSource.Kind.values)


def test_the_kinds_say_which_bring_teams_and_answers():
    assert TEAM_SOURCES == {"contest": "contest", "online": "relay"}
    assert set(ANSWER_SOURCES) == {"contest", "exam", "online"}


@pytest.mark.django_db
def test_a_source_is_checked_by_its_kind():
    unit = factories.unit_at("审计署")
    rule = RankingRule(title="t", slug="t", unit=unit, subject="member")
    with pytest.raises(ValidationError) as refused:
        RuleSource(rule=rule, kind="contest").clean()
    assert set(refused.value.message_dict) == {"contest"}
    with pytest.raises(ValidationError) as refused:
        RuleSource(rule=rule, kind="exam").clean()
    assert set(refused.value.message_dict) == {"paper"}
    RuleSource(rule=rule, kind="points").clean()  # self-study names nothing
    RuleSource(rule=rule, kind="study_hours").clean()
