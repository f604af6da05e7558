"""Pages of calls: organisers set calls up, review what arrives from below, run judging and
publish results; members enter; judges score. Thin: parse, authorise, call a service, render."""

from __future__ import annotations

import mimetypes
import re
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, F, Prefetch, Q
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext
from django.views.decorators.http import require_POST

from lessons.services.videos import LessonRejected, announced_file
from orgs import access
from orgs.models import Unit, User
from orgs.selectors import PEOPLE_BY_NAME
from quizsite import client_json
from quizsite.api_errors import error_response
from quizsite.filenames import uploaded_name
from quizsite.naming import joined_sentences, listed, local_moment

from . import forms, judges, results, selectors, services
from .files import types_listed
from .kinds import kind_of
from .live.views import judge_nights
from .models import COMMENT_MAX, Assignment, Call, Entry, EntryFile, Panel, ScoreEvent
from .services import CallRejected

# ---------------------------------------------------------------- access


def _roots_and_ancestors(user) -> list[str]:
    paths = set()
    for root in access.managed_root_units(user):
        paths |= {root.path[:end] for end in range(Unit.steplen, len(root.path) + 1, Unit.steplen)}
    return sorted(paths)


def managed_calls(user):
    """Calls the user owns (owner unit in their subtree) or reviews for (owned above their units)."""
    return Call.objects.filter(access.subtree_q(user, prefix="unit__") | Q(unit__path__in=_roots_and_ancestors(user)))


def access_call(user, call_id: int, *, own: bool = False) -> Call:
    """A call the user organises (`own`: its owner unit is theirs) or reviews entries for."""
    access.check_manager(user)
    call = get_object_or_404(managed_calls(user).select_related("unit"), pk=call_id)
    if own and not access.can_manage_unit(user, call.unit):
        raise PermissionDenied(
            _("Only organisers of %(unit)s can change this call.") % {"unit": call.unit.display_name}
        )
    return call


def access_entry(user, entry_id: int) -> Entry:
    """An entry for its author and co-authors, and, once handed in, organisers of its unit or of
    the call (a draft is its authors' alone, as in the organisers' lists)."""
    entry = get_object_or_404(Entry.objects.select_related("call__unit", "unit", "author"), pk=entry_id)
    if entry.author_id == user.pk or entry.coauthors.filter(pk=user.pk).exists():
        return entry
    if entry.status != Entry.Status.DRAFT and (
        access.can_manage_unit(user, entry.unit) or access.can_manage_unit(user, entry.call.unit)
    ):
        return entry
    raise Http404(_("No such entry."))


def posted_id(request, name: str) -> int:
    """The id posted as `name`, or 0 (which no row has) for anything but digits: an id looked up
    as typed made "abc" a server error ("Field 'id' expected a number")."""
    value = request.POST.get(name, "")
    return int(value) if value.isascii() and value.isdecimal() else 0


def _refuse(request, rejected: CallRejected) -> None:
    messages.error(request, rejected.message)


def _send(path: Path, *, download_name: str, inline: bool = True) -> HttpResponse:
    """A stored file, typed by its stored name (whose extension was checked against its content).

    Typed here, not left to the server: through X-Accel-Redirect nginx keeps the Content-Type it
    is given, and an untyped HttpResponse would say text/html - an uploaded file with markup
    inside (a PNG or PDF polyglot) would then run as a page of the platform, where no
    Content-Security-Policy follows it."""
    if not path.is_file():
        raise Http404(_("No such file."))
    content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    download_name = uploaded_name(download_name)  # names kept before they were cleaned on upload
    if settings.MEDIA_ACCEL_REDIRECT:
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = settings.MEDIA_ACCEL_PREFIX + str(path.relative_to(settings.MEDIA_ROOT))
        response["Content-Disposition"] = content_disposition_header(not inline, download_name)
        return response
    return FileResponse(  # noqa: SIM115 - closed by Django
        open(path, "rb"), as_attachment=not inline, filename=download_name, content_type=content_type
    )


def _media(relative: str) -> Path:
    return Path(settings.MEDIA_ROOT) / relative


# ---------------------------------------------------------------- organisers


@login_required
def manage_list(request):
    access.check_manager(request.user)
    # Handed-in entries from the viewer's own units, as the call's page lists them
    # (`selectors.reviewable_entries`): a branch's secretary does not learn other branches' counts.
    submitted = Count(
        "entries",
        filter=~Q(entries__status__in=[Entry.Status.DRAFT, Entry.Status.WITHDRAWN])
        & access.subtree_q(request.user, prefix="entries__unit__"),
    )
    calls = managed_calls(request.user).select_related("unit").annotate(entry_count=submitted).order_by("-opens_at")
    return render(request, "calls/manage_list.html", {"calls": calls})


def _plain(value: Decimal) -> str:
    """A stored number as typed: 1 and 100, not 1.00 and 100.00."""
    return f"{value.normalize():f}"


def _rows(formset, fields: tuple[str, ...]) -> list[tuple]:
    return [tuple(form.cleaned_data[f] for f in fields) for form in formset if form.cleaned_data.get(fields[0])]


