"""Organiser pages of relays: the list, the builder (create and edit), the teams, the relay map
(every team's baton, stalled and overdue legs, skip or replace with a reason), the legs'
export and the qualification of the best teams for a live final."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from lessons.models import Paper
from orgs import access
from orgs.models import Unit
from quizsite.forms import NumberRangeMessages
from quizsite.spreadsheets import (
    ExportWorkbook,
    SpreadsheetError,
    cell_text,
    read_sheet_values,
    read_table,
    xlsx_response,
)

from ..online import finals, qualification
from ..online.organiser import (
    ContestForm,
    builder_forms,
    draw_rules,
    online_contest_delete_page,
    paper_fields,
    paper_initial,
)
from ..online.services import ContestSetupRejected
from ..services.setup import members_with_units
from ..wizard import roster
from . import selectors, services
from .models import RelayContest, RelayLeg


def access_managed_relay(user, relay_id: int) -> RelayContest:
    relay = get_object_or_404(RelayContest.objects.select_related("online__paper__unit"), pk=relay_id)
    unit = relay.online.paper.unit
    if not access.can_manage_unit(user, unit):
        access.refuse(
            user, relay, unit, _("Only organisers of %(unit)s manage this contest.") % {"unit": unit.display_name}
        )
    return relay


class RelayForm(ContestForm):
    start_within_h = forms.IntegerField(
        label=gettext_lazy("hours a holder has to start"),
        min_value=1,
        max_value=24 * 14,
        help_text=gettext_lazy("Counted from when the baton reaches them."),
    )
    late_start = forms.ChoiceField(
        label=gettext_lazy("when a holder does not start in time"), choices=RelayContest.LateStart.choices
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A leg is one attempt with the leg's time limit; a relay keeps no per-question clock.
        for name in ("max_attempts", "grading", "question_time_s"):
            del self.fields[name]
        self.fields["time_limit_min"].label = gettext_lazy("time limit per leg (minutes)")
        self.fields["results_shown"].choices = [
            (Paper.Review.AFTER_CLOSE, gettext_lazy("After the window closes")),
            (Paper.Review.AFTER_SUBMIT, gettext_lazy("After each leg")),
        ]
        self.fields["results_shown"].help_text = gettext_lazy(
            "After the window closes is safer: the other runners of the team and every other team draw from "
            "the same banks while the relay goes on."
        )
        confirm = self.fields["keys_after_each_confirmed"]
        confirm.label = gettext_lazy("show the keys after each leg although the relay goes on")
        confirm.help_text = gettext_lazy(
            "Needed with keys shown after each leg: a runner then sees every key of the leg and could pass "
            "them on to the runners still to come, of their team or another."
        )

    def keys_after_each_refusal(self, data: dict) -> str:
        # Every leg is drawn from the same banks as the legs still to run, whoever runs them.
        return _(
            "Keys shown after each leg let a runner pass them on to the runners still to come, of their "
            "team or another, who draw from the same banks. Show them after the window closes, or tick the "
            "box below to confirm."
        )


def _initial(relay: RelayContest | None) -> tuple[dict, list[dict]]:
    if relay is None:
        now = timezone.localtime().replace(second=0, microsecond=0)
        return (
            {
                "opens_at": now,
                "closes_at": now + timezone.timedelta(days=7),
                "time_limit_min": 10,
                "shuffle": True,
                "results_shown": Paper.Review.AFTER_CLOSE,
                "start_within_h": 24,
                "late_start": RelayContest.LateStart.FLAG,
            },
            [],
        )
    initial, rules = paper_initial(relay.online)
    initial |= {
        "start_within_h": relay.start_within_h,
        "late_start": relay.late_start,
        # A relay saved before the box was asked for keeps its keys after each leg when re-saved.
        "keys_after_each_confirmed": relay.online.paper.review == Paper.Review.AFTER_SUBMIT,
    }
    return initial, rules


@login_required
def manage_list(request):
    access.check_manager(request.user)
    relays = selectors.relays_managed_by(request.user).order_by("-online__paper__opens_at")
    return render(request, "contests/relay/manage_list.html", {"relays": relays, "now": timezone.now()})


@login_required
def relay_edit(request, relay_id: int | None = None):
    access.check_manager(request.user)
    relay = access_managed_relay(request.user, relay_id) if relay_id else None
    started = relay is not None and relay.online.paper.attempts.exists()
    initial, rules_initial = _initial(relay)
    form, rules = builder_forms(RelayForm, request, initial, rules_initial, created=relay is not None, started=started)
    if request.method == "POST" and form.is_valid() and rules.is_valid():
        draw, data = draw_rules(rules), form.cleaned_data
        fields = paper_fields(data)
        late = {"start_within_h": data["start_within_h"], "late_start": data["late_start"]}
        try:
            if relay is None:
                relay = services.relay_create(
                    unit=data["unit"],
                    rules=draw,
                    by=request.user,
                    leg_time_limit_s=data["time_limit_min"] * 60,
                    shuffle=data["shuffle"],
                    **fields,
                    **late,
                )
            elif started:
                services.relay_update(relay=relay, by=request.user, **late, **fields)
            else:
                services.relay_update(
                    relay=relay,
                    by=request.user,
                    rules=draw,
                    time_limit_s=data["time_limit_min"] * 60,
                    shuffle=data["shuffle"],
                    **late,
                    **fields,
                )
        except ContestSetupRejected as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Saved."))
            return redirect("contests:relay_map", relay_id=relay.pk)
    return render(
        request, "contests/relay/edit.html", {"form": form, "rules": rules, "relay": relay, "started": started}
    )


class TeamsFromUnitsForm(NumberRangeMessages, forms.Form):
    parent = forms.ModelChoiceField(
        label=gettext_lazy("make teams under"),
        queryset=Unit.objects.none(),
        required=False,
        empty_label=gettext_lazy("every unit of the relay"),
    )
    legs_by_unit = forms.TypedChoiceField(
        label=gettext_lazy("each leg is run by"),
        choices=[
            ("", gettext_lazy("a member: one team per party branch, its members in turn")),
            ("1", gettext_lazy("a party branch: one team per unit, its branches in turn")),
        ],
        coerce=bool,
        empty_value=False,
        required=False,
    )

    def __init__(self, *args, relay: RelayContest, **kwargs):
        super().__init__(*args, **kwargs)
        audience = relay.online.audience.all()
        paths = [u.path for u in audience]
        units = Unit.objects.filter(pk__in=[u.pk for u in audience])
        for path in paths:
            units = units | Unit.objects.filter(path__startswith=path)
        self.fields["parent"].queryset = units.distinct().order_by("path")
        self.fields["parent"].label_from_instance = lambda unit: "　" * (unit.depth - 1) + unit.display_name


class TeamsImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Roster (.xlsx)"),
        help_text=gettext_lazy(
            "One row per runner in running order: team, employee number or username, name (checked against the "
            "member’s), captain (yes or 是, else empty), relay order (optional), headed in Chinese or in English."
        ),
    )


def _import_rows(upload) -> list[dict]:
    """The roster's rows under its header (found by the live roster's column names, wherever it
    is in the first rows), each as the texts `plans_from_rows` reads, with its row number."""
    sheet = read_sheet_values(upload, max_bytes=5 * 1024 * 1024)
    table = read_table(sheet.rows, columns=roster.COLUMNS, required=roster.REQUIRED, names=roster.COLUMN_NAMES)
    if not table:
        raise SpreadsheetError(_("The roster has no rows under its header."))
    return [
        {
            "number": row.number,
            "headers": row.headers,
            "team": cell_text(row.values.get("team")),
            "member": cell_text(row.values.get("member"), fold=True),
            "name": cell_text(row.values.get("name")),
            "captain": cell_text(row.values.get("captain"), fold=True),
            "leg": cell_text(row.values.get("leg"), fold=True),
        }
        for row in table
    ]


@login_required
def relay_roster_template(request, relay_id: int):
    """The workbook the roster import reads, headed as the live contest's roster (without the
    relay order: rows run in order), in the page's language."""
    access_managed_relay(request.user, relay_id)
    book = ExportWorkbook()
    sheet = book.sheet(_("Roster"), widths=(18, 16, 12, 10), frozen_rows=1)
    sheet.append([str(roster.COLUMN_NAMES[key]) for key in ("team", "member", "name", "captain")], style="header")
    english = (get_language() or "").startswith("en")
    for row in roster.EXAMPLE_ROWS["en" if english else "zh"]:
        sheet.append(row[:4])
    return xlsx_response(book.to_bytes(), _("Relay roster"), ascii_name="relay-roster")


