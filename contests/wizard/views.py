"""The contest builder's pages: basics, teams, rounds, review; rehearsal and duplicate.
Thin: authorise, call a service, render."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Case, Q, QuerySet, When
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lessons.models import Question
from lessons.selectors import banks_visible_to
from orgs import access as orgs_access
from orgs.models import Unit, User
from orgs.selectors import PEOPLE_BY_NAME, member_rows, member_search, person_order, unit_paths
from quizsite.api_errors import error_response
from quizsite.naming import listed
from quizsite.spreadsheets import xlsx_response

from ..access import normalised_code
from ..models import Contest, Round, Team
from ..services import ContestRejected
from ..services.setup import (
    members_with_units,
    moved_out_by_team,
    places_by_team,
    rehearsal_missing,
    roster_outside_unit,
)
from . import roster, services
from .forms import BasicsForm, DuplicateForm, RosterForm, RoundForm, TeamsFromUnitsForm
from .round_templates import TEMPLATES

STEPS = ("basics", "teams", "rounds", "review")


def access_setup(user, code: str) -> Contest:
    """The contest (not a rehearsal) with `code`, if `user` organises its unit."""
    orgs_access.check_manager(user)
    contest = Contest.objects.select_related("unit").filter(join_code=normalised_code(code), rehearsal_of=None).first()
    if contest is None:
        raise orgs_access.not_found(Contest)
    if not orgs_access.can_manage_unit(user, contest.unit):
        orgs_access.refuse(user, contest, contest.unit, _("Only organisers of a contest's unit can set it up."))
    return contest


def _page(request, page: str, contest: Contest | None, step: str, **context):
    return render(
        request,
        page,
        {"contest": contest, "step": step, "steps": STEPS, "editable": contest is None or contest.status == "draft"}
        | context,
    )


def _refused(request, error: ContestRejected) -> None:
    messages.error(request, error.message)


@login_required
@require_http_methods(["GET", "POST"])
def contest_new(request):
    orgs_access.check_manager(request.user)
    form = BasicsForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            contest = services.contest_begin(by=request.user, **form.cleaned_data)
        except ContestRejected as error:
            form.add_error(None, error.message)
        else:
            return redirect("contests:setup_teams", code=contest.join_code)
    return _page(request, "contests/setup/basics.html", None, "basics", form=form)


@login_required
@require_http_methods(["GET", "POST"])
def setup_basics(request, code: str):
    contest = access_setup(request.user, code)
    form = BasicsForm(
        request.POST or None,
        user=request.user,
        initial={
            "title": contest.title,
            "title_en": contest.title_en,
            "unit": contest.unit_id,
            "base_score": contest.base_score,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.contest_basics_update(contest=contest, by=request.user, **form.cleaned_data)
        except ContestRejected as error:
            form.add_error(None, error.message)
        else:
            return redirect("contests:setup_teams", code=contest.join_code)
    return _page(request, "contests/setup/basics.html", contest, "basics", form=form)


def _teams(contest: Contest) -> list[Team]:
    teams = list(contest.teams.prefetch_related("members__member__unit").select_related("unit"))
    contest_path = contest.unit.path
    paths = unit_paths([t.unit for t in teams])
    for team in teams:
        team.path = paths.get(team.unit_id, team.unit.name)
        # Relay order first; members without a leg by name.
        team.places = sorted(team.members.all(), key=lambda p: (p.leg is None, p.leg or 0, person_order(p.member)))
        for place in team.places:
            # Marked on the page: a deactivated member cannot sign in to run their leg; a member
            # moved out of the team's unit may be kept (cross-unit teams) but is pointed out.
            unit = place.member.unit
            place.moved_to = unit if unit is not None and not unit.path.startswith(team.unit.path) else None
            # Moved out of the contest's unit since being added (which refuses them): replace them.
            place.left_contest_unit = unit is None or not unit.path.startswith(contest_path)
    return teams


# The most members a team's "Add a member…" list holds (the page works without JavaScript); the
# picker over it asks `team_candidates` for anyone else as the organiser types.
PICKER_SIZE = 500
# The most members one search answers: a longer name narrows it.
SEARCH_SIZE = 20


def _free_members(user, contest: Contest, *, text: str = "") -> QuerySet[User]:
    """The members `user` may add to `contest`'s teams, matching `text` (name or its pinyin,
    user name, employee number, phone: `orgs.selectors.member_text_q`) if given: active, managed
    by `user`, placed inside the contest's unit (services.check_members_inside_contest) and on
    none of its teams yet."""
    return (
        member_search(user, text=text)
        .filter(is_active=True, unit__path__startswith=contest.unit.path)
        .exclude(contest_places__contest=contest)
    )


def _with_candidates(user, contest: Contest, teams: list[Team], *, find: str = "") -> list[Team]:
    """Give each team the members free to add to it, for its picker: the team's own unit's (its
    subtree's) first, then the rest, each part by name (pinyin); only those matching `find` when
    it is given (the search of a browser without JavaScript)."""
    free = _free_members(user, contest, text=find).order_by(*PEOPLE_BY_NAME)
    near = Q(pk__in=[])
    for team in teams:
        near |= Q(unit__path__startswith=team.unit.path)
    # Each team's own members make the list even when the whole list is cut at PICKER_SIZE.
    pool = {m.pk: m for m in [*free.filter(near)[:PICKER_SIZE], *free[:PICKER_SIZE]]}
    ordered = sorted(pool.values(), key=person_order)
    rows = {row["id"]: row for row in member_rows(ordered)}
    for member in ordered:
        member.picker_data = json.dumps(rows[member.pk], ensure_ascii=False)
    for team in teams:
        team.own_candidates = [m for m in ordered if m.unit.path.startswith(team.unit.path)]
        team.other_candidates = [m for m in ordered if not m.unit.path.startswith(team.unit.path)]
    return teams


@login_required
@require_http_methods(["GET", "POST"])
def setup_teams(request, code: str):
    contest = access_setup(request.user, code)
    units_form = TeamsFromUnitsForm(request.POST or None, user=request.user, contest_unit=contest.unit)
    if request.method == "POST" and units_form.is_valid():
        data = units_form.cleaned_data
        try:
            made = services.teams_from_units(
                contest=contest, parent=data["parent"], kind=data["kind"], team_size=data["team_size"], by=request.user
            )
        except ContestRejected as error:
            units_form.add_error(None, error.message)
        else:
            messages.success(
                request, ngettext("Made %(n)d team.", "Made %(n)d teams.", len(made.teams)) % {"n": len(made.teams)}
            )
            if made.skipped:
                messages.warning(
                    request,
                    _("No members free to play in: %(names)s.") % {"names": listed(made.skipped)},
                )
            if made.left_out:
                note = _(
                    "On no team, as no team was made from the unit they are placed in: %(members)s."
                    " To have them play, add them to a team with “Add a member…” below."
                )
                messages.warning(request, note % {"members": members_with_units(made.left_out)})
            return redirect("contests:setup_teams", code=contest.join_code)
    return _page(
        request,
        "contests/setup/teams.html",
        contest,
        "teams",
        teams=_with_candidates(request.user, contest, _teams(contest), find=_find(request)),
        find=_find(request),
        moved_out=moved_out_by_team(roster_outside_unit(contest)) if contest.status == Contest.Status.DRAFT else "",
        units_form=units_form,
        roster_form=RosterForm(),
    )


@login_required
@require_POST
def setup_roster(request, code: str):
    contest = access_setup(request.user, code)
    form = RosterForm(request.POST, request.FILES)
    report = None
    if form.is_valid():
        try:
            report = roster.roster_import(contest=contest, file=form.cleaned_data["file"], by=request.user)
        except ContestRejected as error:
            form.add_error(None, error.message)
        else:
            if report.ok:
                count = len(report.created)
                messages.success(request, ngettext("Made %(n)d team.", "Made %(n)d teams.", count) % {"n": count})
                return redirect("contests:setup_teams", code=contest.join_code)
    return _page(
        request,
        "contests/setup/teams.html",
        contest,
        "teams",
        teams=_with_candidates(request.user, contest, _teams(contest)),
        units_form=TeamsFromUnitsForm(user=request.user, contest_unit=contest.unit),
        roster_form=form,
        roster_report=report,
    )


@login_required
def roster_template(request, code: str):
    access_setup(request.user, code)
    return xlsx_response(roster.roster_template(), _("Team roster"), ascii_name="team-roster")


def _find(request) -> str:
    """What a search for members typed, as the search reads it (at most 50 characters)."""
    return request.GET.get("q", "").strip()[:50]


@login_required
@require_GET
def team_candidates(request, code: str, team_id: int):
    """For a team's member picker: up to SEARCH_SIZE members the organiser may add with each word
    of `q` in their name or its pinyin (zhangsan, zs), user name, employee number or phone, the
    team's own unit's first, then by name;
    nothing for an empty `q`. Members outside the organiser's units are never among them."""
    team = _team(request, code, team_id)
    text = _find(request)
    if not text:
        return JsonResponse({"results": []})
    own_first = Case(When(unit__path__startswith=team.unit.path, then=0), default=1)
    found = (
        _free_members(request.user, team.contest, text=text)
        .annotate(own_first=own_first)
        .order_by("own_first", *PEOPLE_BY_NAME)[:SEARCH_SIZE]
    )
    return JsonResponse({"results": member_rows(found)})


def _team(request, code: str, team_id: int) -> Team:
    contest = access_setup(request.user, code)
    return get_object_or_404(Team.objects.select_related("contest"), pk=team_id, contest=contest)


@login_required
@require_POST
def team_arrange(request, code: str, team_id: int):
    """Save a team's relay order and captain; answers JSON to the drag-and-drop script."""
    team = _team(request, code, team_id)
    order = [int(p) for p in request.POST.get("order", "").split(",") if p.strip().isdecimal()]
    captain = request.POST.get("captain", "")
    try:
        services.team_arrange(
            team=team, order=order, captain_id=int(captain) if captain.isdecimal() else None, by=request.user
        )
    except ContestRejected as error:
        if request.headers.get("X-Requested-With") == "fetch":
            return error_response(error.code, error.message, status=409)
        _refused(request, error)
    else:
        if request.headers.get("X-Requested-With") == "fetch":
            return JsonResponse({"ok": True, "message": _("Saved.")})
        messages.success(request, _("Saved the order of %(team)s.") % {"team": team.name})
    return redirect("contests:setup_teams", code=code)


@login_required
@require_POST
def team_member_add(request, code: str, team_id: int):
    team = _team(request, code, team_id)
    member_id = request.POST.get("member", "")
    member = (
        orgs_access.managed_members(request.user)
        .filter(pk=member_id if member_id.isdecimal() else 0, is_active=True)
        .first()
    )
    if member is None:
        messages.error(request, _("Choose a member to add."))
    else:
        try:
            services.team_member_add(team=team, member=member, by=request.user)
        except ContestRejected as error:
            _refused(request, error)
    return redirect("contests:setup_teams", code=code)


@login_required
@require_POST
def team_member_remove(request, code: str, team_id: int):
    team = _team(request, code, team_id)
    member_id = request.POST.get("member", "")
    try:
        services.team_member_remove(
            team=team, member_id=int(member_id) if member_id.isdecimal() else 0, by=request.user
        )
    except ContestRejected as error:
        _refused(request, error)
    return redirect("contests:setup_teams", code=code)


@login_required
@require_POST
def team_remove(request, code: str, team_id: int):
    team = _team(request, code, team_id)
    try:
        services.team_remove(team=team, by=request.user)
    except ContestRejected as error:
        _refused(request, error)
    else:
        messages.success(request, _("Removed team %(team)s.") % {"team": team.name})
    return redirect("contests:setup_teams", code=code)


@login_required
@require_http_methods(["GET", "POST"])
def setup_rounds(request, code: str):
    contest = access_setup(request.user, code)
    template = TEMPLATES.get(request.POST.get("type") or request.GET.get("type") or "relay", TEMPLATES["relay"])
    banks = banks_visible_to(request.user).order_by("name")
    bank_id = request.POST.get("bank") or request.GET.get("bank") or ""
    pick_bank = banks.filter(pk=bank_id).first() if bank_id.isdecimal() else banks.first()
    picks = (
        list(
            Question.objects.filter(bank=pick_bank, current__isnull=False)
            .exclude(status=Question.Status.RETIRED)
            .select_related("current")[:300]
        )
        if pick_bank
        else []
    )
    if request.method == "POST":
        form = RoundForm(request.POST, user=request.user, template=template, picks=picks)
    else:
        form = RoundForm(user=request.user, template=template, picks=picks, initial=_initial(template, pick_bank))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        settings = services.RoundSettings(
            type=template.type,
            title=data["title"],
            title_en=data["title_en"],
            points=data.get("points") or 0,
            penalty=data.get("penalty") or 0,
            early_buzz_penalty=data.get("early_buzz_penalty") or 0,
            time_limit_s=data["time_limit_s"],
            risk_tiers=data.get("risk_tiers") or (),
            teams_in_turn=data.get("teams_in_turn", False),
        )
        rule = None
        if data["source"] == "draw":
            rule = services.DrawRule(
                bank=data["bank"],
                count=data["count"],
                type=data["question_type"],
                tag=data["tag"],
                difficulty=data["difficulty"],
            )
        try:
            round_ = services.round_create(
                contest=contest, settings=settings, by=request.user, rule=rule, question_ids=data["question"]
            )
        except ContestRejected as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("Added round %(n)d: %(title)s, %(count)d questions.")
                % {"n": round_.position, "title": str(round_), "count": round_.questions.count()},
            )
            return redirect("contests:setup_rounds", code=contest.join_code)
    rounds = list(contest.rounds.prefetch_related("questions"))
    return _page(
        request,
        "contests/setup/rounds.html",
        contest,
        "rounds",
        form=form,
        template=template,
        templates=TEMPLATES.values(),
        rounds=rounds,
        picks=picks,
        pick_bank=pick_bank,
        banks=banks,
    )


