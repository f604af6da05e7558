"""Every write of calls: calls and their settings, entries and files, recommendation up the tree,
judge assignment and scores, prizes. Domain errors are `CallRejected(code, message)`."""

from __future__ import annotations

import random
import re
import secrets
import shutil
from datetime import datetime
from decimal import ROUND_DOWN, Decimal
from operator import attrgetter
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Exists, Max, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from orgs import access
from orgs.models import Unit, User
from quizsite.filenames import uploaded_name
from quizsite.naming import joined_sentences, listed, local_moment

from . import files, selectors
from .kinds import kind_of
from .models import (
    COMMENT_MAX,
    SUMMARY_MAX_CHARS,
    Assignment,
    AuditEvent,
    Call,
    CallField,
    Criterion,
    Entry,
    EntryFile,
    FieldAnswer,
    Level,
    Panel,
    PrizeTier,
    Reopening,
    Review,
    ScoreComment,
    ScoreEvent,
)

SCORE_PLACES = Decimal("0.01")  # ScoreEvent.value's decimal places
# A score as judges type it: digits with at most one point ("88", "88.5", "88.25", ".5"), a minus
# for a rubric reaching below zero. Decimal() also reads "1e2" (100), "1_0" (10), "inf" and digits
# of other scripts, none of which a judge means as a score.
PLAIN_NUMBER = re.compile(r"-?(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)")


class CallRejected(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message
        self.criteria: list[int] = []  # the rubric's criteria a refused score names, to mark their boxes


def _media(relative: str) -> Path:
    return Path(settings.MEDIA_ROOT) / relative


# ---------------------------------------------------------------- calls


def allowed_extensions(call: Call) -> list[str]:
    """The call's file types, limited to what its kind can take."""
    possible = kind_of(call).extensions
    chosen = [part.strip().lower().lstrip(".") for part in call.file_types.split(",") if part.strip()]
    return [ext for ext in chosen if ext in possible] or list(possible)


def audience_q(user) -> Q:
    """Calls whose audience (or, with none, the owner unit's subtree) covers the user's unit."""
    unit = getattr(user, "unit", None)
    if unit is None:
        return Q(pk__in=[])
    ancestors = [unit.path[:end] for end in range(Unit.steplen, len(unit.path) + 1, Unit.steplen)]
    return Q(audience__path__in=ancestors) | Q(audience__isnull=True, unit__path__in=ancestors)


def may_enter(user, call: Call) -> bool:
    return Call.objects.filter(audience_q(user), pk=call.pk).exists()


def entrants(call: Call):
    """The active members who may enter the call (its audience's subtrees, or with none the owner
    unit's): the only ones who may be named its entries' co-authors."""
    paths = [unit.path for unit in call.audience.all()] or [call.unit.path]
    within = Q(pk__in=[])
    for path in paths:
        within |= Q(unit__path__startswith=path)
    return User.objects.filter(within, is_active=True)


def audit(
    *, call: Call, by: User, action: str, detail: str = "", entry: Entry | None = None, code: str = "", **params
) -> None:
    """Log an action on the call. `detail` is text as typed (a reason); a sentence the platform
    words is given as a `code` of `AUDIT_DETAILS` and its `params` instead, and is written in the
    language of whoever reads the log."""
    AuditEvent.objects.create(
        call=call, entry=entry, by=by, action=action, detail=detail[:300], detail_code=code, detail_params=params
    )


# ---------------------------------------------------------------- entries


def _window_open(entry: Entry, now: datetime) -> bool:
    call = entry.call
    if call.results_published_at:  # final, whatever the dates or a reopening say
        return False
    if call.opens_at <= now < call.closes_at:
        return True
    return entry.pk is not None and entry.reopenings.filter(until__gt=now).exists()


def check_changeable(entry: Entry) -> None:
    """Raise unless the author may still change the entry: inside the window (or reopened for it),
    and not yet decided on by a reviewer (a returned entry may be mended and sent again), in judging
    or withdrawn. Once the call's results are published nothing is taken or changed, whatever the
    dates or a reopening say, and that is the reason given ("published")."""
    now = timezone.now()
    if entry.call.opens_at > now:
        raise CallRejected("not_open", _("This call is not open for entries yet."))
    if entry.call.results_published_at:
        if entry.status == Entry.Status.FINALIST:
            raise CallRejected("published", _("The results are published; the entry can no longer change."))
        raise CallRejected("published", _("The results of this call are published; it takes no more entries."))
    if not _window_open(entry, now):
        raise CallRejected(
            "closed",
            _("The deadline (%(at)s) has passed; entries can no longer be submitted or changed.")
            % {"at": local_moment(entry.call.closes_at)},
        )
    if entry.status in (Entry.Status.WITHDRAWN, Entry.Status.FINALIST) or (
        entry.status == Entry.Status.SUBMITTED and entry.reviews.exists()
    ):
        raise CallRejected("under_review", _("This entry is already under review and can no longer be changed."))


def entries_left(call: Call, author: User) -> int:
    """How many more entries the member may start in the call (withdrawn ones do not count)."""
    live = call.entries.filter(author=author).exclude(status=Entry.Status.WITHDRAWN).count()
    return max(call.entries_per_member - live, 0)


def entry_create(
    *, call: Call, author: User, title: str, summary: str = "", coauthors: list[User] | tuple = ()
) -> Entry:
    if not may_enter(author, call):
        raise CallRejected("not_audience", _("This call is not open to your unit."))
    entry = Entry(call=call, author=author, unit=author.unit)
    check_changeable(entry)
    if not entries_left(call, author):
        raise CallRejected(
            "too_many", _("You may send at most %(n)d entries to this call.") % {"n": call.entries_per_member}
        )
    entry.title, entry.summary = _title(title), _summary(summary)
    _check_not_author(author, coauthors)
    entry.save()
    _set_coauthors(entry, coauthors)
    return entry


def _title(title: str) -> str:
    if not title.strip():
        raise CallRejected("title_required", _("An entry needs a title."))
    return title.strip()[:120]


def _summary(summary: str) -> str:
    summary = summary.strip()
    if len(summary) > SUMMARY_MAX_CHARS:
        raise CallRejected(
            "summary_too_long",
            _("The summary has %(n)d characters; the most is %(max)d.") % {"n": len(summary), "max": SUMMARY_MAX_CHARS},
        )
    return summary


def _check_not_author(author: User, coauthors) -> None:
    if any(user.pk == author.pk for user in coauthors):
        raise CallRejected("coauthor_self", _("You cannot name yourself as a co-author."))


def _set_coauthors(entry: Entry, coauthors) -> None:
    _check_not_author(entry.author, coauthors)
    if entrants(entry.call).filter(pk__in=[user.pk for user in coauthors]).count() < len(coauthors):
        raise CallRejected("coauthor_outside", _("Co-authors must be members who may enter this call."))
    if len(coauthors) > entry.call.max_coauthors:
        limit = entry.call.max_coauthors
        raise CallRejected(
            "too_many_coauthors",
            ngettext("This call allows at most %(n)d co-author.", "This call allows at most %(n)d co-authors.", limit)
            % {"n": limit},
        )
    entry.coauthors.set(coauthors)


def entry_update(*, entry: Entry, by: User, title: str, summary: str, coauthors: list[User] | tuple = ()) -> Entry:
    check_changeable(entry)
    entry.title, entry.summary = _title(title), _summary(summary)
    entry.save(update_fields=["title", "summary", "updated_at"])
    _set_coauthors(entry, coauthors)
    return entry


def replacing_submitted_file(entry: Entry) -> bool:
    """A new file would replace the one the entry was submitted with (reviewers have that one):
    its author is asked to confirm first."""
    return (
        entry.status == Entry.Status.SUBMITTED and not kind_of(entry.call).keeps_several_files and entry.files.exists()
    )


def _check_upload(entry: Entry, *, name: str, size: int, replace_confirmed: bool) -> str:
    """The file's extension, once the entry may change and the name and size suit the call, and
    the author has confirmed replacing a file already submitted (reviewers have that one)."""
    check_changeable(entry)
    call = entry.call
    if replacing_submitted_file(entry) and not replace_confirmed:
        raise CallRejected(
            "confirm_replace",
            _(
                "This entry was submitted on %(at)s with its file. Confirm that the new file replaces it; "
                "reviewers and judges will then get the new file."
            )
            % {"at": local_moment(entry.submitted_at)},
        )
    extension = files.extension_of(name)
    allowed = allowed_extensions(call)
    if extension not in allowed:
        raise CallRejected(
            "type_not_allowed",
            _("This call takes %(types)s files.") % {"types": files.types_listed(allowed)},
        )
    if size > call.max_file_mb * 2**20:
        raise CallRejected(
            "too_large",
            _("The file is %(size)s MB; the limit is %(limit)s MB.")
            # Tenths of a MB, rounded up: a file just over the limit never reads as the limit.
            % {"size": f"{-(-size * 10 // 2**20) / 10:g}", "limit": call.max_file_mb},
        )
    if size == 0:
        raise CallRejected("empty", _("The file is empty."))
    return extension


def entry_attach(*, entry: Entry, upload: UploadedFile, replace_confirmed: bool = False) -> EntryFile:
    """Check an uploaded file (type by content, size, macros, scripts) and keep it with its blind
    copy. A photo set keeps adding files; other kinds replace their one file, a submitted one only
    with `replace_confirmed`. Refused files leave nothing behind."""
    name = uploaded_name(upload.name)
    extension = _check_upload(entry, name=name, size=upload.size, replace_confirmed=replace_confirmed)
    relative = f"calls/{entry.call_id}/{entry.pk}/{secrets.token_hex(8)}.{extension}"
    target = _media(relative)
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "wb") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
    return _keep_file(entry, relative, extension=extension, name=name, size=upload.size)