def _default_criteria() -> list[dict]:
    """A new call's rubric, ready to save (its weights add up to 100 %), named in both languages
    whatever the organiser's: each judge reads it in theirs."""
    rows = []
    for name, weight in ((gettext_noop("Content"), 60), (gettext_noop("Presentation"), 40)):
        with translation.override(settings.LANGUAGE_CODE):
            chinese = _(name)
        rows.append({"name": chinese, "name_en": name, "weight": weight, "min_score": 0, "max_score": 100})
    return rows


@login_required
def call_edit(request, call_id: int | None = None):
    access.check_manager(request.user)
    call = access_call(request.user, call_id, own=True) if call_id else None
    initial_levels = [{"unit_kind": lv.unit_kind, "quota": lv.quota} for lv in call.levels.all()] if call else []
    initial_criteria = (
        [
            {
                "name": c.name,
                "name_en": c.name_en,
                "weight": c.weight_percent,
                "min_score": _plain(c.min_score),
                "max_score": _plain(c.max_score),
            }
            for c in call.criteria.all()
        ]
        if call
        else _default_criteria()
    )
    initial_tiers = (
        [{"name": t.name, "name_en": t.name_en, "value": _plain(t.value)} for t in call.prize_tiers.all()]
        if call
        else []
    )
    data = request.POST if request.method == "POST" else None
    results_locked = services.results_settings_locked(call) if call else ""
    form = forms.CallForm(data, instance=call, user=request.user, results_locked=results_locked)
    levels_locked = bool(call) and services.levels_locked(call)
    criteria_locked = bool(call) and services.criteria_locked(call)
    levels = forms.LevelFormSet(None if levels_locked else data, prefix="levels", initial=initial_levels)
    criteria = forms.CriterionFormSet(None if criteria_locked else data, prefix="criteria", initial=initial_criteria)
    # Locked tiers are shown, not boxed; tiers posted all the same go to the service, which refuses a change.
    tiers_posted = data is not None and "tiers-TOTAL_FORMS" in data
    tiers = forms.TierFormSet(
        data if tiers_posted or not results_locked else None,
        prefix="tiers",
        initial=initial_tiers,
        # Checked under the prize mode posted (a locked one stays the call's).
        mode=call.prize_mode if results_locked else (data or {}).get("prize_mode", ""),
    )
    initial_fields = (
        [
            {
                "label": f.label,
                "kind": f.kind,
                "choices": f.choices,
                "required": f.required,
                "identifying": f.identifying,
            }
            for f in call.fields.all()
        ]
        if call
        else []
    )
    # Fields change as levels do: until an entry is submitted.
    fields = forms.FieldFormSet(None if levels_locked else data, prefix="fields", initial=initial_fields)
    checked = (
        [form]
        + ([tiers] if tiers.is_bound else [])
        + ([] if levels_locked else [levels, fields])
        + ([] if criteria_locked else [criteria])
    )
    if data is not None and all(f.is_valid() for f in checked):
        try:
            with transaction.atomic():
                saved = form.save(commit=False)
                if not call:
                    saved.created_by = request.user
                saved.save()
                form.save_m2m()
                services.call_settings_save(
                    call=saved,
                    levels=[] if levels_locked else _rows(levels, ("unit_kind", "quota")),
                    criteria=[] if criteria_locked else criteria.rows(),
                    tiers=_rows(tiers, ("name", "value", "name_en")) if tiers.is_bound else None,
                    settings_changed=form.changed_data,
                    by=request.user,
                )
                if not levels_locked:
                    services.call_fields_save(
                        call=saved, fields=_rows(fields, ("label", "kind", "choices", "required", "identifying"))
                    )
        except services.CallRejected as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(request, _("The call is saved."))
            return redirect("calls:manage", saved.pk)
    return render(
        request,
        "calls/call_form.html",
        {
            "call": call,
            "form": form,
            "levels": levels,
            "criteria": criteria,
            "tiers": tiers,
            "fields": fields,
            "levels_locked": levels_locked,
            "criteria_locked": criteria_locked,
            "results_locked": results_locked,
        },
    )


@login_required
def manage(request, call_id: int):
    return _manage_page(request, access_call(request.user, call_id))


