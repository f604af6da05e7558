"""The batched answer intake (contests.intake): one bad answer never fails the others of its batch."""

import asyncio
from datetime import UTC, datetime

import pytest
from asgiref.sync import sync_to_async

from contests import broadcast, intake, services
from contests.models import ContestAnswer, Round
from tests import factories

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


@sync_to_async
def compulsory_hall():
    """Two teams of one in a compulsory round, started, with its question open."""
    audit = factories.unit_at("审计署", kind="organ")
    host = factories.organiser(audit, username="host")
    contest = services.contest_create(title="必答赛", unit=audit, by=host)
    members = [factories.member(audit, username=f"m{n}") for n in range(2)]
    for n, member in enumerate(members):
        services.team_add(contest=contest, name=f"队{n}", unit=audit, legs=[member])
    bank = factories.bank(audit)
    services.round_add(
        contest=contest, type=Round.Type.COMPULSORY, versions=[factories.question(bank, "single").current]
    )
    services.contest_start(contest=contest, by=host)
    opening = services.question_open(contest=contest, by=host)
    return contest, opening, members


# What makes a batch's write fail for one answer in it: on SQLite, a question id beyond a 64-bit
# integer (looked up among the answers recorded before: OverflowError); on PostgreSQL, an answer id
# with a NUL character (its text columns cannot hold one: DataError). Each database takes the
# other's as an answer to refuse or to store, so both run on both.
POISONS = {
    "question_beyond_64_bits": {"client_answer_id": "p", "opening_id": 10**20},
    "answer_id_with_nul": {"client_answer_id": "p\x00"},
}


@pytest.mark.parametrize("poison", POISONS)
async def test_one_answer_that_fails_to_be_written_fails_alone_and_its_batchs_other_answers_are_stored(
    monkeypatch, poison
):
    contest, opening, (mallory, alice) = await compulsory_hall()
    batches = []
    record = services.answers_submit

    def counted(**kwargs):
        batches.append(len(kwargs["submissions"]))
        return record(**kwargs)

    monkeypatch.setattr(services, "answers_submit", counted)
    # What follows a batch (settling the question, telling the team's phones) is not under test,
    # and would run on after the test.
    monkeypatch.setattr(services, "answers_settle", lambda **_kwargs: None)
    monkeypatch.setattr(broadcast, "team_answers_send", lambda *_args: None)
    now = datetime.now(tz=UTC)
    poisoned = services.Submission(
        member_id=mallory.pk, response="A", received_at=now, **{"opening_id": opening.pk, **POISONS[poison]}
    )
    good = services.Submission(
        member_id=alice.pk, client_answer_id="g", response="A", received_at=now, opening_id=opening.pk
    )
    bad_outcome, good_outcome = await asyncio.gather(
        intake.submit(contest.pk, poisoned), intake.submit(contest.pk, good)
    )

    assert batches[0] == 2  # both answers in one batch
    assert isinstance(good_outcome, ContestAnswer) and good_outcome.client_answer_id == "g"  # acknowledged
    assert isinstance(bad_outcome, (ContestAnswer, services.ContestRejected))  # whatever the database made of it
    stored = await sync_to_async(set)(ContestAnswer.objects.values_list("client_answer_id", flat=True))
    assert "g" in stored