def _keep_file(entry: Entry, relative: str, *, extension: str, name: str, size: int) -> EntryFile:
    """Check the file now at `relative` by its content, make its blind copy and record it; a
    refused file is deleted."""
    target = _media(relative)
    blind_relative = str(Path(relative).with_name(f"blind-{Path(relative).name}"))
    try:
        with open(target, "rb") as handle:
            files.check_content(extension=extension, head=handle.read(8192), path=target)
        files.make_blind_copy(target, _media(blind_relative), extension)
    except files.FileRefused as refused:
        target.unlink(missing_ok=True)
        _media(blind_relative).unlink(missing_ok=True)
        raise CallRejected(refused.code, refused.message) from None
    with transaction.atomic():
        kind = kind_of(entry.call)
        if not kind.keeps_several_files:
            replaced = [_media(name) for old in entry.files.all() for name in (old.path, old.blind_path, *old.previews)]
            entry.files.all().delete()
            transaction.on_commit(lambda: [path.unlink(missing_ok=True) for path in replaced])
        stored = EntryFile.objects.create(
            entry=entry,
            position=entry.files.count(),
            original_name=name,
            extension=extension,
            size=size,
            path=relative,
            blind_path=blind_relative,
        )
        fields = ["updated_at", *kind.after_attach(entry, stored)]
        if entry.submitted_at:
            entry.file_replaced_at = stored.uploaded_at
            fields.append("file_replaced_at")
            _check_similarity_again(entry)
        entry.save(update_fields=fields)
    return stored


UPLOAD_PURPOSE = "calls.entry"


def entry_upload_start(*, entry: Entry, by: User, filename: str, size: int, replace_confirmed: bool = False):
    """Open a resumable upload (the micro-class library's, `lessons.services.videos`) for a large
    video entry; the file is checked by name and size now, by content when the last chunk arrives
    (`entry_upload_finish`)."""
    from lessons.services import videos

    if by.pk != entry.author_id:
        raise CallRejected("not_allowed", _("Only the author uploads the entry's file."))
    filename = uploaded_name(filename)
    _check_upload(entry, name=filename, size=size, replace_confirmed=replace_confirmed)
    return videos.upload_open(
        filename=filename,
        size=size,
        by=by,
        max_bytes=entry.call.max_file_mb * 2**20,
        purpose=UPLOAD_PURPOSE,
        target_id=entry.pk,
    )