def _manage_page(request, call: Call, *, panel_form=None, conflict_form=None, judge_form=None, clear_typed=None):
    """The call's management page; `panel_form` is a refused panel, `conflict_form` a refused
    conflict, `judge_form` a refused judge for an entry no judge could score, `clear_typed` a
    refused clearing of a judge's scores (`judging_views.scores_clear`), shown with what was typed."""
    owns = access.can_manage_unit(request.user, call.unit)
    results = selectors.results(call) if call.assigned_at else []
    entries = list(selectors.reviewable_entries(request.user, call))
    context = {
        "call": call,
        "owns": owns,
        "presented_live": kind_of(call).presented_live,
        "entries": entries,
        # A branch's secretary sees the entry they recommended waiting at the office, without the
        # office's form: only the unit it waits at (and those above) decide on it.
        "may_review": {
            entry.pk
            for entry in entries
            if entry.status == Entry.Status.SUBMITTED
            and entry.at_unit
            and access.can_manage_unit(request.user, entry.at_unit)
        },
        "levels": list(call.levels.all()),
        "quota_use": selectors.quota_use(request.user, call),
        "closed": timezone.now() >= call.ends_at,
        # Once published, an entry's row says how it came out rather than "in judging".
        "outcomes": {row.entry.pk: row for row in results} if call.results_published_at else {},
    }
    if owns:
        panels = list(
            call.panels.order_by("pk").prefetch_related(
                Prefetch("judges", queryset=User.objects.order_by(*PEOPLE_BY_NAME))
            )
        )
        unassigned = list(selectors.unassigned_entries(call)) if call.assigned_at else []
        no_free_judge = judges.entries_without_free_judge(call) if unassigned else []
        if not call.scores_locked_at:
            search_url = reverse("calls:judge_candidates", args=[call.pk])
            for item in no_free_judge:
                item.form = (
                    judge_form
                    if judge_form is not None and judge_form.item.entry.pk == item.entry.pk
                    else forms.EntryJudgeForm(call=call, user=request.user, item=item, search_url=search_url)
                )
        stranded = {item.entry.pk for item in no_free_judge}
        context |= {
            "panels": panels,
            # Before assigning: each panel with fewer judges than an entry needs, and what to do.
            "panels_short": {
                panel.pk: judges.panel_short_message(call, name=panel.display_name, size=len(panel.judges.all()))
                for panel in panels
            },
            # Entries that only wait for a panel's button; the others have a notice of their own.
            "waiting": [entry.title for entry in unassigned if entry.pk not in stranded],
            "panel_form": panel_form or _panel_form(request, call),
            "progress": selectors.judge_progress(call),
            "results": results,
            "unassigned": unassigned,
            "no_free_judge": no_free_judge,
            # Per panel, how many of the entries without judges it has a free judge for.
            "assignable": {
                panel.pk: len(unassigned) - sum(panel in item.panels for item in no_free_judge) for panel in panels
            },
            "comments": selectors.comments_by_entry(call) if call.assigned_at else {},
            # An entry reopened for its author holds the lock and the publishing until it ends.
            "reopening": services.running_reopening(call) if not call.results_published_at else None,
            "criteria": list(call.criteria.all()),
            "log": call.audit_events.select_related("by", "entry").order_by("-id")[:50],
            # Until the lock, an organiser may set a judge's scores of an entry aside (`judges.scores_clear`).
            "clearable": judges.clearable_assignments(call) if call.assigned_at and not call.scores_locked_at else {},
            "clear_typed": clear_typed or {},
        }
        if not call.scores_locked_at and call.panels.exists():
            context["conflict_form"] = conflict_form or forms.ConflictForm(call=call)
        context["pickers"] = not call.assigned_at or "conflict_form" in context
    return render(request, "calls/manage.html", context)


@login_required
@require_POST
def entry_review(request, entry_id: int):
    entry = get_object_or_404(Entry, pk=entry_id)
    access_call(request.user, entry.call_id)
    form = forms.ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write a short recommendation or reason."))
        return redirect("calls:manage", entry.call_id)
    try:
        if request.POST.get("decision") == "return":
            services.entry_return(entry=entry, by=request.user, reason=form.cleaned_data["note"])
            messages.success(request, _("The entry is returned to its author."))
        else:
            services.entry_forward(entry=entry, by=request.user, note=form.cleaned_data["note"])
            messages.success(request, _("The entry is recommended."))
    except CallRejected as rejected:
        _refuse(request, rejected)
    return redirect("calls:manage", entry.call_id)


@login_required
@require_POST
def entry_reopen(request, entry_id: int):
    entry = get_object_or_404(Entry, pk=entry_id)
    access_call(request.user, entry.call_id)
    form = forms.ReopenForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a time in the future and a reason."))
    else:
        try:
            services.entry_reopen(entry=entry, by=request.user, **form.cleaned_data)
            messages.success(request, _("The entry is reopened for its author."))
        except CallRejected as rejected:
            _refuse(request, rejected)
    return redirect("calls:manage", entry.call_id)


def _panel_form(request, call: Call, *, panel: Panel | None = None, data=None) -> forms.PanelForm:
    search_url = reverse("calls:judge_candidates", args=[call.pk])
    return forms.PanelForm(data, call=call, user=request.user, panel=panel, search_url=search_url)


@login_required
@require_POST
def panel_add(request, call_id: int):
    call = access_call(request.user, call_id, own=True)
    form = _panel_form(request, call, data=request.POST)
    if form.is_valid():
        try:
            panel = judges.panel_save(
                call=call,
                by=request.user,
                name=form.cleaned_data["name"],
                name_en=form.cleaned_data["name_en"],
                judges=form.cleaned_data["judges"],
            )
        except CallRejected as rejected:
            _refuse(request, rejected)
        else:
            _say_panel_saved(request, call, panel)
        return redirect("calls:manage", call.pk)
    return _manage_page(request, call, panel_form=form)