def _initial(template, bank) -> dict:
    return {
        "type": template.type,
        "points": template.points,
        "penalty": template.penalty,
        "early_buzz_penalty": template.early_buzz_penalty,
        "time_limit_s": template.time_limit_s,
        "risk_tiers": ", ".join(str(v) for v in template.risk_tiers),
        "teams_in_turn": template.teams_in_turn,
        "count": template.question_count,
        "source": "draw",
        "bank": bank.pk if bank else None,
    }


@login_required
@require_POST
def round_remove(request, code: str, round_id: int):
    contest = access_setup(request.user, code)
    round_ = get_object_or_404(Round, pk=round_id, contest=contest)
    try:
        services.round_remove(round_=round_, by=request.user)
    except ContestRejected as error:
        _refused(request, error)
    return redirect("contests:setup_rounds", code=code)


@login_required
def setup_review(request, code: str):
    contest = access_setup(request.user, code)
    missing = rehearsal_missing(contest)
    return _page(
        request,
        "contests/setup/review.html",
        contest,
        "review",
        teams=_teams(contest),
        rounds=list(contest.rounds.prefetch_related("questions")),
        problems=services.contest_problems(contest),
        rehearsal=contest.rehearsals.order_by("-id").first(),
        # The rehearse button is disabled beside what stops it, as the host's start button is;
        # deactivated runners do not stop it, and it says they are left out.
        rehearsal_missing=missing,
        rehearsal_missing_url=reverse(missing.step, args=[contest.join_code]) if missing else "",
        rehearsal_left_out=places_by_team(services.duplicate_left_out(contest)),
    )


