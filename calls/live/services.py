"""Every write of a speech night: set-up, the draw, calling a speaker, the scoring window, a
judge's score, the lock (which reveals the final), the board and the end. Domain errors are
`CallRejected(code, message)`; each change is numbered and broadcast after its commit
(`calls.live.broadcast`).

The final of a speaker is calls' rule (`calls.selectors.trimmed_mean`) over the totals of the
judges who scored before the lock: with `drop_extremes_from` totals or more, one highest and one
lowest are dropped. A judge conflicted with the speaker (their unit's subtree holds the entry, or
they wrote it) cannot score, so the final is the mean of the others, and the count that decides
the dropping is the count of scores actually given."""

from __future__ import annotations

import random
import secrets
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from orgs import access
from orgs.models import User

from ..kinds import kind_of
from ..models import Call, Entry, Panel
from ..selectors import judge_total
from ..services import CallRejected, audit, is_conflicted, plain_score
from . import broadcast
from .models import Night, NightScore, NightSpeaker

TWO_PLACES = Decimal("0.01")


def check_host(user, night: Night) -> None:
    if not access.can_manage_unit(user, night.call.unit):
        raise CallRejected("not_host", _("Only organisers of the call's unit can host its speech night."))


def check_presented_live(call: Call) -> None:
    """A speech night is for entries given on a stage (speeches, micro-classes), not essays or photos."""
    if not kind_of(call).presented_live:
        raise CallRejected(
            "not_presented_live",
            _("%(kind)s entries are not presented on a stage: a speech night is for speech and micro-class calls.")
            % {"kind": call.get_kind_display()},
        )


@transaction.atomic
def night_save(*, call: Call, panel: Panel, scoring_seconds: int, show_scores: str, by: User) -> Night:
    """Create the call's speech night, or change its settings until the order is drawn."""
    if not access.can_manage_unit(by, call.unit):
        raise CallRejected("not_host", _("Only organisers of the call's unit can host its speech night."))
    check_presented_live(call)
    if panel.call_id != call.pk:
        raise CallRejected("no_such_panel", _("That panel does not judge this call."))
    if not call.criteria.exists():
        raise CallRejected("no_rubric", _("Give the call a rubric first: the judges score by its criteria."))
    if not 10 <= scoring_seconds <= 900:
        raise CallRejected("bad_scoring_time", _("Give the judges between 10 and 900 seconds to score."))
    night = Night.objects.select_for_update().filter(call=call).first()
    if night is not None and night.drawn_at:
        raise CallRejected("already_drawn", _("The order is drawn; the night's settings can no longer change."))
    if night is None:
        night = Night(call=call, created_by=by)
    night.panel, night.scoring_seconds, night.show_scores = panel, scoring_seconds, show_scores
    night.save()
    return night


def _locked_night(night: Night) -> Night:
    return Night.objects.select_for_update().select_related("call__unit").get(pk=night.pk)


@transaction.atomic
def night_draw(*, night: Night, by: User, seed: str = "") -> list[NightSpeaker]:
    """Draw the order of the call's entries in judging by lot: the entries by id, shuffled by a
    generator seeded with the stored seed, so the same seed gives the same order. Once."""
    night = _locked_night(night)
    check_host(by, night)
    if night.drawn_at:
        raise CallRejected("already_drawn", _("The order has already been drawn."))
    entries = list(night.call.entries.filter(status=Entry.Status.FINALIST).order_by("pk"))
    if not entries:
        raise CallRejected("no_speakers", _("No entry has reached judging: there is nobody to speak."))
    night.seed = seed.strip()[:32] or secrets.token_hex(8)
    random.Random(night.seed).shuffle(entries)  # noqa: S311 - a fair, reproducible lot, not a secret
    speakers = NightSpeaker.objects.bulk_create(
        NightSpeaker(night=night, entry=entry, position=place) for place, entry in enumerate(entries, start=1)
    )
    night.drawn_at, night.stage = timezone.now(), Night.Stage.ORDER
    night.save(update_fields=["seed", "drawn_at", "stage"])
    audit(call=night.call, by=by, action="night_draw", code="night_drawn", seed=night.seed, n=len(speakers))
    broadcast.after_commit(night, "order.drawn")
    return speakers