def entry_upload_finish(upload, part: Path) -> None:
    """The resumable upload's finisher: the received file becomes the entry's, checked as a posted
    one is (the deadline too: what counts is when the file is complete)."""
    from lessons.services.videos import UploadRefused

    entry = Entry.objects.select_related("call").filter(pk=upload.target_id).first()
    if entry is None:
        raise UploadRefused(_("No such entry."))
    try:
        # Replacing a submitted file was confirmed when the upload was opened.
        extension = _check_upload(entry, name=upload.filename, size=upload.size, replace_confirmed=True)
        relative = f"calls/{entry.call_id}/{entry.pk}/{secrets.token_hex(8)}.{extension}"
        _media(relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.move(part, _media(relative))
        _keep_file(entry, relative, extension=extension, name=upload.filename, size=upload.size)
    except CallRejected as rejected:
        raise UploadRefused(rejected.message) from None


def entry_video_process(*, entry_id: int) -> Entry | None:
    """Check and transcode a video entry with the micro-class pipeline (`lessons.video`): a poster
    and a faststart MP4 beside the blind copy. Idempotent; a gone entry is left alone."""
    from lessons import video

    entry = Entry.objects.filter(pk=entry_id).first()
    stored = entry.files.first() if entry else None
    if entry is None or stored is None or entry.video_status == "ready":
        return entry
    source = _media(stored.blind_path or stored.path)
    folder = Path(stored.path).parent
    try:
        probe = video.probe(source)
        video.make_poster(source, _media(f"{folder}/poster.jpg"), at_s=min(5.0, probe.duration_s / 3))
        video.make_mp4(source, _media(f"{folder}/video.mp4"), probe)
    except video.VideoRejected as rejected:
        Entry.objects.filter(pk=entry_id).update(video_status="failed", video_failure=rejected.reason[:300])
    else:
        Entry.objects.filter(pk=entry_id).update(video_status="ready", video_failure="")
    entry.refresh_from_db()
    return entry


def _first_reviewer(call: Call, unit: Unit, start: int) -> tuple[int, Unit | None]:
    """The first level from `start` with a unit of its kind at or above `unit`, and that unit;
    (number of levels, None) when no level remains: the entry goes to judging."""
    levels = list(call.levels.all())
    chain = [*Unit.objects.get_ancestors(unit), unit] if unit.depth > 1 else [unit]
    for level in levels[start:]:
        matches = [candidate for candidate in chain if level.reviews_at(candidate)]
        if matches:
            return level.position, matches[-1]
    return len(levels), None


def _place(entry: Entry, start: int, below: Unit) -> None:
    """Send the entry to the first level from `start` with a unit of its kind above `below`, or
    into judging. Call while holding the entry's row lock; reaching judging takes the call's."""
    position, unit = _first_reviewer(entry.call, below, start)
    entry.level, entry.at_unit = position, unit
    entry.status = Entry.Status.SUBMITTED if unit else Entry.Status.FINALIST
    if entry.status == Entry.Status.FINALIST and entry.judging_number is None:
        entry.judging_number = _next_judging_number(entry.call_id)


def _next_judging_number(call_id: int) -> int:
    """The number the call's next entry to reach judging takes (its blind label, 作品 001 ...).

    Counted under the call's row lock, so two entries reaching judging at once never share one;
    numbers are never given back (a withdrawn entry's stays unused), so a label a judge or an
    export has shown keeps naming the same entry."""
    Call.objects.select_for_update().filter(pk=call_id).first()
    highest = Entry.objects.filter(call_id=call_id).aggregate(highest=Max("judging_number"))["highest"]
    return (highest or 0) + 1


@transaction.atomic
def entry_submit(*, entry: Entry, by: User) -> Entry:
    """Hand the entry in: it goes to the first level's unit above the author (or straight to judging)."""
    entry = Entry.objects.select_for_update().get(pk=entry.pk)
    check_changeable(entry)
    if not entry.files.exists():
        raise CallRejected("no_file", _("Attach your file before submitting."))
    if entry.video_status == "failed":
        raise CallRejected(
            "video_failed", _("The video could not be processed: %(why)s.") % {"why": _(entry.video_failure)}
        )
    _check_required_answers(entry)
    entry.unit = entry.author.unit
    _check_unit_limit(entry)
    _place(entry, 0, entry.unit)
    entry.submitted_at = timezone.now()
    entry.returned_reason = ""
    entry.save()
    _check_similarity_again(entry)
    return entry


def _check_similarity_again(entry: Entry) -> None:
    """An essay handed in or replaced after its call stopped taking entries (under a reopening)
    was not in the similarity check made then: the call is checked again (`similarity.calls_due`)."""
    if entry.call.kind == Call.Kind.ESSAY and timezone.now() >= entry.call.ends_at:
        Call.objects.filter(pk=entry.call_id, similarity_checked_at__isnull=False).update(similarity_checked_at=None)


def _check_required_answers(entry: Entry) -> None:
    answered = {answer.field_id for answer in entry.answers.all() if answer.value or answer.path}
    for field in entry.call.fields.filter(required=True):
        if field.pk not in answered:
            raise CallRejected("answer_required", _("Answer “%(label)s” before submitting.") % {"label": field.label})


def _check_unit_limit(entry: Entry) -> None:
    """Refuse a submission past the call's entries per unit. Holds the unit's row lock until the
    transaction ends, so two members of one unit cannot both take its last place."""
    call = entry.call
    if not call.entries_per_unit:
        return
    Unit.objects.select_for_update().filter(pk=entry.unit_id).first()
    sent = (
        call.entries.filter(unit_id=entry.unit_id, status__in=[Entry.Status.SUBMITTED, Entry.Status.FINALIST])
        .exclude(pk=entry.pk)
        .count()
    )
    if sent >= call.entries_per_unit:
        raise CallRejected(
            "unit_full",
            _("%(unit)s has already submitted %(n)d entries to this call, the most one unit may submit.")
            % {"unit": entry.unit.display_name, "n": call.entries_per_unit},
        )


@transaction.atomic
def entry_withdraw(*, entry: Entry, by: User) -> Entry:
    entry = Entry.objects.select_for_update().get(pk=entry.pk)
    if entry.status == Entry.Status.WITHDRAWN:
        return entry
    if entry.call.results_published_at:
        raise CallRejected(
            "published", _("The results of this call are published; entries can no longer be withdrawn.")
        )
    if not entry.withdrawable:
        raise CallRejected("judging_begun", _("Judging has begun; this entry can no longer be withdrawn."))
    entry.status = Entry.Status.WITHDRAWN
    entry.save(update_fields=["status", "updated_at"])
    return entry


@transaction.atomic
def entry_reopen(*, entry: Entry, by: User, until: datetime, reason: str) -> Reopening:
    """Let one entry be changed after the deadline. Takes an organiser of the call's owner unit or
    of the entry's unit, and a reason; both are kept."""
    if not (access.can_manage_unit(by, entry.call.unit) or access.can_manage_unit(by, entry.unit)):
        raise CallRejected(
            "not_allowed", _("Only an organiser of this call or of the author's unit may reopen an entry.")
        )
    # The call's row, as locking the scores and publishing hold it: a reopening made while the
    # results go out either comes first (and holds them) or sees them published.
    entry.call = Call.objects.select_for_update().get(pk=entry.call_id)
    if entry.call.results_published_at:
        raise CallRejected("published", _("The results of this call are published; entries can no longer be reopened."))
    if entry.call.scores_locked_at:
        # What the author changed could not be judged: the judges' scores are final until unlocked.
        raise CallRejected(
            "scores_locked",
            _("The scores of this call are locked: unlock judging (with a reason) before reopening an entry."),
        )
    if not reason.strip():
        raise CallRejected("reason_required", _("Say why this entry is reopened."))
    if until <= timezone.now():
        raise CallRejected("until_past", _("Reopen it until a time in the future."))
    reopening = Reopening.objects.create(entry=entry, until=until, reason=reason.strip()[:300], by=by)
    audit(call=entry.call, entry=entry, by=by, action="reopen", detail=f"{until:%Y-%m-%d %H:%M} {reason.strip()}")
    return reopening


# ---------------------------------------------------------------- recommendation


def check_reviewer(user, entry: Entry) -> None:
    """Refuse unless the entry waits for `user`'s unit to recommend or return it, and the call's
    results are not published (they are final: nothing reaches judging any more)."""
    if entry.call.results_published_at:
        raise CallRejected(
            "published", _("The results of this call are published; entries can no longer be recommended.")
        )
    if entry.status != Entry.Status.SUBMITTED or entry.at_unit is None:
        raise CallRejected("not_waiting", _("This entry is not waiting for review."))
    if not access.can_manage_unit(user, entry.at_unit):
        raise CallRejected(
            "not_allowed", _("This entry is reviewed by %(unit)s.") % {"unit": entry.at_unit.display_name}
        )


@transaction.atomic
def entry_forward(*, entry: Entry, by: User, note: str) -> Entry:
    """Recommend the entry to the next level. A unit forwards at most its level's quota."""
    entry = Entry.objects.select_for_update(of=("self",)).select_related("at_unit", "call").get(pk=entry.pk)
    check_reviewer(by, entry)
    if not note.strip():
        raise CallRejected("note_required", _("Write a short recommendation."))
    level = entry.call.levels.get(position=entry.level)
    # Lock the unit's forwards at this level, so two organisers cannot both take the last place.
    Unit.objects.select_for_update().filter(pk=entry.at_unit_id).first()
    if selectors.forwarded_count(entry.call, entry.level, entry.at_unit_id) >= level.quota:
        raise CallRejected(
            "over_quota",
            _("%(unit)s may recommend at most %(n)d entries and has recommended them all.")
            % {"unit": entry.at_unit.display_name, "n": level.quota},
        )
    Review.objects.create(
        entry=entry, level=entry.level, unit=entry.at_unit, decision="forward", note=note.strip()[:300], by=by
    )
    _place(entry, entry.level + 1, entry.at_unit)
    entry.save()
    return entry


@transaction.atomic
def entry_return(*, entry: Entry, by: User, reason: str) -> Entry:
    """Send the entry back to its author with a reason they see."""
    entry = Entry.objects.select_for_update(of=("self",)).select_related("at_unit").get(pk=entry.pk)
    check_reviewer(by, entry)
    if not reason.strip():
        raise CallRejected("reason_required", _("Say why the entry is returned."))
    Review.objects.create(
        entry=entry, level=entry.level, unit=entry.at_unit, decision="return", note=reason.strip()[:300], by=by
    )
    entry.status, entry.returned_reason, entry.at_unit = Entry.Status.RETURNED, reason.strip()[:300], None
    entry.save()
    return entry


# ---------------------------------------------------------------- judging


def is_conflicted(judge: User, entry: Entry) -> bool:
    """A judge may not score an entry of their own unit subtree, nor their own or co-authored one,
    nor one they have a declared conflict with."""
    # Read through .all(): one query, or none when the caller prefetched the co-authors.
    if judge.pk == entry.author_id or judge.pk in {coauthor.pk for coauthor in entry.coauthors.all()}:
        return True
    if entry.conflicts.filter(judge=judge).exists():  # declared (calls.judges.conflict_record)
        return True
    return judge.unit is not None and entry.unit.path.startswith(judge.unit.path)


@transaction.atomic
def assignment_run(
    *, call: Call, panel: Panel, by: User, seed: str = "", entries: list[Entry] | None = None
) -> list[Assignment]:
    """Give each entry in judging that no judge holds yet (or those of `entries` among them) to
    `judges_per_entry` judges of the panel: never a conflicted judge, the least loaded first
    (counting what they already hold in the call), ties broken by a generator seeded with the
    given or a random seed, logged with the run, so the same seed gives the same assignment. The
    first run's seed stays on the call. An entry that reaches judging after the first run
    (recommended late, or submitted while the call is still open), or that every judge of its
    panel has a conflict with, is assigned by running it again, with this or another panel; an
    entry once assigned is never assigned again. Refused once the scores are locked, and when no
    judge of the panel is free to take any of the entries (nothing is logged then)."""
    call = Call.objects.select_for_update().get(pk=call.pk)
    if call.scores_locked_at:
        raise CallRejected("locked", _("Scores are locked; they can no longer be changed."))
    # A judge deactivated since the panel was made could never score: they get nothing.
    judges = list(panel.judges.filter(is_active=True).select_related("unit").order_by("pk"))
    if not judges:
        raise CallRejected("no_judges", _("Add judges to the panel first."))
    waiting = selectors.unassigned_entries(call).select_related("unit")
    if entries is not None:
        waiting = waiting.filter(pk__in=[entry.pk for entry in entries])
    entries = list(waiting)
    if not entries:
        if call.assigned_at:
            raise CallRejected("already_assigned", _("Every entry in judging already has its judges."))
        raise CallRejected("no_entries", _("No entry has reached judging yet."))
    seed = seed or secrets.token_hex(8)
    rng = random.Random(seed)  # noqa: S311 - fairness and reproducibility, not secrecy
    rng.shuffle(entries)
    tiebreak = {judge.pk: rng.random() for judge in judges}
    load = {judge.pk: 0 for judge in judges}
    for judge_id in Assignment.objects.filter(entry__call=call, judge_id__in=load).values_list("judge_id", flat=True):
        load[judge_id] += 1
    created = []
    for entry in entries:
        eligible = [judge for judge in judges if not is_conflicted(judge, entry)]
        eligible.sort(key=lambda judge: (load[judge.pk], tiebreak[judge.pk]))
        for judge in eligible[: call.judges_per_entry]:
            load[judge.pk] += 1
            created.append(Assignment.objects.create(entry=entry, judge=judge, panel=panel))
    if not created:
        titles = listed(f"“{entry.title}”" for entry in sorted(entries, key=attrgetter("pk")))
        raise CallRejected(
            "no_free_judge",
            _(
                "Every judge on panel %(panel)s has a conflict with %(titles)s: give it to another panel, "
                "or add a judge free of conflicts to this one."
            )
            % {"panel": panel.display_name, "titles": titles},
        )
    if not call.assigned_at:
        call.assignment_seed = seed
        call.assigned_at = timezone.now()
        call.save(update_fields=["assignment_seed", "assigned_at"])
    audit(call=call, by=by, action="assign", code="assigned", seed=seed, n=len(created))
    return created


def access_assignment(user, assignment_id: int) -> Assignment:
    """The judge's own assignment; anyone else (including the author) is refused."""
    assignment = Assignment.objects.select_related("entry__call", "entry__unit").filter(pk=assignment_id).first()
    if assignment is None or assignment.judge_id != user.pk:
        raise CallRejected("not_assigned", _("This entry is not assigned to you."))
    return assignment


@transaction.atomic
def score_record(
    *,
    assignment: Assignment,
    by: User,
    values: dict[int, Decimal],
    comment: str | None = None,
    draft: bool = False,
) -> list[ScoreEvent]:
    """Record the judge's scores (criterion id -> value) and, unless `comment` is None, their
    comment (plain text; empty takes it back); only changed values add a row. Every criterion
    must be scored, except in a `draft`, which keeps the criteria given so far (an assignment
    counts once every criterion has a score). Refused after the lock, for someone else's
    assignment, a conflicted entry, a value out of range or a comment over `COMMENT_MAX`
    characters, and then nothing is recorded."""
    call = Call.objects.select_for_update().get(pk=assignment.entry.call_id)
    if assignment.judge_id != by.pk:
        raise CallRejected("not_assigned", _("This entry is not assigned to you."))
    if is_conflicted(by, assignment.entry):
        raise CallRejected("conflicted", _("You may not score an entry from your own unit."))
    if not assignment.panel.judges.filter(pk=by.pk).exists():
        raise CallRejected("withdrawn", _("You no longer judge this call; the scores you gave stand."))
    if call.scores_locked_at:
        raise CallRejected("locked", _("Scores are locked; they can no longer be changed."))
    criteria = {criterion.pk: criterion for criterion in call.criteria.all()}
    if not set(values) <= set(criteria) or (not draft and set(values) != set(criteria)):
        raise CallRejected("incomplete", _("Score every criterion."))
    problems = score_problems(criteria, values)
    if problems:
        # Every wrong criterion at once: a judge on a phone should not find them one submit at a time.
        first_code = next(iter(problems.values()))[0]
        rejected = CallRejected(first_code, joined_sentences(message for _code, message in problems.values()))
        rejected.criteria = list(problems)
        raise rejected
    if comment is not None:
        # Plain text: line ends made one, NUL characters (which PostgreSQL cannot store) dropped.
        comment = comment.replace("\r\n", "\n").replace("\x00", "").strip()
        if len(comment) > COMMENT_MAX:
            raise CallRejected(
                "comment_too_long",
                _("A comment takes at most %(limit)d characters; this one has %(length)d.")
                % {"limit": COMMENT_MAX, "length": len(comment)},
            )
    current = current_scores(assignment)
    recorded = [
        ScoreEvent.objects.create(assignment=assignment, criterion_id=pk, value=value, by=by)
        for pk, value in sorted(values.items())
        if current.get(pk) != value
    ]
    if comment is not None and comment != current_comment(assignment):
        ScoreComment.objects.create(assignment=assignment, text=comment, by=by)
    return recorded


def plain_score(text: str) -> Decimal | None:
    """The number `text` spells as a plain decimal (outer spaces aside), or None for anything else
    (empty, an exponent, underscores, hexadecimal, infinity, non-ASCII digits)."""
    text = text.strip()
    return Decimal(text) if PLAIN_NUMBER.fullmatch(text) else None


def score_problems(criteria: dict[int, Criterion], values: dict[int, Decimal]) -> dict[int, tuple[str, str]]:
    """Criterion id -> (code, message) for each of `values` its criterion refuses (not a number,
    out of its range, more than two places), in the rubric's order (the order of `criteria`)."""
    problems: dict[int, tuple[str, str]] = {}
    for pk in sorted(values, key=list(criteria).index):
        value, criterion = values[pk], criteria[pk]
        # NaN first: comparing it raises.
        if not value.is_finite():
            problems[pk] = ("bad_score", _("%(name)s takes a number.") % {"name": criterion.display_name})
        elif not criterion.min_score <= value <= criterion.max_score:
            low, high = f"{criterion.min_score.normalize():f}", f"{criterion.max_score.normalize():f}"
            problems[pk] = (
                "out_of_range",
                _("%(name)s takes a score from %(low)s to %(high)s.")
                % {"name": criterion.display_name, "low": low, "high": high},
            )
        # A score is kept to two places: refuse more rather than round what the judge typed.
        elif value != value.quantize(SCORE_PLACES, rounding=ROUND_DOWN):
            problems[pk] = (
                "bad_score",
                _("%(name)s takes at most two decimal places.") % {"name": criterion.display_name},
            )
    return problems


def current_comment(assignment: Assignment) -> str:
    """The judge's latest comment on the entry ("" when none)."""
    latest = assignment.comments.order_by("-id").first()
    return latest.text if latest else ""


def current_scores(assignment: Assignment) -> dict[int, Decimal]:
    """Criterion id -> the latest value the judge gave."""
    latest: dict[int, Decimal] = {}
    for event in assignment.score_events.order_by("id"):
        latest[event.criterion_id] = event.value
    return latest


def check_results_complete(call: Call) -> None:
    """Refuse (naming the entries) while an entry in judging has no judge yet, or a judge who
    still sits on its panel has not scored it in full: a rank or a prize must not rest on part
    of the scores."""
    from .judges import entries_without_free_judge

    unassigned = list(selectors.unassigned_entries(call))
    if unassigned:
        # An entry every judge of its panel has a conflict with needs another panel or another
        # judge, not an assignment run: say so, with the fixes the call page offers.
        blocked = entries_without_free_judge(call)
        reasons = [
            (
                _(
                    "No judge can score “%(entry)s”: every judge on panel %(panels)s has a conflict with it "
                    "(their own unit, authorship or a declared conflict). Give it to another panel, or add a "
                    "judge free of conflicts to its panel, on the call page."
                )
                if item.elsewhere
                else _(
                    "No judge can score “%(entry)s”: every judge on panel %(panels)s has a conflict with it "
                    "(their own unit, authorship or a declared conflict). Add a judge free of conflicts to its "
                    "panel, on the call page."
                )
            )
            % {"entry": item.entry.title, "panels": item.panel_names}
            for item in blocked
        ]
        stranded = {item.entry.pk for item in blocked}
        waiting = [entry.title for entry in unassigned if entry.pk not in stranded]
        if waiting:
            reasons.insert(0, _("%(titles)s has no judges yet: assign it first.") % {"titles": listed(waiting)})
        raise CallRejected("no_free_judge" if not waiting else "not_assigned", " ".join(reasons))
    incomplete = [row for row in selectors.results(call) if row.incomplete]
    if incomplete:
        raise CallRejected(
            "scores_missing",
            _("Scores are missing: %(entries)s. Wait for the judges, or take a judge who cannot score off the panel.")
            % {
                "entries": listed(
                    ngettext("%(title)s (%(n)d score)", "%(title)s (%(n)d scores)", row.missing)
                    % {"title": row.entry.title, "n": row.missing}
                    for row in incomplete
                )
            },
        )


def check_call_closed(call: Call) -> None:
    """Refuse while the call still takes entries: one sent after the scores were locked or the
    results published could never be judged."""
    if timezone.now() < call.closes_at:
        raise CallRejected(
            "still_open",
            _(
                "The call takes entries until %(at)s: the scores can be locked and the results published "
                "once it has closed (or close it now as you lock the scores)."
            )
            % {"at": local_moment(call.closes_at)},
        )


def running_reopening(call: Call) -> Reopening | None:
    """The reopening of the call's entries that ends last among those still running on an entry
    its author may yet change (not withdrawn, not in judging, not submitted and already reviewed:
    `check_changeable` refuses those), or None."""
    reviewed = Review.objects.filter(entry=OuterRef("entry"))
    return (
        Reopening.objects.filter(entry__call=call, until__gt=timezone.now())
        .exclude(entry__status__in=[Entry.Status.WITHDRAWN, Entry.Status.FINALIST])
        .exclude(Q(entry__status=Entry.Status.SUBMITTED) & Exists(reviewed))
        .select_related("entry")
        .order_by("-until", "-pk")
        .first()
    )


def check_no_reopening(call: Call) -> None:
    """Refuse while an entry is reopened: what its author sends until then could never be judged
    once the scores are locked (closing the call now does not end a reopening)."""
    reopening = running_reopening(call)
    if reopening is not None:
        raise CallRejected(
            "reopened",
            _(
                "“%(entry)s” is reopened for its author until %(at)s: the scores can be locked and the "
                "results published once the reopening has ended."
            )
            % {"entry": reopening.entry.title, "at": local_moment(reopening.until)},
        )


@transaction.atomic
def scores_lock(*, call: Call, by: User, close_now: bool = False) -> Call:
    """Lock the scores; refused while some are missing (`check_results_complete`), while an entry
    is reopened (`check_no_reopening`), and while the call still takes entries (`check_call_closed`)
    unless `close_now`: the call then closes now (its closing time becomes now, the old one logged
    with the lock), once the scores are complete."""
    call = Call.objects.select_for_update().get(pk=call.pk)
    if not call.scores_locked_at:
        now = timezone.now()
        closing = close_now and call.opens_at < now < call.closes_at
        if not closing:
            check_call_closed(call)
        check_no_reopening(call)
        check_results_complete(call)
        code, params = "", {}
        if closing:
            code, params = "closed_to_lock", {"was_at": call.closes_at.isoformat()}
            call.closes_at = now
        call.scores_locked_at = now
        call.save(update_fields=["scores_locked_at", "closes_at"])
        audit(call=call, by=by, action="lock", code=code, **params)
    return call


@transaction.atomic
def scores_unlock(*, call: Call, by: User, reason: str) -> Call:
    """Reopen judging on a locked call: judges may score again (an entry locked with scores
    missing can then be completed, or given judges), until the call is locked again. Takes an
    organiser of the call's owner unit and a reason, both logged; refused once the results are
    published, which are final. Unlocking an unlocked call changes nothing."""
    call = Call.objects.select_for_update().get(pk=call.pk)
    if not access.can_manage_unit(by, call.unit):
        raise CallRejected(
            "not_allowed", _("Only organisers of %(unit)s can unlock judging.") % {"unit": call.unit.name}
        )
    if call.results_published_at:
        raise CallRejected("published", _("The results are published; judging can no longer be unlocked."))
    if not call.scores_locked_at:
        return call
    if not reason.strip():
        raise CallRejected("reason_required", _("Say why judging is unlocked."))
    call.scores_locked_at = None
    call.save(update_fields=["scores_locked_at"])
    audit(call=call, by=by, action=AuditEvent.Action.UNLOCK, detail=reason.strip())
    return call


@transaction.atomic
def results_publish(*, call: Call, by: User) -> Call:
    """Publish locked results; refused while the call is open (one locked before the lock
    checked that; `check_call_closed`), while an entry is reopened (reopened after the lock;
    `check_no_reopening`) or scores are missing (a call locked before the lock
    checked them: judging is unlocked to complete them, `scores_unlock`)."""
    call = Call.objects.select_for_update().get(pk=call.pk)
    if not call.scores_locked_at:
        raise CallRejected("not_locked", _("Lock the scores before publishing the results."))
    if not call.results_published_at:
        try:
            check_results_complete(call)
        except CallRejected as incomplete:
            hint = _("While the scores are locked nothing can change: unlock judging first.")
            raise CallRejected(incomplete.code, f"{incomplete.message} {hint}") from None
        check_call_closed(call)
        check_no_reopening(call)
        call.results_published_at = timezone.now()
        call.save(update_fields=["results_published_at"])
        audit(call=call, by=by, action="publish")
    return call


def levels_locked(call: Call) -> bool:
    """Entries wait at the levels once one is submitted: they can no longer change."""
    return call.pk is not None and call.entries.exclude(status=Entry.Status.DRAFT).exists()


def criteria_locked(call: Call) -> bool:
    return call.pk is not None and ScoreEvent.every.filter(assignment__entry__call=call).exists()


# What makes finals, ranks and prizes of the scores besides the rubric: fixed with the scores
# (the prize tiers too), so a locked or published result cannot change under its entries.
RESULT_SETTINGS = ("drop_extremes_from", "normalise_per_judge", "prize_mode", "boundary_ties", "percent_rounding")


def results_settings_locked(call: Call) -> str:
    """Why the call's prizes and scoring settings (`RESULT_SETTINGS` and the prize tiers) cannot
    change now, or "" while they can: they are fixed once the scores are locked, until judging is
    unlocked (`scores_unlock`, with a reason), and for good once the results are published."""
    if call.pk is None or not call.scores_locked_at:
        return ""
    if call.results_published_at:
        return _("The results are published, so the prizes and the scoring can no longer change.")
    return _(
        "The scores are locked, so the prizes and the scoring cannot change: "
        "unlock judging on the call's page first (with a reason, kept in the log)."
    )


def _tier_rows(tiers) -> list[tuple[str, Decimal, str]]:
    return [(name, Decimal(value), english[0].strip() if english else "") for name, value, *english in tiers]


@transaction.atomic
def call_settings_save(
    *,
    call: Call,
    levels: list[tuple[str, int]],
    criteria: list[tuple[str, Decimal, Decimal, Decimal] | tuple[str, Decimal, Decimal, Decimal, str]],
    tiers: list[tuple[str, Decimal] | tuple[str, Decimal, str]] | None,
    settings_changed: list[str] | tuple = (),
    by: User | None = None,
) -> None:
    """Replace the call's levels, criteria (name, weight, lowest and highest score and an
    optional English name) and prize tiers (name, value and an optional English name) by the
    given rows, in order. Levels stay as they are once an entry is submitted (entries wait at
    them), criteria once a score exists; `tiers=None` keeps the tiers.

    `settings_changed` names the call's `RESULT_SETTINGS` the caller changed with these rows (in
    this transaction). A change of those or of the tiers is refused with the reason while
    `results_settings_locked`, and logged (`settings_changed`, by `by`) once judges have scored."""
    changed = [name for name in RESULT_SETTINGS if name in settings_changed]
    if tiers is not None:
        stored = [(t.name, t.value, t.name_en) for t in call.prize_tiers.all()]
        if _tier_rows(tiers) != stored:
            changed.append("prize_tiers")
    if changed:
        locked = results_settings_locked(Call.objects.select_for_update().get(pk=call.pk))
        if locked:
            raise CallRejected("results_locked", locked)
    if not levels_locked(call):
        call.levels.all().delete()
        Level.objects.bulk_create(
            Level(call=call, position=i, unit_kind=kind, quota=quota) for i, (kind, quota) in enumerate(levels)
        )
    scored = criteria_locked(call)
    if not scored:
        call.criteria.all().delete()
        Criterion.objects.bulk_create(
            Criterion(
                call=call,
                position=i,
                name=name,
                name_en=english[0].strip() if english else "",
                weight=weight,
                min_score=low,
                max_score=high,
            )
            for i, (name, weight, low, high, *english) in enumerate(criteria)
        )
    if "prize_tiers" in changed:
        call.prize_tiers.all().delete()
        PrizeTier.objects.bulk_create(
            PrizeTier(call=call, position=i, name=name, value=value, name_en=english)
            for i, (name, value, english) in enumerate(_tier_rows(tiers))
        )
    if changed and scored and by is not None:
        # Finals and prizes of scored entries may come out differently: the log says what changed.
        audit(call=call, by=by, action=AuditEvent.Action.RESULT_SETTINGS, code="settings_changed", settings=changed)


# ---------------------------------------------------------------- the organiser's extra fields

FIELD_FILE_TYPES = ("pdf", "docx", "jpg", "jpeg", "png")
ANSWER_MAX_CHARS = 2000


def _answer_value(field: CallField, raw: str) -> str:
    """The answer as stored, or CallRejected naming the field. Text is kept as typed (pages
    escape it); a choice must be one of the field's; a number must be one."""
    raw = raw.strip()
    if not raw:
        return ""
    if field.kind == CallField.Kind.TEXT:
        if len(raw) > ANSWER_MAX_CHARS:
            raise CallRejected(
                "answer_too_long",
                _("“%(label)s” takes at most %(n)d characters.") % {"label": field.label, "n": ANSWER_MAX_CHARS},
            )
        return raw
    if field.kind == CallField.Kind.CHOICE:
        if raw not in field.options:
            raise CallRejected(
                "bad_choice",
                _("“%(label)s” takes one of: %(options)s.") % {"label": field.label, "options": listed(field.options)},
            )
        return raw
    try:
        number = Decimal(raw.replace(",", ""))
    except ArithmeticError:
        number = None
    if number is None or not number.is_finite():
        raise CallRejected("bad_number", _("“%(label)s” takes a number.") % {"label": field.label})
    return f"{number.normalize():f}"


def _answer_file(entry: Entry, field: CallField, upload: UploadedFile) -> tuple[str, str]:
    """Check and keep a file answering `field` (as entry files are checked), with its blind copy;
    returns both paths under MEDIA_ROOT."""
    extension = files.extension_of(uploaded_name(upload.name))
    if extension not in FIELD_FILE_TYPES:
        raise CallRejected(
            "type_not_allowed",
            _("“%(label)s” takes %(types)s files.")
            % {"label": field.label, "types": ", ".join(f".{ext}" for ext in FIELD_FILE_TYPES)},
        )
    if upload.size > entry.call.max_file_mb * 2**20:
        raise CallRejected(
            "too_large",
            _("The file is %(size)s MB; the limit is %(limit)s MB.")
            % {"size": -(-upload.size // 2**20), "limit": entry.call.max_file_mb},
        )
    if upload.size == 0:
        raise CallRejected("empty", _("The file is empty."))
    stem = secrets.token_hex(8)
    relative = f"calls/{entry.call_id}/{entry.pk}/field-{stem}.{extension}"
    blind_relative = f"calls/{entry.call_id}/{entry.pk}/blind-field-{stem}.{extension}"
    target = _media(relative)
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "wb") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
    try:
        with open(target, "rb") as handle:
            files.check_content(extension=extension, head=handle.read(8192), path=target)
        files.make_blind_copy(target, _media(blind_relative), extension)
    except files.FileRefused as refused:
        target.unlink(missing_ok=True)
        _media(blind_relative).unlink(missing_ok=True)
        raise CallRejected(refused.code, f"{field.label}: {refused.message}") from None
    return relative, blind_relative


@transaction.atomic
def entry_answers_save(
    *, entry: Entry, by: User, values: dict[int, str], uploads: dict[int, UploadedFile] | None = None
) -> list[FieldAnswer]:
    """Keep the author's answers to the call's fields (field id -> text; field id -> file). All or
    nothing: one bad answer refuses them all, naming its field. A field left empty is cleared,
    except a file field given no new file, which keeps its file."""
    check_changeable(entry)
    uploads = uploads or {}
    fields = list(entry.call.fields.all())
    cleaned = {
        field.pk: _answer_value(field, values.get(field.pk, ""))
        for field in fields
        if field.kind != CallField.Kind.FILE
    }
    kept: list[Path] = []
    stored_files = {}
    try:
        for field in fields:
            if field.kind == CallField.Kind.FILE and field.pk in uploads:
                stored_files[field.pk] = _answer_file(entry, field, uploads[field.pk])
                kept += [_media(path) for path in stored_files[field.pk]]
    except CallRejected:
        for path in kept:
            path.unlink(missing_ok=True)
        raise
    saved = []
    existing = {answer.field_id: answer for answer in entry.answers.all()}
    for field in fields:
        answer = existing.get(field.pk) or FieldAnswer(entry=entry, field=field)
        if field.kind == CallField.Kind.FILE:
            if field.pk not in stored_files:
                continue
            old = [_media(path) for path in (answer.path, answer.blind_path) if path]
            transaction.on_commit(lambda old=old: [path.unlink(missing_ok=True) for path in old])
            answer.path, answer.blind_path = stored_files[field.pk]
            answer.original_name = uploaded_name(uploads[field.pk].name)
        else:
            answer.value = cleaned[field.pk]
        answer.save()
        saved.append(answer)
    return saved


def answers_shown(entry: Entry, *, to_judge: bool) -> list[FieldAnswer]:
    """The entry's answers in the call's order; a judge of a blind call is not shown identifying ones."""
    answers = entry.answers.select_related("field").order_by("field__position")
    if to_judge and entry.call.blind:
        answers = answers.exclude(field__identifying=True)
    return [answer for answer in answers if answer.value or answer.path]


def call_fields_save(*, call: Call, fields: list[tuple[str, str, str, bool, bool]]) -> None:
    """Replace the call's fields by (label, kind, choices, required, identifying) rows, in order,
    while no entry is submitted (answers are kept by field; submitted answers stay as asked)."""
    if levels_locked(call):
        return
    call.fields.all().delete()
    CallField.objects.bulk_create(
        CallField(call=call, position=i, label=label, kind=kind, choices=choices, required=required, identifying=ident)
        for i, (label, kind, choices, required, ident) in enumerate(fields)
    )