@login_required
@require_POST
def rehearse(request, code: str):
    """Open (or, with `fresh`, reset) the rehearsal and go to its host console."""
    contest = access_setup(request.user, code)
    try:
        rehearsal = services.contest_rehearse(contest=contest, by=request.user, fresh=bool(request.POST.get("fresh")))
    except ContestRejected as error:
        _refused(request, error)
        return redirect("contests:setup_review", code=code)
    return redirect("contests:host", code=rehearsal.join_code)


@login_required
@require_http_methods(["GET", "POST"])
def duplicate(request, code: str):
    contest = access_setup(request.user, code)
    form = DuplicateForm(request.POST or None, initial={**services.duplicate_titles(contest), "with_teams": True})
    if request.method == "POST" and form.is_valid():
        with_teams = form.cleaned_data["with_teams"]
        left_out = services.duplicate_left_out(contest) if with_teams else []
        outside = services.duplicate_outside(contest) if with_teams else services.DuplicateOutside([], [])
        try:
            copy = services.contest_duplicate(contest=contest, by=request.user, **form.cleaned_data)
        except ContestRejected as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Made a copy with join code %(code)s.") % {"code": copy.join_code})
            if left_out:
                if any(place.is_captain for place in left_out):
                    warning = _(
                        "Left out of the copy's teams, as their accounts are deactivated: %(places)s. A team "
                        "whose captain was left out has its first runner as captain."
                    )
                else:
                    warning = _("Left out of the copy's teams, as their accounts are deactivated: %(places)s.")
                messages.warning(request, warning % {"places": places_by_team(left_out)})
            _warn_outside(request, outside, contest.unit)
            return redirect("contests:setup_review", code=copy.join_code)
    return render(request, "contests/setup/duplicate.html", {"contest": contest, "form": form})


