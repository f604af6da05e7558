"""Judges: judge-only accounts, declared conflicts and reassignment, reminders.

A **judge-only account** is created by an organiser for an outside expert: no unit, no role, a
printed password good for one sign-in (the judge must choose their own first). It reaches its
assignments (pages and API), its notifications, signing out and changing its password; every
other page and API answers 403 (`JudgeOnlyMiddleware`, `JudgeOnlyPermission`).

A **conflict** (`Conflict`) is declared by the judge on an assignment or recorded by an organiser
of the call. The judge then never gets the entry: an unscored assignment passes to the panel's
judge with the fewest assignments in the call who is free of conflicts with the entry and does
not have it yet (ties broken by a generator seeded with the call's assignment seed and the
entry, so the same facts give the same judge). A judge who has already scored the entry keeps the
scores as recorded; the conflict is refused with a reason, for an organiser to decide.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q, QuerySet
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from rest_framework.permissions import BasePermission

from notifications.kinds import Kind, register
from orgs import access
from orgs.models import Unit, User, phone_validator
from orgs.name_search import search_words, spelling_fields, spelling_q
from orgs.selectors import PEOPLE_BY_NAME, unit_paths
from orgs.sockets import SignInEnded, member_sockets_end
from quizsite.naming import listed

from . import selectors
from .models import (
    Assignment,
    AuditEvent,
    Call,
    Conflict,
    Entry,
    JudgeAccount,
    JudgeReminder,
    Panel,
    ScoreClearing,
    ScoreComment,
    ScoreEvent,
)
from .services import CallRejected, audit

PASSWORD_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"  # noqa: S105 - an alphabet; no 0/O, 1/l/I
PASSWORD_LENGTH = 10


# ---------------------------------------------------------------- accounts


def judge_account_of(user) -> JudgeAccount | None:
    """The user's judge-only account (None for everyone else), fetched once per user object.
    Judge-only accounts belong to no unit, so a member (who has one) costs no query: this runs
    on every request, heartbeats and autosaves included."""
    if not getattr(user, "is_authenticated", False) or user.unit_id is not None:
        return None
    if not hasattr(user, "_calls_judge_account"):
        user._calls_judge_account = JudgeAccount.objects.filter(user_id=user.pk).first()
    return user._calls_judge_account


def is_judge_only(user) -> bool:
    return judge_account_of(user) is not None


def _printed_password() -> str:
    return "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(PASSWORD_LENGTH))


def _username() -> str:
    while True:
        name = f"judge-{secrets.token_hex(3)}"
        if not User.objects.filter(username=name).exists():
            return name


@transaction.atomic
def judge_account_create(*, by: User, unit: Unit, name: str, contact: str = "") -> tuple[JudgeAccount, str]:
    """Create a judge-only account owned by `unit` (the organiser's); returns it and the printed
    password, which is shown once and kept only as a hash."""
    if not access.can_manage_unit(by, unit):
        raise CallRejected("not_allowed", _("You can only create judges for units you manage."))
    if not name.strip():
        raise CallRejected("name_required", _("Give the judge's name."))
    contact = contact.strip()[:120]
    password = _printed_password()
    user = User(username=_username(), real_name=name.strip()[:50], unit=None, is_party_member=False)
    if "@" in contact:
        user.email = contact
    else:
        try:
            phone_validator(contact)
            user.phone = contact
        except Exception:  # noqa: BLE001, S110 - a contact that is no phone number stays as written
            pass
    user.set_password(password)
    user.save()
    account = JudgeAccount.objects.create(
        user=user, unit=unit, contact=contact, issued_password=user.password, created_by=by
    )
    return account, password


@transaction.atomic
def judge_account_reset(*, account: JudgeAccount, by: User) -> str:
    """A new printed password (the old one stops working; the judge's open live sockets close
    after the commit); the judge chooses their own again."""
    if not access.can_manage_unit(by, account.unit):
        raise CallRejected("not_allowed", _("You can only manage judges of units you manage."))
    password = _printed_password()
    account.user.set_password(password)
    account.user.save(update_fields=["password"])
    account.issued_password = account.user.password
    account.save(update_fields=["issued_password"])
    member_sockets_end(user_ids=[account.user_id], reason=SignInEnded.PASSWORD_RESET)
    return password


def must_choose_password(account: JudgeAccount) -> bool:
    return bool(account.issued_password) and account.user.password == account.issued_password


def managed_judge_accounts(user):
    return JudgeAccount.objects.filter(access.subtree_q(user, prefix="unit__")).select_related("user", "unit")


# ---------------------------------------------------------------- who may judge a call

# Up to this many candidates the picker's page lists them all (and works without JavaScript);
# past it the page lists the panel's own judges and the picker asks `judge_candidates_page`.
PICKER_INLINE_LIMIT = 300


def judge_candidates(call: Call, user) -> QuerySet[User]:
    """The accounts `user` may put on `call`'s panels: active members of
    the units `user` manages, the judge-only accounts of those units, and whoever is on one of
    the call's panels already (so that editing a panel never drops a judge). Anyone else is
    answered as an unknown name is: an organiser cannot probe other organs' accounts."""
    accounts = JudgeAccount.objects.filter(access.subtree_q(user, prefix="unit__")).values("user_id")
    on_panels = Panel.judges.through.objects.filter(panel__call=call).values("user_id")
    return User.objects.filter(
        Q(access.subtree_q(user, prefix="unit__")) | Q(pk__in=accounts) | Q(pk__in=on_panels), is_active=True
    )


def candidate_rows(users) -> list[dict]:
    """For the picker: each account's id, name, unit (its path; a judge-only account's owner unit,
    marked as outside judge), employee number and user name, in that order of the given users."""
    users = list(users)
    owners = {
        account.user_id: account.unit
        for account in JudgeAccount.objects.filter(user__in=[u.pk for u in users if u.unit_id is None]).select_related(
            "unit"
        )
    }
    units = {u.unit for u in users if u.unit_id is not None} | set(owners.values())
    paths = unit_paths(list(units))
    rows = []
    for user in users:
        if user.unit_id is not None:
            unit = paths[user.unit_id]
        elif user.pk in owners:
            unit = _("Outside judge of %(unit)s") % {"unit": paths[owners[user.pk].pk]}
        else:
            unit = ""
        rows.append(
            {
                "id": user.pk,
                "name": user.display_name,
                "unit": unit,
                "employee_no": user.employee_no or "",
                "username": user.username,
                **spelling_fields(user.name_sort),
            }
        )
    return rows


def candidates_matching(candidates: QuerySet[User], text: str, *, limit: int = 20) -> QuerySet[User]:
    """The candidates with each word of `text` in their name, its pinyin (in full or by
    initials, orgs.name_search), user name, employee number or unit, a unit matching by any name
    on its path, as the picker searches what its rows carry (`candidate_rows`)."""
    matches = candidates
    for word in search_words(text):
        within = (
            Q(real_name__icontains=word)
            | Q(username__icontains=word)
            | Q(employee_no__icontains=word)
            | spelling_q(word)
        )
        for path in Unit.objects.filter(name__icontains=word).values_list("path", flat=True)[:50]:
            within |= Q(unit__path__startswith=path) | Q(judge_account__unit__path__startswith=path)
        matches = matches.filter(within)
    return matches.select_related("unit").order_by("unit__path", *PEOPLE_BY_NAME)[:limit]


@transaction.atomic
def panel_save(
    *, call: Call, by: User, name: str, judges: list[User], panel: Panel | None = None, name_en: str = ""
) -> Panel:
    """Create a panel of the call (or rename `panel` and set its judges), with its optional
    English name (`name_en`). Every judge must be
    among `judge_candidates` (or on `panel` already); refused once judges are assigned, when a
    judge leaves through `judge_withdraw` instead. The view checks that `by` organises the call."""
    call = Call.objects.select_for_update().get(pk=call.pk)
    if call.assigned_at:
        raise CallRejected(
            "assigned", _("Entries are assigned; a judge who drops out leaves through the progress table.")
        )
    allowed = set(judge_candidates(call, by).values_list("pk", flat=True))
    if panel is not None:
        allowed |= set(panel.judges.values_list("pk", flat=True))
    outside = [judge for judge in judges if judge.pk not in allowed]
    if outside:
        raise CallRejected("not_a_candidate", unknown_member(str(outside[0].pk)))
    if not judges:
        raise CallRejected("no_judges", _("Pick at least one judge."))
    if panel_name_taken(call, name, panel=panel):
        raise CallRejected("panel_name_taken", panel_name_taken_message(name))
    # Kept as compared: the constraint one_panel_name_per_call then refuses what the check refuses.
    name = name.strip()
    if panel is None:
        panel = Panel.objects.create(call=call, name=name, name_en=name_en.strip())
    else:
        panel.name, panel.name_en = name, name_en.strip()
        panel.save(update_fields=["name", "name_en"])
    panel.judges.set(judges)
    return panel


def panel_name_taken(call: Call, name: str, *, panel: Panel | None = None) -> bool:
    """Whether another panel of `call` has `name`: the manage page, the assign button and the
    judges' progress name panels by it, so two alike could not be told apart."""
    others = Panel.objects.filter(call=call, name=name.strip())
    return (others.exclude(pk=panel.pk) if panel is not None else others).exists()


def panel_name_taken_message(name: str) -> str:
    return _("This call already has a panel named %(name)s; give this one another name.") % {"name": name.strip()}


def panel_short_message(call: Call, *, name: str, size: int) -> str:
    """What to say of a panel with fewer judges than each of `call`'s entries needs, or ""."""
    if size >= call.judges_per_entry:
        return ""
    return ngettext(
        "Panel %(panel)s has %(n)d judge, but each entry needs %(k)d: assigned now, each entry would get "
        "at most %(n)d. Add judges, or lower “judges per entry” in the call's settings.",
        "Panel %(panel)s has %(n)d judges, but each entry needs %(k)d: assigned now, each entry would get "
        "at most %(n)d. Add judges, or lower “judges per entry” in the call's settings.",
        size,
    ) % {"panel": name, "n": size, "k": call.judges_per_entry}


def unknown_member(name: str) -> str:
    """The one answer for a name that is no account and for an account out of reach."""
    return _("No member has the employee number or user name %(name)s.") % {"name": name}


# What a judge-only account may open: its assignments, its notifications, signing in and out,
# its password and the language switch. Everything else is refused.
JUDGE_PAGE_PREFIXES = ("/calls/judging/", "/notifications/", "/i18n/", "/static/", "/jsi18n/")
JUDGE_ACCOUNT_PAGES = ("/accounts/login/", "/accounts/logout/", "/accounts/password/", "/accounts/password/done/")
JUDGE_API_URLS = {
    "api-call-assignments",
    "api-call-assignment",
    "api-call-assignment-scores",
    "api-tokens",
    "api-token-revoke",
    "api-notifications",
    "api-notifications-unread",
    "api-notifications-read-all",
    "api-notification-read",
}


class JudgeOnlyMiddleware:
    """Keeps judge-only accounts to their assignments on the pages (the API: `JudgeOnlyPermission`).
    The home page sends them to their assignments; a printed password must be replaced first."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info
        account = None if path.startswith("/api/") else judge_account_of(request.user)
        if account is not None:
            request.judge_only = True
            if must_choose_password(account) and path not in JUDGE_ACCOUNT_PAGES:
                return redirect("password_change")
            if path == "/":
                return redirect("calls:judging")
            if not (path in JUDGE_ACCOUNT_PAGES or path.startswith(JUDGE_PAGE_PREFIXES)):
                raise PermissionDenied(_("A judge's account opens only the entries assigned to it."))
        return self.get_response(request)


class JudgeOnlyPermission(BasePermission):
    """Judge-only accounts reach only their assignments (and their tokens and notifications)."""

    message = _("A judge's account opens only the entries assigned to it.")

    def has_permission(self, request, view) -> bool:
        account = judge_account_of(request.user)
        if account is None:
            return True
        match = request.resolver_match
        return bool(match and match.url_name in JUDGE_API_URLS and not must_choose_password(account))


# ---------------------------------------------------------------- conflicts


def _replacement(assignment: Assignment) -> User | None:
    """The panel's judge to take the assignment over: free of conflicts with the entry, not yet
    holding it, fewest assignments in the call, ties broken reproducibly."""
    from .services import is_conflicted

    entry = assignment.entry
    holding = set(entry.assignments.values_list("judge_id", flat=True))
    candidates = [
        judge
        for judge in assignment.panel.judges.select_related("unit").order_by("pk")
        if judge.pk not in holding and not is_conflicted(judge, entry)
    ]
    if not candidates:
        return None
    rng = random.Random(f"{entry.call.assignment_seed}:{entry.pk}")  # noqa: S311 - reproducibility
    tiebreak = {judge.pk: rng.random() for judge in candidates}
    loads = {judge.pk: Assignment.objects.filter(entry__call=entry.call, judge=judge).count() for judge in candidates}
    return min(candidates, key=lambda judge: (loads[judge.pk], tiebreak[judge.pk]))


def conflict_judges(call: Call) -> QuerySet[User]:
    """The accounts an organiser may name in a conflict with an entry of `call`: the judges on
    its panels (whoever put them there). Anyone else is answered as an unknown name is."""
    return User.objects.filter(pk__in=Panel.judges.through.objects.filter(panel__call=call).values("user_id"))


def conflict_entries(call: Call) -> QuerySet[Entry]:
    """The entries of `call` a conflict may concern: handed in and not withdrawn (a draft is
    its authors' alone)."""
    return call.entries.exclude(status__in=[Entry.Status.DRAFT, Entry.Status.WITHDRAWN])


@transaction.atomic
def conflict_record(*, entry: Entry, judge: User, by: User, reason: str) -> tuple[Conflict, Assignment | None]:
    """Record that `judge` may not judge `entry` (the judge themself, or an organiser of the
    call naming one of its panel judges), and hand an unscored assignment to another judge.
    Returns the conflict and the new assignment (None when the judge held none, or no judge of
    the panel is free). Refused once the scores are locked."""
    call = Call.objects.select_for_update().get(pk=entry.call_id)
    if call.scores_locked_at:
        # The pages hide the forms then, but a POST by URL reassigned an unscored entry after the lock.
        raise CallRejected("locked", _("Scores are locked; they can no longer be changed."))
    if by.pk != judge.pk:
        if not access.can_manage_unit(by, call.unit):
            raise CallRejected("not_allowed", _("Only the judge or an organiser of this call may record a conflict."))
        if not conflict_judges(call).filter(pk=judge.pk).exists():
            raise CallRejected("not_a_judge", unknown_member(judge.username))
        if not conflict_entries(call).filter(pk=entry.pk).exists():
            raise CallRejected("not_an_entry", _("Pick the entries from the list of this call's entries."))
    if not reason.strip():
        raise CallRejected("reason_required", _("Say what the conflict is."))
    held = Assignment.objects.filter(entry=entry, judge=judge).select_related("panel", "entry__call").first()
    if held is not None and ScoreEvent.every.filter(assignment=held).exists():  # set aside ones too: never deleted
        if by.pk != judge.pk:
            raise CallRejected(
                "already_scored",
                _("%(judge)s has already scored “%(entry)s”; the scores stay on record and no conflict is recorded.")
                % {"judge": judge.display_name, "entry": entry.title},
            )
        raise CallRejected(
            "already_scored",
            _("This judge has already scored the entry; the scores stay on record. Ask the call's organiser."),
        )
    conflict, _created = Conflict.objects.get_or_create(
        entry=entry, judge=judge, defaults={"reason": reason.strip()[:300], "by": by}
    )
    replacement = None
    if held is not None:
        panel = held.panel
        held.delete()
        held.panel = panel
        successor = _replacement(held)
        if successor is not None:
            replacement = Assignment.objects.create(entry=entry, judge=successor, panel=panel)
    detail = f"{judge.display_name} × {entry.title}: {reason.strip()}"
    if replacement is not None:
        detail += f" → {replacement.judge.display_name}"
    audit(call=call, entry=entry, by=by, action="conflict", detail=detail)
    return conflict, replacement


@transaction.atomic
def conflicts_record(
    *, entries: list[Entry], judge: User, by: User, reason: str
) -> list[tuple[Conflict, Assignment | None]]:
    """An organiser's conflict between one panel judge and several entries, as `conflict_record`
    each: all of them or, when one is refused, none."""
    return [conflict_record(entry=entry, judge=judge, by=by, reason=reason) for entry in entries]


# ---------------------------------------------------------------- entries no judge can score


@dataclass
class NoFreeJudge:
    """An entry in judging that no judge holds and that every judge of `panels` has a conflict
    with; `elsewhere` are the call's other panels with a judge free to take it."""

    entry: Entry
    panels: list[Panel]
    elsewhere: list[Panel]
    form: object = field(default=None, compare=False)  # the page's form adding a judge for it

    @property
    def panel_names(self) -> str:
        return listed(panel.display_name for panel in self.panels)


def entries_without_free_judge(call: Call) -> list[NoFreeJudge]:
    """The entries waiting for judges (`selectors.unassigned_entries`) that some panel cannot
    take because each of its active judges has a conflict with them (`services.is_conflicted`:
    their unit's subtree holds the entry, they wrote it, or a declared conflict), by id. An entry
    is left out when every panel has a free judge: assigning it is all it needs."""
    from .services import is_conflicted

    panels = list(call.panels.order_by("pk").prefetch_related("judges__unit"))
    found = []
    for entry in selectors.unassigned_entries(call).select_related("unit").prefetch_related("coauthors"):
        free = {
            panel.pk: any(judge.is_active and not is_conflicted(judge, entry) for judge in panel.judges.all())
            for panel in panels
        }
        blocked = [panel for panel in panels if not free[panel.pk] and panel.judges.all()]
        if blocked:
            found.append(NoFreeJudge(entry, blocked, [panel for panel in panels if free[panel.pk]]))
    return found


def free_candidates(call: Call, user, entry: Entry) -> QuerySet[User]:
    """The `judge_candidates` free of conflicts with `entry` (as `services.is_conflicted` decides:
    no unit at or above the entry's, not its author or a co-author, no declared conflict)."""
    path = entry.unit.path
    at_or_above = [path[:end] for end in range(Unit.steplen, len(path) + 1, Unit.steplen)]
    return (
        judge_candidates(call, user)
        .exclude(unit__path__in=at_or_above)
        .exclude(pk=entry.author_id)
        .exclude(pk__in=entry.coauthors.values("pk"))
        .exclude(pk__in=entry.conflicts.values("judge_id"))
    )


@transaction.atomic
def entry_judge_add(*, call: Call, panel: Panel, entry: Entry, judge: User, by: User) -> list[Assignment]:
    """Give `entry`, which no judge holds (every judge of `panel` has a conflict with it), a
    judge: `judge` joins the panel (and may take its entries passed on later) and the entry is
    assigned by `assignment_run` with the panel. The judge must be among `judge_candidates` and
    free of conflicts with the entry. Refused once the scores are locked, and for an entry that
    has judges. The view checks that `by` organises the call."""
    from .services import assignment_run, is_conflicted

    call = Call.objects.select_for_update().get(pk=call.pk)
    if call.scores_locked_at:
        raise CallRejected("locked", _("Scores are locked; they can no longer be changed."))
    if not selectors.unassigned_entries(call).filter(pk=entry.pk).exists():
        raise CallRejected("already_assigned", _("“%(entry)s” already has its judges.") % {"entry": entry.title})
    if not judge_candidates(call, by).filter(pk=judge.pk).exists():
        raise CallRejected("not_a_candidate", unknown_member(judge.username))
    if is_conflicted(judge, entry):
        raise CallRejected(
            "conflicted",
            _("%(judge)s has a conflict with “%(entry)s” too: pick another judge.")
            % {"judge": judge.display_name, "entry": entry.title},
        )
    panel.judges.add(judge)
    audit(
        call=call,
        entry=entry,
        by=by,
        action=AuditEvent.Action.JUDGE_ADDED,
        code="judge_added",
        judge=judge.display_name,
        panel=panel.name,
        panel_en=panel.name_en,
    )
    return assignment_run(call=call, panel=panel, by=by, entries=[entry])


# ---------------------------------------------------------------- a judge who drops out


def call_judges(call: Call) -> QuerySet[User]:
    """The accounts that judge `call` or did: on one of its panels, or holding one of its
    assignments (a judge who withdrew keeps the entries they scored). An organiser picks a judge
    among these only, so an id in a URL cannot name an account that has nothing to do with the call."""
    return User.objects.filter(Q(judging_panels__call=call) | Q(call_assignments__entry__call=call)).distinct()


def _pass_on(assignments) -> tuple[list[Assignment], list[Entry]]:
    """Delete each of `assignments` (unscored ones) and give its entry to another judge of the same
    panel, chosen as for a conflict. Returns the new assignments and the entries no judge of the
    panel was free to take."""
    reassigned, stranded = [], []
    for held in list(assignments):
        panel = held.panel
        held.delete()
        held.panel = panel
        successor = _replacement(held)
        if successor is None:
            stranded.append(held.entry)
        else:
            reassigned.append(Assignment.objects.create(entry=held.entry, judge=successor, panel=panel))
    return reassigned, stranded


@transaction.atomic
def judge_withdraw(*, call: Call, judge: User, by: User, reason: str) -> tuple[list[Assignment], list[Entry]]:
    """Take `judge` off the call's panels (they fell ill, left, declined): each of their entries
    they have not scored passes to another judge of the same panel, chosen as for a conflict; the
    entries they scored keep those scores. An entry whose scores by them were cleared passes on
    with its assignment, as `panel_judge_remove` passes it, so the cleared scores and the clearing
    stay on record; with no judge free to take it, it stays on record with them and waits for a
    judge (`selectors.unassigned_entries`) if it has no other. Returns the new assignments (and
    those handed over) and the entries no judge of the panel was free to take. Refused once the
    scores are locked, and for someone on no panel of the call. The view checks that `by`
    organises the call."""
    call = Call.objects.select_for_update().get(pk=call.pk)
    if call.scores_locked_at:
        raise CallRejected("locked", _("Scores are locked; they can no longer be changed."))
    if not reason.strip():
        raise CallRejected("reason_required", _("Say why the judge withdraws."))
    panels = list(call.panels.filter(judges=judge))
    if not panels:
        raise CallRejected(
            "not_a_judge", _("%(judge)s is not on a panel of this call.") % {"judge": judge.display_name}
        )
    for panel in panels:
        panel.judges.remove(judge)
    unscored = (
        Assignment.objects.filter(entry__call=call, judge=judge)
        .exclude(pk__in=ScoreEvent.objects.values("assignment_id"))  # their scores that count stand
        .select_related("panel", "entry__call")
        .order_by("entry_id")
    )
    on_record = _on_record(unscored)
    handed, stranded = [], []
    for assignment in unscored.filter(pk__in=on_record):
        successor = _replacement(assignment)
        if successor is None:
            stranded.append(assignment.entry)
            continue
        assignment.judge = successor
        assignment.save(update_fields=["judge"])
        handed.append(assignment)
    # The rest carry no record: they go, and their entries pass on.
    reassigned, passed_stranded = _pass_on(unscored.exclude(pk__in=on_record))
    reassigned = sorted(handed + reassigned, key=lambda assignment: assignment.entry_id)
    stranded = sorted(stranded + passed_stranded, key=lambda entry: entry.pk)
    detail = f"{judge.display_name}: {reason.strip()}"
    audit(call=call, by=by, action=AuditEvent.Action.JUDGE_WITHDRAWN, detail=detail[:300])
    return reassigned, stranded


# ---------------------------------------------------------------- a judge put on a panel by mistake


def scored_assignments(panel: Panel, judge: User) -> list[Assignment]:
    """The judge's assignments on `panel` with at least one score that counts (scores an
    organiser cleared do not: `ScoreClearing`), by entry."""
    return list(
        Assignment.objects.filter(panel=panel, judge=judge, pk__in=ScoreEvent.objects.values("assignment_id"))
        .select_related("entry")
        .order_by("entry_id")
    )


def _on_record(assignments: QuerySet[Assignment]) -> set[int]:
    """The ids among `assignments` that carry a record: a score (cleared ones too), a clearing or
    a comment. Deleting such an assignment would delete that record with it."""
    return (
        set(ScoreEvent.every.filter(assignment__in=assignments).values_list("assignment_id", flat=True))
        | set(ScoreClearing.objects.filter(assignment__in=assignments).values_list("assignment_id", flat=True))
        | set(ScoreComment.objects.filter(assignment__in=assignments).values_list("assignment_id", flat=True))
    )


@transaction.atomic
def panel_judge_remove(*, call: Call, panel: Panel, judge: User, by: User) -> tuple[list[Assignment], list[Entry]]:
    """Take `judge`, put on `panel` by mistake, off it as if never there: each of their entries
    on the panel passes to another judge of the panel (chosen as for a conflict). Refused for a
    judge who has scores of the panel that count: judge scores are facts, never deleted
    (DESIGN.md, invariant 1), so such a judge leaves through `judge_withdraw`, their scores
    standing. A judge whose scores were all cleared (`scores_clear`) may come off: each entry
    with cleared scores passes on as `scores_clear` with `reassign` passes it, the assignment
    itself handed over, so its cleared scores and `ScoreClearing` stay on record; refused, with
    nothing changed, when no other judge of the panel is free to take such an entry (deleting its
    assignment would delete that record). Returns the new assignments and
    the entries no other judge of the panel was free to take (they have one judge fewer, or none:
    the call page then names them). Refused once judging is locked or the results are published,
    for the panel's last judge, and for a judge who scored at the panel's speech night. The view
    checks that `by` organises the call. (A judge who drops out keeps their scores instead:
    `judge_withdraw`.)"""
    from .live.models import NightScore

    call = Call.objects.select_for_update().get(pk=call.pk)
    if call.results_published_at:
        raise CallRejected("published", _("The results are published; the panel's judges can no longer change."))
    if call.scores_locked_at:
        raise CallRejected("locked", _("Judging is locked; unlock judging before taking a judge off a panel."))
    if not panel.judges.filter(pk=judge.pk).exists():
        raise CallRejected(
            "not_a_judge",
            _("%(judge)s is not on panel %(panel)s.") % {"judge": judge.display_name, "panel": panel.display_name},
        )
    if panel.judges.count() == 1:
        raise CallRejected(
            "last_judge",
            _("%(judge)s is the only judge on panel %(panel)s; a panel keeps at least one judge.")
            % {"judge": judge.display_name, "panel": panel.display_name},
        )
    if NightScore.objects.filter(speaker__night__panel=panel, judge=judge).exists():
        raise CallRejected(
            "night_scored",
            _("%(judge)s has scored speakers at the speech night; those scores stand, so they stay on the panel.")
            % {"judge": judge.display_name},
        )
    scored = scored_assignments(panel, judge)
    if scored:
        raise CallRejected(
            "has_scores",
            ngettext(
                "%(judge)s has already scored %(n)d entry of this panel, and scores given are never deleted. "
                "To take them off the panel with that score standing, use “Judge drops out” in the progress "
                "table on the call page.",
                "%(judge)s has already scored %(n)d entries of this panel, and scores given are never deleted. "
                "To take them off the panel with those scores standing, use “Judge drops out” in the progress "
                "table on the call page.",
                len(scored),
            )
            % {"judge": judge.display_name, "n": len(scored)},
        )
    held = (
        Assignment.objects.filter(panel=panel, judge=judge).select_related("panel", "entry__call").order_by("entry_id")
    )
    on_record = _on_record(held)
    panel.judges.remove(judge)
    handed = []
    for assignment in held.filter(pk__in=on_record):
        successor = _replacement(assignment)
        if successor is None:
            raise CallRejected(
                "cleared_no_free_judge",
                _(
                    "%(judge)s's cleared scores of “%(entry)s” stay on record with the entry, and no other judge "
                    "of panel %(panel)s is free to take it over, so %(judge)s stays on the panel to score it afresh."
                )
                % {"judge": judge.display_name, "entry": assignment.entry.title, "panel": panel.display_name},
            )
        assignment.judge = successor
        assignment.save(update_fields=["judge"])
        handed.append(assignment)
    # The rest carry no record, as checked above: nothing of the judge's is lost.
    reassigned, stranded = _pass_on(held.exclude(pk__in=on_record))
    reassigned = sorted(handed + reassigned, key=lambda assignment: assignment.entry_id)
    audit(
        call=call,
        by=by,
        action=AuditEvent.Action.JUDGE_REMOVED,
        code="judge_removed",
        judge=judge.display_name,
        panel=panel.name,
        panel_en=panel.name_en,
    )
    return reassigned, stranded


# ---------------------------------------------------------------- a judge's scores set aside


def clearable_assignments(call: Call) -> dict[int, list[Assignment]]:
    """Entry id -> the assignments with scores that count, by judge: what an organiser may clear."""
    scored = ScoreEvent.objects.filter(assignment__entry__call=call).values("assignment_id")
    rows: dict[int, list[Assignment]] = {}
    for assignment in (
        Assignment.objects.filter(pk__in=scored).select_related("judge", "panel").order_by("entry_id", "judge_id")
    ):
        rows.setdefault(assignment.entry_id, []).append(assignment)
    return rows


@transaction.atomic
def scores_clear(*, assignment: Assignment, by: User, reason: str, reassign: bool = False) -> ScoreClearing:
    """Set `assignment`'s scores aside (the judge scored the wrong entry, or gave wrong scores), with
    a reason: they stay on record (`ScoreClearing`, the audit log) and no longer count, and the
    entry is scored afresh: by the same judge, or with `reassign` by another judge of the panel,
    chosen as for a conflict. Until the results are published, and while judging is not locked
    (the judge could not score again); an organiser of the call's unit only. (A judge changes their
    own scores themself until the lock: `services.score_record`.)"""
    from .services import current_scores

    call = Call.objects.select_for_update().get(pk=assignment.entry.call_id)
    if not access.can_manage_unit(by, call.unit):
        raise CallRejected(
            "not_allowed", _("Only organisers of %(unit)s can clear a judge's scores.") % {"unit": call.unit.name}
        )
    if call.results_published_at:
        raise CallRejected("published", _("The results are published; scores can no longer be cleared."))
    if call.scores_locked_at:
        raise CallRejected("locked", _("Judging is locked; unlock judging before clearing a judge's scores."))
    reason = reason.strip()
    if not reason:
        raise CallRejected("reason_required", _("Say why the scores are cleared."))
    if len(reason) > 300:
        raise CallRejected(
            "reason_too_long",
            _("Keep the reason to %(limit)d characters (this one has %(count)d).")
            % {"limit": 300, "count": len(reason)},
        )
    assignment = (
        Assignment.objects.select_for_update().select_related("entry__call", "panel", "judge").get(pk=assignment.pk)
    )
    values = current_scores(assignment)
    if not values:
        raise CallRejected(
            "no_scores",
            _("%(judge)s has no scores of “%(entry)s” to clear.")
            % {"judge": assignment.judge.display_name, "entry": assignment.entry.title},
        )
    judge = assignment.judge
    successor = None
    if reassign:
        successor = _replacement(assignment)
        if successor is None:
            raise CallRejected(
                "no_free_judge",
                _("No other judge of panel %(panel)s is free to take “%(entry)s”; the scores were not cleared.")
                % {"panel": assignment.panel.display_name, "entry": assignment.entry.title},
            )
    up_to = ScoreEvent.every.filter(assignment=assignment).order_by("-pk").values_list("pk", flat=True).first()
    cleared = ScoreClearing.objects.create(
        assignment=assignment,
        judge=judge,
        up_to=up_to,
        values={str(pk): f"{value:f}" for pk, value in values.items()},
        reason=reason,
        reassigned_to=successor,
        by=by,
    )
    assignment.scores_from = up_to
    fields = ["scores_from"]
    if successor is not None:
        assignment.judge = successor
        fields.append("judge")
    assignment.save(update_fields=fields)
    detail = f"{judge.display_name} × {assignment.entry.title}: {reason}"
    if successor is not None:
        detail += f" → {successor.display_name}"
    audit(call=call, entry=assignment.entry, by=by, action=AuditEvent.Action.SCORES_CLEARED, detail=detail[:300])
    return cleared


# ---------------------------------------------------------------- reminders


@register
class JudgingReminder(Kind):
    """Params: call, count (entries still to score)."""

    slug = "judging_reminder"
    icon = "bi-clipboard-check"
    title_text = gettext_lazy("Reminder: entries of “%(call)s” wait for your scores")
    body_text = gettext_lazy("%(count)s entries assigned to you are not fully scored yet.")


def unscored_by_judge(call: Call) -> dict[int, int]:
    """Judge id -> how many of their assignments in the call lack a score on some criterion."""
    criteria = set(call.criteria.values_list("pk", flat=True))
    counts: dict[int, int] = {}
    for assignment in Assignment.objects.filter(entry__call=call).prefetch_related("score_events"):
        scored = {event.criterion_id for event in assignment.score_events.all()}
        if not criteria <= scored:
            counts[assignment.judge_id] = counts.get(assignment.judge_id, 0) + 1
    return counts


def judges_remind(*, call_id: int, by_id: int | None = None) -> int:
    """Notify each judge with unscored assignments of the call (in the app, and by email where
    configured); none once the scores are locked. Returns the number of judges reminded."""
    from notifications.services import notify

    call = Call.objects.filter(pk=call_id).first()
    if call is None or call.scores_locked_at:
        return 0
    counts = unscored_by_judge(call)
    with transaction.atomic():
        for judge in User.objects.filter(pk__in=counts, is_active=True).order_by("pk"):
            notify(
                recipients=[judge],
                kind=JudgingReminder.slug,
                params={"call": call.title, "call_en": call.title_en, "count": counts[judge.pk]},
                url=reverse("calls:judging"),
            )
        JudgeReminder.objects.create(call=call, judges=len(counts), by_id=by_id)
    return len(counts)