def _say_panel_saved(request, call: Call, panel: Panel) -> None:
    """The panel is saved; and, before any entry is assigned, whether it is too small for the call."""
    messages.success(request, _("The panel is saved."))
    short = judges.panel_short_message(call, name=panel.display_name, size=panel.judges.count())
    if short:
        messages.warning(request, short)


def _panel_page(request, call: Call, panel: Panel, *, form=None):
    """The panel's page: before entries are assigned, its name and judges to edit; after, its
    judges with what each holds and has scored, each who has not scored with a button taking them
    off the panel (`judges.panel_judge_remove`) until judging is locked."""
    rows = []
    if call.assigned_at:
        held = dict(
            Assignment.objects.filter(panel=panel)
            .values("judge_id")
            .annotate(n=Count("pk"))
            .values_list("judge_id", "n")
        )
        # Scores that count only: a judge whose scores were all cleared may come off the panel.
        scored = dict(
            Assignment.objects.filter(panel=panel, pk__in=ScoreEvent.objects.values("assignment_id"))
            .values("judge_id")
            .annotate(n=Count("pk"))
            .values_list("judge_id", "n")
        )
        cleared = dict(
            Assignment.objects.filter(panel=panel, clearings__judge=F("judge"))
            .exclude(pk__in=ScoreEvent.objects.values("assignment_id"))
            .values("judge_id")
            .annotate(n=Count("pk", distinct=True))
            .values_list("judge_id", "n")
        )
        rows = [
            {
                "judge": judge,
                "held": held.get(judge.pk, 0),
                "scored": scored.get(judge.pk, 0),
                "cleared": cleared.get(judge.pk, 0),
            }
            for judge in panel.judges.select_related("unit").order_by(*PEOPLE_BY_NAME)
        ]
    context = {"call": call, "panel": panel, "form": form, "rows": rows}
    return render(request, "calls/panel_edit.html", context)