# Rows of an imported roster waiting for the organiser to confirm the teams it replaces.
PENDING_ROSTER = "relay_roster_pending_{}"


@login_required
def relay_teams(request, relay_id: int):
    """Make teams from units or import a roster; teams are added to those already made. When the
    new teams would replace some (same name, or standing for the same unit), the page lists them
    and asks to confirm before anything is deleted."""
    relay = access_managed_relay(request.user, relay_id)
    units_form = TeamsFromUnitsForm(relay=relay)
    import_form = TeamsImportForm()
    confirm = None
    errors, row_errors = [], []
    pending = PENDING_ROSTER.format(relay.pk)
    left_out = []  # members teams made from units leave out (`services.members_left_out`)
    if request.method == "POST":
        try:
            if "file" in request.FILES or request.POST.get("from") == "import":
                if "file" in request.FILES:
                    import_form = TeamsImportForm(request.POST, request.FILES)
                    if not import_form.is_valid():
                        raise ContestSetupRejected("bad_file", _("Choose a workbook to import."))
                    request.session[pending] = _import_rows(request.FILES["file"])
                elif pending not in request.session:
                    raise ContestSetupRejected("bad_file", _("Choose a workbook to import."))
                plans = services.plans_from_rows(relay=relay, rows=request.session[pending])
                source = {"from": "import"}
            else:
                units_form = TeamsFromUnitsForm(request.POST, relay=relay)
                if not units_form.is_valid():
                    raise ContestSetupRejected("bad_unit", _("Choose a unit."))
                data = units_form.cleaned_data
                plans = services.plans_from_units(relay=relay, parent=data["parent"], legs_by_unit=data["legs_by_unit"])
                if not data["legs_by_unit"]:
                    left_out = services.members_left_out(relay=relay, parent=data["parent"], by=request.user)
                source = {
                    "parent": data["parent"].pk if data["parent"] else "",
                    "legs_by_unit": data["legs_by_unit"] or "",
                }
            replaced = services.teams_replaced(relay=relay, plans=plans)
            if replaced and "confirm" not in request.POST:
                confirm = {"replaced": replaced, "plans": plans, "source": source}
            else:
                confirmed = [int(pk) for pk in request.POST.getlist("replace") if pk.isdecimal()]
                teams = services.relay_teams_set(relay=relay, plans=plans, by=request.user, replacing=confirmed)
                request.session.pop(pending, None)
                made = ngettext(
                    "%(n)d team made; its first holder has been told.",
                    "%(n)d teams made; each first holder has been told.",
                    len(teams),
                )
                messages.success(request, made % {"n": len(teams)})
                if left_out:
                    note = _(
                        "On no team, as no team was made from the unit they are placed in: %(members)s."
                        " To have them run, import a roster that places them."
                    )
                    messages.warning(request, note % {"members": members_with_units(left_out)})
                return redirect("contests:relay_map", relay_id=relay.pk)
        except services.RosterRejected as error:
            request.session.pop(pending, None)
            row_errors = error.errors
        except (ContestSetupRejected, SpreadsheetError) as error:
            request.session.pop(pending, None)
            errors = [getattr(error, "message", str(error))]
    return render(
        request,
        "contests/relay/teams.html",
        {
            "relay": relay,
            "units_form": units_form,
            "import_form": import_form,
            "confirm": confirm,
            "errors": errors,
            "row_errors": row_errors,
            "teams": relay.teams.select_related("unit").prefetch_related("runners"),
            # Said up front rather than on submit: once a leg has started the forms would only refuse.
            "locked": services.TEAMS_LOCKED if services.teams_locked(relay) else "",
        },
    )