def _warn_outside(request, outside: services.DuplicateOutside, unit: Unit) -> None:
    """Say which teams and members a duplicate left out as outside the contest's unit."""
    if outside.teams:
        names = pgettext("between list items", ", ").join(team.display_name for team in outside.teams)
        messages.warning(
            request,
            _(
                "Left out of the copy, as they represent units outside %(unit)s, the unit this contest "
                "belongs to: teams %(names)s."
            )
            % {"unit": unit.display_name, "names": names},
        )
    if outside.places:
        if any(place.is_captain for place in outside.places):
            warning = _(
                "Left out of the copy's teams, as they are now outside %(unit)s, the unit this contest belongs "
                "to: %(places)s. A team whose captain was left out has its first runner as captain."
            )
        else:
            warning = _(
                "Left out of the copy's teams, as they are now outside %(unit)s, the unit this contest belongs "
                "to: %(places)s."
            )
        messages.warning(request, warning % {"unit": unit.display_name, "places": places_by_team(outside.places)})


@login_required
@require_http_methods(["GET", "POST"])
def contest_delete(request, code: str):
    """Delete a contest that never started, after a confirm page; a started one keeps its results."""
    contest = access_setup(request.user, code)
    refusal = services.contest_delete_refusal(contest)
    if request.method == "POST" and not refusal:
        title = contest.display_title
        try:
            services.contest_delete(contest=contest)
        except ContestRejected as error:
            refusal = error.message
        else:
            messages.success(request, _("The contest “%(title)s” was deleted.") % {"title": title})
            return redirect("contests:list")
    return render(
        request,
        "contests/setup/delete.html",
        {
            "title": contest.display_title,
            "refusal": refusal,
            "back": reverse("contests:list"),
            "teams": contest.teams.count(),
            "rounds": contest.rounds.count(),
        },
    )