def current_speaker(night: Night) -> NightSpeaker | None:
    """The speaker called last (the one on stage, or the last one locked)."""
    return night.speakers.filter(called_at__isnull=False).order_by("-position").first()


@transaction.atomic
def speaker_call(*, night: Night, by: User) -> NightSpeaker:
    """Call the next speaker in the drawn order to the stage; the one before must be locked."""
    night = _locked_night(night)
    check_host(by, night)
    if not night.drawn_at:
        raise CallRejected("not_drawn", _("Draw the order of speakers first."))
    if night.finished_at:
        raise CallRejected("finished", _("The night is over."))
    current = current_speaker(night)
    if current is not None and not current.locked_at:
        raise CallRejected("speaker_not_locked", _("Lock the current speaker's scores before calling the next."))
    following = night.speakers.filter(called_at__isnull=True).order_by("position").first()
    if following is None:
        raise CallRejected("no_more_speakers", _("Every speaker has spoken."))
    following.called_at = timezone.now()
    following.save(update_fields=["called_at"])
    night.stage = Night.Stage.SPEAKER
    night.save(update_fields=["stage"])
    broadcast.after_commit(night, "speaker.called")
    return following


@transaction.atomic
def scoring_open(*, night: Night, by: User) -> NightSpeaker:
    """Open the judges' scoring of the speaker on stage, until the server's deadline."""
    night = _locked_night(night)
    check_host(by, night)
    speaker = current_speaker(night)
    if speaker is None or speaker.locked_at:
        raise CallRejected("no_speaker", _("Call a speaker first."))
    if speaker.opened_at:
        raise CallRejected("already_open", _("Scoring is already open for this speaker."))
    speaker.opened_at = timezone.now()
    speaker.deadline_at = speaker.opened_at + timedelta(seconds=night.scoring_seconds)
    speaker.save(update_fields=["opened_at", "deadline_at"])
    night.stage = Night.Stage.SPEAKER
    night.save(update_fields=["stage"])
    broadcast.after_commit(night, "scoring.opened")
    return speaker


def parse_values(night: Night, raw: object) -> dict[str, Decimal]:
    """The criterion id -> value map of a score, each value a number with at most two places
    inside the criterion's range, every criterion present; else CallRejected."""
    criteria = {str(criterion.pk): criterion for criterion in night.call.criteria.all()}
    if not isinstance(raw, dict) or set(raw) != set(criteria):
        raise CallRejected("incomplete", _("Score every criterion."))
    values: dict[str, Decimal] = {}
    for key, given in raw.items():
        criterion = criteria[key]
        try:
            if isinstance(given, bool) or not isinstance(given, int | float | str):
                raise InvalidOperation
            # What the phone sends is the box's text: a plain decimal only, as on the judging
            # page ("1e2" is not 100); a JSON number is read as its shortest spelling.
            value = plain_score(given if isinstance(given, str) else repr(given))
            if value is None or value != value.quantize(TWO_PLACES):
                raise InvalidOperation
        except InvalidOperation:
            raise CallRejected(
                "bad_score",
                _("%(name)s: give a number with at most two decimal places.") % {"name": criterion.display_name},
            ) from None
        if not criterion.min_score <= value <= criterion.max_score:
            raise CallRejected(
                "out_of_range",
                _("%(name)s takes a score from %(low)s to %(high)s.")
                % {
                    "name": criterion.display_name,
                    "low": f"{criterion.min_score.normalize():f}",
                    "high": f"{criterion.max_score.normalize():f}",
                },
            )
        values[key] = value.quantize(TWO_PLACES)
    return values


