"""The speech night's services: the draw by lot, the scoring window, a judge's score and its
corrections, the lock, finals worked out by hand, and every bad input leaving nothing stored."""

import random
from datetime import timedelta

import pytest
from django.utils import timezone, translation

from calls.live import presenters, services
from calls.live.models import Night, NightScore
from calls.models import AuditEvent, Call
from calls.services import CallRejected

from .night import speech_night

pytestmark = pytest.mark.django_db


@pytest.fixture
def night(tree):
    return speech_night(tree)


def criteria(setup) -> list[str]:
    return [str(pk) for pk in setup["call"].criteria.order_by("position").values_list("pk", flat=True)]


def score(setup, judge, content, delivery, *, score_id=None, speaker=None, at=None):
    """Judge `judge` (1-5) scores the speaker on stage: 内容 × 0.6 + 表达 × 0.4."""
    night, user = setup["night"], setup["judges"][judge - 1]
    on_stage = services.current_speaker(night)
    keys = criteria(setup)
    return services.score_submit(
        night=night,
        judge=user,
        speaker_id=speaker if speaker is not None else on_stage.pk,
        score_id=score_id or f"j{judge}-{content}-{delivery}",
        values={keys[0]: content, keys[1]: delivery},
        received_at=at or timezone.now(),
    )


def call_to(setup, entry_key: str) -> None:
    """Call speakers in the drawn order, locking each, until the one of `entry_key` is on stage
    with scoring open."""
    night, host = setup["night"], setup["host"]
    target = setup["speakers"][entry_key]
    while True:
        speaker = services.speaker_call(night=night, by=host)
        if speaker.entry_id == target.pk:
            services.scoring_open(night=night, by=host)
            return
        services.scoring_open(night=night, by=host)
        services.speaker_lock(night=night, by=host)


def state_of(setup) -> dict:
    setup["night"].refresh_from_db()
    return presenters.build(setup["night"], seq=0, event="test")


def frames_of(setup) -> dict:
    setup["night"].refresh_from_db()
    return presenters.frames(setup["night"], seq=0, event="test")


def rejected(code: str, action) -> None:
    with pytest.raises(CallRejected) as caught:
        action()
    assert caught.value.code == code, caught.value.message


def test_the_draw_is_the_entries_by_id_shuffled_by_the_stored_seed(night):
    speakers = services.night_draw(night=night["night"], by=night["host"], seed="2026-hall-A")
    by_id = sorted(entry.pk for entry in night["speakers"].values())
    random.Random("2026-hall-A").shuffle(by_id)  # the rule docs/calls.md gives for checking a draw
    assert [speaker.entry_id for speaker in speakers] == by_id
    assert [speaker.position for speaker in speakers] == [1, 2, 3]
    night["night"].refresh_from_db()
    assert night["night"].seed == "2026-hall-A" and night["night"].stage == "order"
    (drawn,) = AuditEvent.objects.filter(call=night["call"], action="night_draw")
    assert drawn.detail_params["seed"] == "2026-hall-A"
    rejected("already_drawn", lambda: services.night_draw(night=night["night"], by=night["host"]))


def test_without_a_seed_one_is_made_and_kept(night):
    services.night_draw(night=night["night"], by=night["host"])
    night["night"].refresh_from_db()
    assert len(night["night"].seed) == 16


def test_a_final_drops_the_highest_and_lowest_of_five_and_keeps_the_latest_correction(night):
    services.night_draw(night=night["night"], by=night["host"], seed="s")
    call_to(night, "jjj1")  # the Beijing speaker: no judge is conflicted
    first, new = score(night, 1, 50, 50)
    assert new and str(first.total) == "50.00"
    score(night, 1, 90, 80)  # a correction: 0.6 × 90 + 0.4 × 80 = 86.00
    score(night, 2, 85, 95)  # 51 + 38 = 89.00
    score(night, 3, 70, 60)  # 42 + 24 = 66.00 (lowest: dropped)
    score(night, 4, 95, 100)  # 57 + 40 = 97.00 (highest: dropped)
    score(night, 5, 88, 84)  # 52.8 + 33.6 = 86.40
    services.speaker_lock(night=night["night"], by=night["host"])
    state = state_of(night)
    current = state["current"]
    # (86.00 + 89.00 + 86.40) / 3 = 87.1333… → 87.13
    assert current["final"] == "87.13"
    assert {s["seat"]: (s["value"], s["dropped"]) for s in current["scores"]} == {
        1: ("86.00", False),
        2: ("89.00", False),
        3: ("66.00", True),
        4: ("97.00", True),
        5: ("86.40", False),
    }
    # Judge 1's first score and its correction are both kept: the audit log of the night.
    assert list(NightScore.objects.filter(judge=night["judges"][0]).values_list("total", flat=True)) == [50, 86]