@login_required
def relay_map(request, relay_id: int):
    relay = access_managed_relay(request.user, relay_id)
    now = timezone.now()
    services.relay_sync(relay=relay, at=now)
    rows = selectors.team_rows(relay, at=now)
    return render(
        request,
        "contests/relay/map.html",
        {
            "relay": relay,
            "paper": relay.online.paper,
            "rows": rows,
            "stalled": [row for row in rows if row.baton and row.baton.overdue],
            "audit": relay.online.audit.select_related("actor")[:30],
            "now": now,
        },
    )


@login_required
def legs_xlsx(request, relay_id: int):
    relay = access_managed_relay(request.user, relay_id)
    services.relay_sync(relay=relay)
    book = ExportWorkbook()
    sheet = book.sheet(_("Legs"), widths=(18, 6, 14, 20, 12, 18, 18, 10, 8, 8, 8, 10, 24), frozen_rows=1)
    sheet.append(
        [
            _("Team"),
            _("Leg"),
            _("Holder"),
            _("Unit"),
            _("Status"),
            _("Started at"),
            _("Finished at"),
            _("Time used (s)"),
            _("Score"),
            _("Out of"),
            _("Right answers"),
            _("Questions"),
            _("Reason skipped"),
        ],
        style="header",
    )

    def local(moment):
        return timezone.localtime(moment).replace(tzinfo=None) if moment else None

    for leg in selectors.leg_rows(relay):
        finished = leg.status == RelayLeg.Status.FINISHED
        sheet.append(
            [
                leg.team.name,
                leg.position,
                leg.holder.display_name if leg.holder else "",
                leg.holder_unit.display_name
                if leg.holder_unit
                else (leg.runner.unit_at_start.display_name if leg.runner.unit_at_start else ""),
                str(leg.get_status_display()),
                local(leg.started_at),
                local(leg.finished_at) if leg.started_at else None,
                float(leg.time_used_s) if finished else None,
                float(leg.score) if finished else None,
                float(leg.max_score) if finished else None,
                leg.right if finished else None,
                leg.questions if finished else None,
                leg.skip_reason,
            ]
        )
    return xlsx_response(book.to_bytes(), relay.online.paper.display_title, ascii_name=f"relay-{relay.pk}-legs")


@login_required
@require_http_methods(["GET", "POST"])
def relay_qualify(request, relay_id: int):
    relay = access_managed_relay(request.user, relay_id)
    services.relay_sync(relay=relay)
    return finals.qualify_view(
        request,
        contest=relay.online,
        candidates=qualification.team_candidates,
        back=(reverse("contests:relay_map", args=[relay.pk]), relay.paper.display_title),
        relay=relay,
    )


@login_required
@require_http_methods(["GET", "POST"])
def relay_delete(request, relay_id: int):
    """Delete a relay no one has started, with its online contest and paper, after a confirm page."""
    relay = access_managed_relay(request.user, relay_id)
    return online_contest_delete_page(request, relay.online, back=reverse("contests:relay_manage"))