@transaction.atomic
def score_submit(
    *, night: Night, judge: User, speaker_id: object, score_id: str, values: object, received_at: datetime
) -> tuple[NightScore, bool]:
    """Record a judge's score of the speaker on stage, as received at `received_at` (the server's
    clock): (the score, whether it is new). A repeat of a stored `score_id` is that score again,
    even after the lock. Refused, with nothing stored, from a judge not on the panel, for another
    speaker than the one on stage, from a conflicted judge, after the lock or the deadline, or
    with values outside the rubric. Takes the speaker's row lock, so a score and the lock are
    ordered; the caller acknowledges only after this commits."""
    # The night's row first, as every host action takes it: then the speaker's.
    night = Night.objects.select_for_update(of=("self",)).select_related("call", "panel").get(pk=night.pk)
    if not night.panel.judges.filter(pk=judge.pk).exists():
        raise CallRejected("not_judge", _("You are not on this night's panel."))
    if not isinstance(score_id, str) or not 1 <= len(score_id) <= 64:
        raise CallRejected("bad_score_id", _("Send a score_id: a string of 1 to 64 characters."))
    # A repeat first: a phone may re-send a stored score after the host has moved on.
    whole = isinstance(speaker_id, int) and not isinstance(speaker_id, bool)
    stored = NightScore.objects.filter(speaker__night=night, speaker_id=speaker_id if whole else None)
    repeat = stored.filter(judge=judge, score_id=score_id).first()
    if repeat is not None:
        return repeat, False
    on_stage = current_speaker(night)
    if on_stage is None or not whole or on_stage.pk != speaker_id:
        raise CallRejected("not_current_speaker", _("That speaker is not the one on stage."))
    speaker = NightSpeaker.objects.select_for_update().select_related("entry__unit").get(pk=on_stage.pk)
    if is_conflicted(judge, speaker.entry):
        raise CallRejected("conflicted", _("You may not score a speaker from your own unit."))
    if speaker.locked_at:
        raise CallRejected("locked", _("This speaker's scores are locked."))
    if speaker.opened_at is None:
        raise CallRejected("not_open", _("Scoring has not opened yet."))
    if received_at >= speaker.deadline_at:
        raise CallRejected("deadline_passed", _("Scoring time is over."))
    parsed = parse_values(night, values)
    criteria = list(night.call.criteria.all())
    total = judge_total(criteria, {int(key): value for key, value in parsed.items()})
    score = NightScore.objects.create(
        speaker=speaker,
        judge=judge,
        score_id=score_id,
        values={key: str(value) for key, value in parsed.items()},
        total=total.quantize(TWO_PLACES),
        received_at=received_at,
    )
    broadcast.after_commit(night, "score.received")
    return score, True


@transaction.atomic
def speaker_lock(*, night: Night, by: User) -> NightSpeaker:
    """Lock the speaker on stage: no score is taken after this, and the final is revealed."""
    night = _locked_night(night)
    check_host(by, night)
    current = current_speaker(night)
    if current is None:
        raise CallRejected("no_speaker", _("Call a speaker first."))
    speaker = NightSpeaker.objects.select_for_update().get(pk=current.pk)
    if speaker.locked_at:
        raise CallRejected("already_locked", _("This speaker's scores are already locked."))
    if speaker.opened_at is None:
        raise CallRejected("not_open", _("Scoring has not opened yet."))
    speaker.locked_at = timezone.now()
    if speaker.deadline_at > speaker.locked_at:
        speaker.deadline_at = speaker.locked_at
    speaker.save(update_fields=["locked_at", "deadline_at"])
    position = speaker.position
    audit(call=night.call, entry=speaker.entry, by=by, action="night_lock", code="night_speaker", position=position)
    broadcast.after_commit(night, "speaker.revealed")
    return speaker


@transaction.atomic
def board_show(*, night: Night, by: User) -> Night:
    """Show the board of speakers so far on the big screen (between speakers)."""
    night = _locked_night(night)
    check_host(by, night)
    current = current_speaker(night)
    if current is None or not current.locked_at:
        raise CallRejected("speaker_not_locked", _("The board is shown between speakers, after a lock."))
    night.stage = Night.Stage.BOARD
    night.save(update_fields=["stage"])
    broadcast.after_commit(night, "board.shown")
    return night


@transaction.atomic
def night_finish(*, night: Night, by: User) -> Night:
    """End the night once every speaker is locked: the big screen reveals the final ranking."""
    night = _locked_night(night)
    check_host(by, night)
    if not night.drawn_at:
        raise CallRejected("not_drawn", _("Draw the order of speakers first."))
    if night.finished_at:
        raise CallRejected("finished", _("The night is over."))
    if night.speakers.filter(locked_at__isnull=True).exists():
        raise CallRejected("speakers_left", _("Some speakers have not been scored and locked yet."))
    night.finished_at, night.stage = timezone.now(), Night.Stage.FINAL
    night.save(update_fields=["finished_at", "stage"])
    audit(call=night.call, by=by, action="night_finish")
    broadcast.after_commit(night, "night.finished")
    return night