def test_a_conflicted_judge_cannot_score_and_the_final_averages_the_other_four(night):
    services.night_draw(night=night["night"], by=night["host"], seed="s")
    call_to(night, "gz1")  # 广州评委 (seat 5) is of the Guangzhou office: conflicted
    rejected("conflicted", lambda: score(night, 5, 100, 100))
    score(night, 1, 80, 80)  # 80.00
    score(night, 2, 90, 70)  # 54 + 28 = 82.00
    score(night, 3, 60, 100)  # 36 + 40 = 76.00
    score(night, 4, 75, 85)  # 45 + 34 = 79.00
    services.speaker_lock(night=night["night"], by=night["host"])
    current = state_of(night)["current"]
    # Four scores, fewer than the five that drop extremes: (80 + 82 + 76 + 79) / 4 = 79.25
    assert current["final"] == "79.25"
    assert current["eligible"] == [1, 2, 3, 4] and current["conflicted"] == [5]
    assert not any(s["dropped"] for s in current["scores"])
    assert not NightScore.objects.filter(judge=night["judges"][4]).exists()


def test_the_board_ranks_locked_speakers_by_final(night):
    services.night_draw(night=night["night"], by=night["host"], seed="s")
    call_to(night, "jjj1")
    for judge in range(1, 6):
        score(night, judge, 90, 90)
    services.speaker_lock(night=night["night"], by=night["host"])
    services.board_show(night=night["night"], by=night["host"])
    state = state_of(night)
    assert state["night"]["stage"] == "board"
    # Speakers before the Beijing one were locked without scores: they have no final yet.
    assert [(row["name"], row["final"], row["rank"]) for row in state["board"]] == [("李讲", "90.00", 1)]


def test_a_score_out_of_range_malformed_or_incomplete_is_refused_and_nothing_is_stored(night):
    services.night_draw(night=night["night"], by=night["host"], seed="s")
    call_to(night, "jjj1")
    rejected("out_of_range", lambda: score(night, 1, 101, 50))
    rejected("out_of_range", lambda: score(night, 1, -1, 50))
    rejected("bad_score", lambda: score(night, 1, "1.234", 50))
    rejected("bad_score", lambda: score(night, 1, True, 50))
    rejected("bad_score", lambda: score(night, 1, "NaN", 50))
    rejected("bad_score", lambda: score(night, 1, "1e1", 50))  # Decimal() read it as 10
    rejected("bad_score", lambda: score(night, 1, "1_0", 50))
    rejected("bad_score", lambda: score(night, 1, [80], 50))
    keys = criteria(night)
    rejected(
        "incomplete",
        lambda: services.score_submit(
            night=night["night"],
            judge=night["judges"][0],
            speaker_id=services.current_speaker(night["night"]).pk,
            score_id="x",
            values={keys[0]: 80},
            received_at=timezone.now(),
        ),
    )
    rejected("bad_score_id", lambda: score(night, 1, 80, 80, score_id="x" * 65))
    assert not NightScore.objects.exists()


def test_the_same_score_id_twice_is_one_score(night):
    services.night_draw(night=night["night"], by=night["host"], seed="s")
    call_to(night, "jjj1")
    stored, new = score(night, 2, 80, 80, score_id="phone-2-a")
    again, new_again = score(night, 2, 80, 80, score_id="phone-2-a")
    assert new and not new_again and again.pk == stored.pk
    assert NightScore.objects.count() == 1


def test_no_score_before_the_window_after_the_deadline_or_after_the_lock(night):
    services.night_draw(night=night["night"], by=night["host"], seed="s")
    speaker = services.speaker_call(night=night["night"], by=night["host"])
    rejected("not_open", lambda: score(night, 1, 80, 80))
    services.scoring_open(night=night["night"], by=night["host"])
    speaker.refresh_from_db()
    rejected("deadline_passed", lambda: score(night, 1, 80, 80, at=speaker.deadline_at + timedelta(milliseconds=1)))
    stored, _ = score(night, 1, 80, 80, score_id="in-time", at=speaker.deadline_at - timedelta(milliseconds=1))
    services.speaker_lock(night=night["night"], by=night["host"])
    rejected("locked", lambda: score(night, 1, 70, 70))
    # A repeat of a score stored before the lock is still that score (a phone re-sending it),
    # even once the next speaker is on stage.
    assert score(night, 1, 80, 80, score_id="in-time") == (stored, False)
    services.speaker_call(night=night["night"], by=night["host"])
    assert score(night, 1, 80, 80, score_id="in-time", speaker=speaker.pk) == (stored, False)
    assert NightScore.objects.count() == 1