@login_required
def panel_edit(request, call_id: int, panel_id: int):
    """Rename a panel and change its judges, until entries are assigned; afterwards, take a judge
    put on it by mistake off it."""
    call = access_call(request.user, call_id, own=True)
    panel = get_object_or_404(Panel, call=call, pk=panel_id)
    if call.assigned_at:
        if request.method == "POST":
            messages.error(request, _("Entries are assigned; a judge who drops out leaves through the progress table."))
            return redirect("calls:panel_edit", call.pk, panel.pk)
        return _panel_page(request, call, panel)
    form = _panel_form(request, call, panel=panel, data=request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            judges.panel_save(
                call=call,
                by=request.user,
                panel=panel,
                name=form.cleaned_data["name"],
                name_en=form.cleaned_data["name_en"],
                judges=form.cleaned_data["judges"],
            )
        except CallRejected as rejected:
            _refuse(request, rejected)
        else:
            _say_panel_saved(request, call, panel)
            return redirect(reverse("calls:manage", args=[call.pk]) + f"#panel-{panel.pk}")
    return _panel_page(request, call, panel, form=form)


@login_required
@require_POST
def panel_judge_remove(request, call_id: int, panel_id: int, judge_id: int):
    """Take a judge put on the panel by mistake, who has scored nothing of it, off it: their
    entries pass to other judges of the panel."""
    call = access_call(request.user, call_id, own=True)
    panel = get_object_or_404(Panel, call=call, pk=panel_id)
    judge = get_object_or_404(panel.judges.all(), pk=judge_id)
    try:
        reassigned, stranded = judges.panel_judge_remove(call=call, panel=panel, judge=judge, by=request.user)
    except CallRejected as rejected:
        _refuse(request, rejected)
        return redirect("calls:panel_edit", call.pk, panel.pk)
    said = {"judge": judge.display_name, "panel": panel.display_name, "n": len(reassigned)}
    if reassigned:
        messages.success(
            request,
            ngettext(
                "%(judge)s is off panel %(panel)s; %(n)d entry passes to another judge.",
                "%(judge)s is off panel %(panel)s; %(n)d entries pass to other judges.",
                len(reassigned),
            )
            % said,
        )
    else:
        messages.success(request, _("%(judge)s is off panel %(panel)s.") % said)
    warn_stranded(request, call, stranded)
    return redirect(reverse("calls:manage", args=[call.pk]) + f"#panel-{panel.pk}")


def warn_stranded(request, call: Call, stranded: list[Entry]) -> None:
    """Name the entries a judge leaving left that no other judge of the panel was free to take:
    those with judges still have fewer; those waiting for a judge (`selectors.unassigned_entries`)
    are named on the call page too, with how to give them one."""
    waiting = set(selectors.unassigned_entries(call).values_list("pk", flat=True))
    without = [entry.title for entry in stranded if entry.pk in waiting]
    fewer = [entry.title for entry in stranded if entry.pk not in waiting]
    if fewer:
        messages.warning(
            request,
            _("No other judge of the panel is free to take %(titles)s: it has fewer judges.")
            % {"titles": listed(fewer)},
        )
    if without:
        messages.warning(
            request,
            _("%(titles)s has no judge now: this page says how to give it one before the scores are locked.")
            % {"titles": listed(without)},
        )


@login_required
def judge_candidates(request, call_id: int):
    """For the judges' picker: up to 20 accounts the organiser may put on the call's panels whose
    name, user name, employee number or unit matches `q` (nothing for an empty `q`)."""
    call = access_call(request.user, call_id, own=True)
    text = request.GET.get("q", "").strip()[:50]
    found = judges.candidates_matching(judges.judge_candidates(call, request.user), text) if text else []
    return JsonResponse({"results": judges.candidate_rows(found)})


def _warn_short_assignments(request, call: Call, panel: Panel) -> None:
    """Name the entries that got fewer judges than the call asks: a panel smaller than the call's
    judges per entry gives no entry more judges than it has, and otherwise the panel had too few
    judges free of conflicts with them (own unit, authorship, a declared conflict)."""
    size = panel.judges.filter(is_active=True).count()
    if size < call.judges_per_entry:
        messages.warning(
            request,
            ngettext(
                "Panel %(panel)s has %(n)d judge, fewer than the %(k)d judges per entry the call asks for: "
                "each entry got at most %(n)d. Add judges to the panel, or lower “judges per entry” in the "
                "call's settings.",
                "Panel %(panel)s has %(n)d judges, fewer than the %(k)d judges per entry the call asks for: "
                "each entry got at most %(n)d. Add judges to the panel, or lower “judges per entry” in the "
                "call's settings.",
                size,
            )
            % {"panel": panel.display_name, "n": size, "k": call.judges_per_entry},
        )
    wanted = min(size, call.judges_per_entry)
    short = [
        entry.title
        for entry in call.entries.filter(status=Entry.Status.FINALIST)
        .annotate(judges=Count("assignments"))
        .order_by("pk")
        if entry.judges < wanted
    ]
    if short:
        messages.warning(
            request,
            _(
                "%(titles)s got fewer than %(k)d judges: the panel has too few judges free of conflicts with them "
                "(their own unit, authorship or a declared conflict)."
            )
            % {"titles": listed(short), "k": wanted},
        )


@login_required
@require_POST
def judging_action(request, call_id: int, action: str):
    call = access_call(request.user, call_id, own=True)
    try:
        if action == "assign":
            panel = get_object_or_404(Panel, call=call, pk=posted_id(request, "panel"))
            # One entry (no judge of its own panel can score it), or every entry without judges.
            only = None
            if "entry" in request.POST:
                only = [get_object_or_404(call.entries, pk=posted_id(request, "entry"))]
            made = services.assignment_run(
                call=call, panel=panel, by=request.user, seed=request.POST.get("seed", ""), entries=only
            )
            messages.success(request, _("%(n)d assignments made.") % {"n": len(made)})
            _warn_short_assignments(request, call, panel)
        elif action == "lock":
            services.scores_lock(call=call, by=request.user, close_now=request.POST.get("close_now") == "1")
            messages.success(request, _("Scores are locked."))
        elif action == "unlock":
            services.scores_unlock(call=call, by=request.user, reason=request.POST.get("reason", ""))
            unlocked = _("Judging is unlocked: judges can complete and change their scores until you lock them again.")
            messages.success(request, unlocked)
        elif action == "publish":
            services.results_publish(call=call, by=request.user)
            messages.success(request, _("The results are published."))
        else:
            raise Http404
    except CallRejected as rejected:
        _refuse(request, rejected)
    return redirect("calls:manage", call.pk)


# ---------------------------------------------------------------- members


@login_required
def call_list(request):
    now = timezone.now()
    calls = Call.objects.filter(services.audience_q(request.user)).distinct().select_related("unit")
    mine = Entry.objects.filter(Q(author=request.user) | Q(coauthors=request.user)).distinct().select_related("call")
    return render(
        request,
        "calls/call_list.html",
        {
            "open_calls": [c for c in calls if c.takes_entries(now)],
            "other_calls": [c for c in calls if not c.takes_entries(now)],
            "mine": mine,
            "judges": request.user.judging_panels.exists(),
            # One instant for the split and for each other call's "Closed" or "opens": a call that
            # closed earlier today is closed, whatever its date reads.
            "now": now,
        },
    )


@login_required
def call_detail(request, call_id: int):
    call = get_object_or_404(Call.objects.select_related("unit"), pk=call_id)
    if not (services.may_enter(request.user, call) or access.can_manage_unit(request.user, call.unit)):
        raise Http404(_("No such call."))
    form = forms.EntryForm(request.POST or None, call=call, author=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            entry = services.entry_create(
                call=call,
                author=request.user,
                title=form.cleaned_data["title"],
                summary=form.cleaned_data["summary"],
                coauthors=form.cleaned_data.get("coauthors", []),
            )
        except CallRejected as rejected:
            _refuse(request, rejected)
        else:
            messages.success(request, _("Draft saved. Now attach your file."))
            return redirect("calls:entry", entry.pk)
    return render(
        request,
        "calls/call_detail.html",
        {
            "call": call,
            "form": form,
            "extensions": services.allowed_extensions(call),
            "file_types": types_listed(services.allowed_extensions(call)),
            "mine": call.entries.filter(author=request.user),
            "is_open": call.takes_entries(timezone.now()),
            # Before the window the page says when it opens, not that submissions are closed.
            "opens_at": local_moment(call.opens_at)
            if timezone.now() < call.opens_at and not call.results_published_at
            else "",
            "entries_left": services.entries_left(call, request.user),
        },
    )


def _published_result(entry: Entry) -> selectors.EntryResult | None:
    """The entry's row in the call's published results (None before, or if it never reached judging)."""
    if not entry.call.results_published_at or entry.status != Entry.Status.FINALIST:
        return None
    return next((row for row in selectors.results(entry.call) if row.entry.pk == entry.pk), None)


@login_required
def entry_page(request, entry_id: int):
    entry = access_entry(request.user, entry_id)
    is_author = entry.author_id == request.user.pk
    form = forms.EntryForm(
        request.POST if request.method == "POST" and "title" in request.POST else None,
        call=entry.call,
        author=entry.author,
        initial={
            "title": entry.title,
            "summary": entry.summary,
            "coauthors": ", ".join(u.employee_no or u.username for u in entry.coauthors.all()),
        },
    )
    if request.method == "POST" and is_author:
        try:
            if "title" in request.POST:
                if form.is_valid():
                    services.entry_update(entry=entry, by=request.user, **form.cleaned_data)
                    messages.success(request, _("Saved."))
                    return redirect("calls:entry", entry.pk)
            elif "answers" in request.POST:
                asked = forms.AnswersForm(call=entry.call, answers={}).fields.items()
                services.entry_answers_save(
                    entry=entry,
                    by=request.user,
                    values={f.field_id: request.POST.get(name, "") for name, f in asked},
                    uploads={f.field_id: request.FILES[name] for name, f in asked if name in request.FILES},
                )
                messages.success(request, _("Saved."))
                return redirect("calls:entry", entry.pk)
            elif "file" in request.FILES:
                services.entry_attach(
                    entry=entry, upload=request.FILES["file"], replace_confirmed=request.POST.get("replace") == "1"
                )
                messages.success(request, _("The file is attached."))
                return redirect("calls:entry", entry.pk)
            elif request.POST.get("action") == "submit":
                services.entry_submit(entry=entry, by=request.user)
                messages.success(request, _("Submitted. Keep your receipt number."))
                return redirect("calls:entry", entry.pk)
            elif request.POST.get("action") == "withdraw":
                services.entry_withdraw(entry=entry, by=request.user)
                messages.success(request, _("The entry is withdrawn."))
                return redirect("calls:entry", entry.pk)
        except CallRejected as rejected:
            _refuse(request, rejected)
    is_video = entry.call.kind in (Call.Kind.MICRO_CLASS, Call.Kind.SPEECH)
    result = _published_result(entry)
    locked_reason = ""
    try:
        services.check_changeable(entry)
        changeable = is_author
    except CallRejected as rejected:
        changeable = False
        locked_reason = rejected.message  # why its author can no longer replace the file
        if rejected.code == "published" and result is not None and result.rank:
            outcome = (
                _("%(prize)s, rank %(rank)d") % {"prize": result.display_prize, "rank": result.rank}
                if result.display_prize
                else _("rank %(rank)d") % {"rank": result.rank}
            )
            locked_reason = _("The results are published (%(outcome)s); the entry can no longer change.") % {
                "outcome": outcome
            }
    return render(
        request,
        "calls/entry.html",
        {
            "entry": entry,
            "call": entry.call,
            "result": result,
            "form": form,
            "file_form": forms.FileForm(),
            "files": entry.files.all(),
            "changeable": changeable,
            "locked_reason": locked_reason if is_author and entry.status != Entry.Status.WITHDRAWN else "",
            # Its author replaces a submitted entry's file only after saying so.
            "confirm_replace": changeable and services.replacing_submitted_file(entry),
            "is_author": is_author,
            "extensions": services.allowed_extensions(entry.call),
            "file_types": types_listed(services.allowed_extensions(entry.call)),
            "reviews": entry.reviews.select_related("unit"),
            "answers": services.answers_shown(entry, to_judge=False),
            "previews": _preview_urls(entry, lambda n, page: reverse("calls:entry_preview", args=[entry.pk, n, page])),
            "answers_form": forms.AnswersForm(
                call=entry.call, answers={answer.field_id: answer for answer in entry.answers.all()}
            )
            if changeable and entry.call.fields.exists()
            else None,
            "upload_url": reverse("calls:entry_upload_start", args=[entry.pk]) if changeable and is_video else "",
            "upload_max": entry.call.max_file_mb * 2**20,
        },
    )


def _preview_urls(entry: Entry, url) -> dict[str, list[str]]:
    """For each of the entry's files ("file-<n>", in order), the addresses of its preview pictures."""
    return {
        f"file-{n}": [url(n, page) for page in range(len(stored.previews))]
        for n, stored in enumerate(entry.files.all())
    }


def _preview(files: list[EntryFile], number: int, page: int, *, name: str) -> HttpResponse:
    """The page-th preview picture of the number-th file (made from its blind copy)."""
    if number >= len(files) or page >= len(files[number].previews):
        raise Http404(_("No such file."))
    path = files[number].previews[page]
    return _send(_media(path), download_name=f"{name}-{number}-{page + 1}{Path(path).suffix}")


def _answer_file(entry: Entry, field_id: int, *, blind: bool, name: str = "") -> HttpResponse:
    """The file answering one of the call's fields: judges get its blind copy, never an
    identifying field's in a blind call."""
    answer = get_object_or_404(entry.answers.select_related("field"), field_id=field_id)
    if not answer.path or (blind and entry.call.blind and answer.field.identifying):
        raise Http404(_("No such file."))
    extension = Path(answer.path).suffix
    if blind:
        return _send(_media(answer.blind_path), download_name=f"{name}-field-{field_id}{extension}")
    return _send(_media(answer.path), download_name=answer.original_name)


@login_required
def entry_preview(request, entry_id: int, number: int, page: int):
    entry = access_entry(request.user, entry_id)
    return _preview(list(entry.files.all()), number, page, name=f"entry-{entry.receipt}")


@login_required
def entry_answer_file(request, entry_id: int, field_id: int):
    entry = access_entry(request.user, entry_id)
    return _answer_file(entry, field_id, blind=False)


@login_required
def entry_file(request, entry_id: int, file_id: int):
    entry = access_entry(request.user, entry_id)
    stored = get_object_or_404(EntryFile, entry=entry, pk=file_id)
    return _send(_media(stored.path), download_name=stored.original_name)


# ---------------------------------------------------------------- judges


@login_required
def judging_list(request):
    assignments = (
        Assignment.objects.filter(judge=request.user)
        .select_related("entry__call")
        .prefetch_related("score_events")
        .order_by("entry__call_id", "entry__judging_number", "id")
    )
    # By call, in the order of their labels (作品 001 ...), with what is left to score in each: a
    # judge's work is counted per call. An assignment is scored once every criterion is; some of
    # them: a draft.
    calls: dict[int, dict] = {}
    rubrics: dict[int, set[int]] = {}
    for assignment in assignments:
        call = assignment.entry.call
        group = calls.setdefault(call.pk, {"call": call, "assignments": [], "left": 0})
        criteria = rubrics.setdefault(call.pk, set(call.criteria.values_list("pk", flat=True)))
        given = {event.criterion_id for event in assignment.score_events.all()}
        assignment.state = "scored" if criteria <= given else "draft" if given else "todo"
        group["assignments"].append(assignment)
        group["left"] += assignment.state != "scored"
    context = {"calls": list(calls.values()), "nights": judge_nights(request.user)}
    return render(request, "calls/judging_list.html", context)


def _assignment(request, assignment_id: int) -> Assignment:
    try:
        return services.access_assignment(request.user, assignment_id)
    except CallRejected:
        raise Http404(_("This entry is not assigned to you.")) from None


@login_required
def judging_page(request, assignment_id: int):
    assignment = _assignment(request, assignment_id)
    entry, call = assignment.entry, assignment.entry.call
    criteria = list(call.criteria.all())
    current = {pk: _plain(value) for pk, value in services.current_scores(assignment).items()}
    comment = services.current_comment(assignment)
    # Taken off the panel (`judges.judge_withdraw`): the entries they scored stay theirs to see.
    withdrawn = not assignment.panel.judges.filter(pk=request.user.pk).exists()
    invalid: set[int] = set()
    if request.method == "POST":
        comment = request.POST.get("comment", "")
        # A draft keeps what is filled in so far; submitting needs every criterion.
        draft = request.POST.get("action") == "draft"
        typed = {c.pk: request.POST.get(f"criterion-{c.pk}", "").strip() for c in criteria}
        values = {}
        empty: set[int] = set()
        unreadable: set[int] = set()
        for pk, text in typed.items():
            if not text:
                if not draft:
                    empty.add(pk)
            elif (value := services.plain_score(text)) is None:
                unreadable.add(pk)
            else:
                values[pk] = value
        invalid = empty | unreadable
        if invalid:
            # Named, and marked on the form: on a phone the judge may not see which box is empty.
            # With the numbers typed out of range, so the judge need not submit again to learn of them.
            refused = services.score_problems({c.pk: c for c in criteria}, values)
            said = []
            if empty:
                names = listed(c.display_name for c in criteria if c.pk in empty)
                said.append(_("Enter a number for %(criteria)s.") % {"criteria": names})
            if unreadable:
                names = listed(c.display_name for c in criteria if c.pk in unreadable)
                said.append(_("Type %(criteria)s as a plain number, such as 88 or 88.25.") % {"criteria": names})
            messages.error(request, joined_sentences(said + [message for _code, message in refused.values()]))
            current, invalid = typed, invalid | set(refused)
        else:
            try:
                services.score_record(
                    assignment=assignment, by=request.user, values=values, comment=comment, draft=draft
                )
            except CallRejected as rejected:
                _refuse(request, rejected)
                current, invalid = typed, set(rejected.criteria)
            else:
                if draft:
                    messages.success(request, _("Draft saved: it counts once every criterion is scored."))
                    return redirect("calls:judging_entry", assignment.pk)
                messages.success(request, _("Your scores are saved."))
                return redirect("calls:judging")
    return render(
        request,
        "calls/judging.html",
        {
            "assignment": assignment,
            "entry": entry,
            "call": call,
            "files": [(f"file-{n}", stored) for n, stored in enumerate(entry.files.all())],
            "previews": _preview_urls(
                entry, lambda n, page: reverse("calls:judging_file", args=[assignment.pk, f"preview-{n}-{page}"])
            ),
            "rows": [(c, current.get(c.pk, ""), c.pk in invalid) for c in criteria],
            "comment": comment,
            "comment_max": COMMENT_MAX,
            "answers": services.answers_shown(entry, to_judge=True),
            "locked": bool(call.scores_locked_at) or withdrawn,
            "withdrawn": withdrawn,
            # Scores of theirs an organiser set aside (`judges.scores_clear`), until they score again.
            "cleared": None if current else assignment.clearings.filter(judge=request.user).last(),
        },
    )


@login_required
def judging_file(request, assignment_id: int, what: str):
    """A blind copy under a neutral name (entry-<token>-<n>.<ext>), or the transcoded video."""
    assignment = _assignment(request, assignment_id)
    files = list(assignment.entry.files.all())
    if not files:
        raise Http404(_("No such file."))
    folder = Path(files[0].path).parent
    if what in ("video.mp4", "poster.jpg"):
        return _send(_media(str(folder / what)), download_name=what)
    preview = re.fullmatch(r"preview-(\d+)-(\d+)", what)
    if preview:
        return _preview(files, int(preview.group(1)), int(preview.group(2)), name=f"entry-{assignment.token}")
    answer = re.fullmatch(r"answer-(\d+)", what)
    if answer:
        return _answer_file(assignment.entry, int(answer.group(1)), blind=True, name=f"entry-{assignment.token}")
    number = what.removeprefix("file-")
    if not number.isdecimal() or int(number) >= len(files):
        raise Http404(_("No such file."))
    stored = files[int(number)]
    return _send(_media(stored.blind_path), download_name=f"entry-{assignment.token}-{number}.{stored.extension}")


# ---------------------------------------------------------------- results


@login_required
def honours(request, call_id: int):
    call = get_object_or_404(Call.objects.select_related("unit"), pk=call_id)
    owns = access.can_manage_unit(request.user, call.unit)
    if not (owns or (call.results_published_at and services.may_enter(request.user, call))):
        raise Http404(_("The results of this call are not published yet."))
    tiers: dict[str, list] = {}
    for row in selectors.results(call):
        if row.prize:
            tiers.setdefault(row.display_prize, []).append(row)
    # Each prized entry's authors, co-authors after the author as on its certificate, listed in the
    # page's language (a query each: prizes are few).
    credits = {
        row.entry.pk: listed(person.display_name for person in results.authors(row.entry))
        for rows in tiers.values()
        for row in rows
    }
    mine = set(
        Entry.objects.filter(Q(author=request.user) | Q(coauthors=request.user), call=call).values_list("pk", flat=True)
    )
    return render(
        request,
        "calls/honours.html",
        {
            "call": call,
            "tiers": tiers,
            "provisional": not call.results_published_at,
            "owns": owns,
            "mine": mine,
            "credits": credits,
            "video_call": call.kind in (Call.Kind.MICRO_CLASS, Call.Kind.SPEECH),
            "library_form": forms.LibraryForm(user=request.user) if owns else None,
        },
    )


@login_required
@require_POST
def entry_upload_start(request, entry_id: int):
    """Open a resumable upload for a video entry: JSON {filename, size} in; the chunk address out
    (the library's, `lessons:upload_chunk`)."""
    entry = access_entry(request.user, entry_id)
    try:
        filename, size = announced_file(request.body)
        replace = client_json.loads(request.body).get("replace") is True
        upload = services.entry_upload_start(
            entry=entry, by=request.user, filename=filename, size=size, replace_confirmed=replace
        )
    except ValueError:
        return error_response("bad_request", _("Send the file's name and size."), status=400)
    except CallRejected as rejected:
        return error_response(rejected.code, rejected.message, status=400)
    except LessonRejected as refused:
        return error_response(refused.code, refused.message, status=400)
    return JsonResponse(
        {
            "upload": str(upload.pk),
            "received": upload.received,
            "chunk_url": reverse("lessons:upload_chunk", args=[upload.pk]),
        }
    )