def test_someone_off_the_panel_and_a_score_for_another_speaker_are_refused(night):
    services.night_draw(night=night["night"], by=night["host"], seed="s")
    call_to(night, "jjj1")
    keys = criteria(night)
    rejected(
        "not_judge",
        lambda: services.score_submit(
            night=night["night"],
            judge=night["outsider"],
            speaker_id=services.current_speaker(night["night"]).pk,
            score_id="o",
            values={keys[0]: 80, keys[1]: 80},
            received_at=timezone.now(),
        ),
    )
    waiting = night["night"].speakers.filter(called_at__isnull=True).first() or night["night"].speakers.first()
    rejected("not_current_speaker", lambda: score(night, 1, 80, 80, speaker=waiting.pk))
    rejected("not_current_speaker", lambda: score(night, 1, 80, 80, speaker=True))
    assert not NightScore.objects.exists()


def test_the_host_steps_go_in_order(night):
    host, the_night = night["host"], night["night"]
    rejected("not_drawn", lambda: services.speaker_call(night=the_night, by=host))
    services.night_draw(night=the_night, by=host, seed="s")
    rejected("no_speaker", lambda: services.scoring_open(night=the_night, by=host))
    services.speaker_call(night=the_night, by=host)
    rejected("speaker_not_locked", lambda: services.speaker_call(night=the_night, by=host))
    rejected("not_open", lambda: services.speaker_lock(night=the_night, by=host))
    services.scoring_open(night=the_night, by=host)
    rejected("already_open", lambda: services.scoring_open(night=the_night, by=host))
    rejected("speakers_left", lambda: services.night_finish(night=the_night, by=host))
    services.speaker_lock(night=the_night, by=host)
    rejected("already_locked", lambda: services.speaker_lock(night=the_night, by=host))
    for _ in range(2):
        services.speaker_call(night=the_night, by=host)
        services.scoring_open(night=the_night, by=host)
        services.speaker_lock(night=the_night, by=host)
    rejected("no_more_speakers", lambda: services.speaker_call(night=the_night, by=host))
    services.night_finish(night=the_night, by=host)
    rejected("finished", lambda: services.night_finish(night=the_night, by=host))
    rejected("not_host", lambda: services.board_show(night=the_night, by=night["judges"][0]))


def test_screens_see_scores_only_once_all_have_scored_when_the_night_says_so(tree):
    setup = speech_night(tree, show_scores="all")
    services.night_draw(night=setup["night"], by=setup["host"], seed="s")
    call_to(setup, "jjj1")
    for judge in range(1, 5):
        score(setup, judge, 80, 80)
    frames = frames_of(setup)
    assert frames["screens"]["current"]["scored"] == [1, 2, 3, 4] and frames["screens"]["current"]["scores"] == []
    assert len(frames["hosts"]["current"]["scores"]) == 4
    score(setup, 5, 90, 90)
    frames = frames_of(setup)
    assert [s["value"] for s in frames["screens"]["current"]["scores"]] == ["80.00"] * 4 + ["90.00"]
    assert frames["judges"]["current"]["scores"] == []  # judges see nobody's score before the lock
    assert "name" not in frames["screens"]["current"]["scores"][0]


@pytest.mark.parametrize("kind", [Call.Kind.ESSAY, Call.Kind.PHOTOS])
def test_an_essay_or_photo_call_holds_no_speech_night_and_says_why(tree, kind):
    from django.test import Client

    setup = speech_night(tree)
    call, host = setup["call"], setup["host"]
    Night.objects.filter(call=call).delete()
    call.kind = kind
    call.save(update_fields=["kind"])
    panel = call.panels.get()
    rejected(
        "not_presented_live",
        lambda: services.night_save(call=call, panel=panel, scoring_seconds=120, show_scores="each", by=host),
    )
    assert not Night.objects.filter(call=call).exists()
    client = Client()
    client.force_login(host)
    with translation.override("zh-hans"):
        assert 'id="night-link"' not in client.get(f"/calls/manage/{call.pk}/").text
        page = client.get(f"/calls/{call.pk}/night/host/")
    assert page.status_code == 403 and "作品不在台上展示：演讲比赛现场只用于演讲和微党课征集" in page.text
    # A speech or micro-class call keeps its night.
    call.kind = Call.Kind.MICRO_CLASS
    call.save(update_fields=["kind"])
    assert services.night_save(call=call, panel=panel, scoring_seconds=120, show_scores="each", by=host).pk
    assert 'id="night-link"' in client.get(f"/calls/manage/{call.pk}/").text
