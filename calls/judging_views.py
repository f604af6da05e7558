"""Organisers' judging tools beside the call page: panel statistics, the similarity check of
essays, the scores export, reminders to judges, judge-only accounts and conflicts; and the
judge's own conflict declaration. Thin: parse, authorise, call a service, render."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from orgs import access
from orgs.forms import UnitChoiceField
from quizsite.spreadsheets import xlsx_response

from . import exports, judges, similarity, statistics
from .forms import ConflictForm, EntryJudgeForm
from .models import Assignment, Call, SimilarityPair
from .services import CallRejected
from .views import _assignment, _manage_page, access_call, posted_id, warn_stranded


@login_required
def statistics_page(request, call_id: int):
    call = access_call(request.user, call_id, own=True)
    return render(
        request,
        "calls/statistics.html",
        {"call": call, "panels": statistics.panel_statistics(call), "unscored": judges.unscored_by_judge(call)},
    )


@login_required
def scores_export(request, call_id: int):
    call = access_call(request.user, call_id, own=True)
    return xlsx_response(
        exports.scores_xlsx(call), f"{call.display_title} {_('scores')}", ascii_name=f"call-{call.pk}-scores"
    )


@login_required
@require_POST
def judges_remind(request, call_id: int):
    call = access_call(request.user, call_id, own=True)
    if call.scores_locked_at:
        messages.error(request, _("Scores are locked; there is nothing left to remind judges of."))
    elif not judges.unscored_by_judge(call):
        messages.info(request, _("Every judge has scored every assigned entry."))
    else:
        from .tasks import judges_remind_task

        by = request.user.pk
        transaction.on_commit(lambda: judges_remind_task.delay(call.pk, by))
        messages.success(request, _("Judges with entries still to score are being reminded."))
    return redirect("calls:manage", call.pk)


# ---------------------------------------------------------------- similarity


def _essay_call(request, call_id: int) -> Call:
    call = access_call(request.user, call_id, own=True)
    if call.kind != Call.Kind.ESSAY:
        raise Http404(_("Only essays are checked for similarity."))
    return call


@login_required
def similarity_page(request, call_id: int):
    call = _essay_call(request, call_id)
    pairs = list(
        SimilarityPair.objects.filter(call=call)
        .select_related("entry__author", "entry__unit", "other__author", "other__unit", "other__call")
        .order_by("-jaccard", "id")
    )
    decisions = similarity.latest_decisions(pairs)
    rows = []
    for pair in pairs:
        text, other_text = similarity.entry_text(pair.entry), similarity.entry_text(pair.other)
        rows.append(
            {
                "pair": pair,
                "percent": round(pair.jaccard * 100),
                "decision": decisions.get(pair.pk),
                "left": similarity.passages(text, other_text),
                "right": similarity.passages(other_text, text),
            }
        )
    return render(
        request,
        "calls/similarity.html",
        {
            "call": call,
            "rows": rows,
            "shingle": similarity.SHINGLE,
            "threshold": round(similarity.THRESHOLD * 100),
        },
    )


@login_required
@require_POST
def similarity_run(request, call_id: int):
    call = _essay_call(request, call_id)
    from .tasks import similarity_check_task

    transaction.on_commit(lambda: similarity_check_task.delay(call.pk))
    messages.success(request, _("The similarity check is running; reload this page in a moment."))
    return redirect("calls:similarity", call.pk)


@login_required
@require_POST
def similarity_decide(request, pair_id: int):
    pair = get_object_or_404(SimilarityPair, pk=pair_id)
    call = _essay_call(request, pair.call_id)
    verdict = request.POST.get("verdict", "")
    if verdict not in ("fine", "look"):
        messages.error(request, _("Choose “not an issue” or “needs a look”."))
    else:
        similarity.pair_decide(pair=pair, by=request.user, verdict=verdict, note=request.POST.get("note", ""))
        messages.success(request, _("Your decision is recorded."))
    return redirect(reverse("calls:similarity", args=[call.pk]) + f"#pair-{pair.pk}")


# ---------------------------------------------------------------- judge-only accounts


class JudgeAccountForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("name"), max_length=50)
    contact = forms.CharField(label=gettext_lazy("phone or email"), max_length=120, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"] = UnitChoiceField(user=user, label=gettext_lazy("owner unit"))


@login_required
def judge_accounts(request):
    access.check_manager(request.user)
    creating = request.method == "POST" and not request.POST.get("reset")
    form = JudgeAccountForm(request.POST if creating else None, user=request.user)
    slip = None
    if request.method == "POST":
        try:
            if request.POST.get("reset"):
                account = get_object_or_404(judges.managed_judge_accounts(request.user), pk=posted_id(request, "reset"))
                slip = (account, judges.judge_account_reset(account=account, by=request.user))
            elif form.is_valid():
                slip = judges.judge_account_create(by=request.user, **form.cleaned_data)
                form = JudgeAccountForm(user=request.user)
        except CallRejected as rejected:
            messages.error(request, rejected.message)
    # Opened from a call's page: a way back to it (a call the organiser's units own), to put the
    # new judge on a panel.
    came_from = request.GET.get("call", "")
    back_to = None
    if came_from.isascii() and came_from.isdecimal():
        back_to = Call.objects.filter(access.subtree_q(request.user, prefix="unit__"), pk=int(came_from)).first()
    return render(
        request,
        "calls/judge_accounts.html",
        {"form": form, "accounts": judges.managed_judge_accounts(request.user), "slip": slip, "back_to": back_to},
    )


# ---------------------------------------------------------------- conflicts


@login_required
@require_POST
def conflict_record(request, call_id: int):
    """An organiser records a conflict between one of the call's panel judges and entries of the
    call, both picked from lists; a refused form comes back with what was typed."""
    call = access_call(request.user, call_id, own=True)
    form = ConflictForm(request.POST, call=call)
    if form.is_valid():
        try:
            recorded = judges.conflicts_record(
                entries=list(form.cleaned_data["entries"]),
                judge=form.cleaned_data["judge"],
                by=request.user,
                reason=form.cleaned_data["reason"],
            )
        except CallRejected as rejected:
            form.add_error(None, rejected.message)
        else:
            _tell_recorded(request, form.cleaned_data["judge"], recorded)
            return redirect(reverse("calls:manage", args=[call.pk]) + "#conflict-record")
    return _manage_page(request, call, conflict_form=form)


@login_required
@require_POST
def entry_judge_add(request, call_id: int, entry_id: int):
    """An organiser puts a judge on a panel for an entry that every judge of the panel has a
    conflict with; the entry is assigned to them. A refused judge comes back with the form."""
    call = access_call(request.user, call_id, own=True)
    entry = get_object_or_404(call.entries, pk=entry_id)
    item = next((item for item in judges.entries_without_free_judge(call) if item.entry.pk == entry.pk), None)
    if item is None:
        messages.info(request, _("“%(entry)s” already has its judges.") % {"entry": entry.title})
        return redirect("calls:manage", call.pk)
    search_url = reverse("calls:judge_candidates", args=[call.pk])
    form = EntryJudgeForm(request.POST, call=call, user=request.user, item=item, search_url=search_url)
    if form.is_valid():
        try:
            judges.entry_judge_add(
                call=call,
                panel=form.cleaned_data["panel"],
                entry=entry,
                judge=form.cleaned_data["judge"],
                by=request.user,
            )
        except CallRejected as rejected:
            if rejected.code == "locked":  # locked meanwhile: the page shows no form to answer in
                messages.error(request, rejected.message)
                return redirect("calls:manage", call.pk)
            form.add_error("judge", rejected.message)
        else:
            messages.success(
                request,
                _("%(judge)s joins %(panel)s and scores “%(entry)s”.")
                % {
                    "judge": form.cleaned_data["judge"].display_name,
                    "panel": form.cleaned_data["panel"].name,
                    "entry": entry.title,
                },
            )
            return redirect("calls:manage", call.pk)
    return _manage_page(request, call, judge_form=form)


@login_required
@require_POST
def judge_withdraw(request, call_id: int, judge_id: int):
    """An organiser takes a judge who drops out off the call's panels; their unscored entries pass on."""
    call = access_call(request.user, call_id, own=True)
    judge = get_object_or_404(judges.call_judges(call), pk=judge_id)
    try:
        reassigned, stranded = judges.judge_withdraw(
            call=call, judge=judge, by=request.user, reason=request.POST.get("reason", "")
        )
    except CallRejected as rejected:
        messages.error(request, rejected.message)
        return redirect("calls:manage", call.pk)
    messages.success(
        request,
        ngettext(
            "%(judge)s no longer judges this call; %(n)d entry passes to other judges.",
            "%(judge)s no longer judges this call; %(n)d entries pass to other judges.",
            len(reassigned),
        )
        % {"judge": judge.display_name, "n": len(reassigned)},
    )
    warn_stranded(request, call, stranded)
    return redirect("calls:manage", call.pk)


@login_required
@require_POST
def scores_clear(request, call_id: int, entry_id: int):
    """An organiser sets a judge's scores of an entry aside, with a reason: the judge scores it
    again, or another judge of the panel does. A refusal comes back with what was typed."""
    call = access_call(request.user, call_id, own=True)
    assignment = get_object_or_404(
        Assignment.objects.select_related("entry", "judge"),
        pk=posted_id(request, "assignment"),
        entry_id=entry_id,
        entry__call=call,
    )
    reason, reassign = request.POST.get("reason", ""), request.POST.get("reassign") == "1"
    judge = assignment.judge
    try:
        cleared = judges.scores_clear(assignment=assignment, by=request.user, reason=reason, reassign=reassign)
    except CallRejected as rejected:
        typed = {"entry": entry_id, "assignment": assignment.pk, "reason": reason, "reassign": reassign}
        return _manage_page(request, call, clear_typed=typed | {"error": rejected.message})
    if cleared.reassigned_to is not None:
        said = _("The scores %(judge)s gave “%(entry)s” are cleared; %(successor)s scores it now.") % {
            "judge": judge.display_name,
            "entry": assignment.entry.title,
            "successor": cleared.reassigned_to.display_name,
        }
    else:
        said = _("The scores %(judge)s gave “%(entry)s” are cleared; they score it again.") % {
            "judge": judge.display_name,
            "entry": assignment.entry.title,
        }
    messages.success(request, said)
    return redirect(reverse("calls:manage", args=[call.pk]) + "#results-table")


def _tell_recorded(request, judge, recorded) -> None:
    """Say what was recorded, and which entry passed to whom: the organiser need not look it up."""
    messages.success(
        request,
        ngettext(
            "The conflict of %(judge)s with %(n)d entry is recorded.",
            "The conflict of %(judge)s with %(n)d entries is recorded.",
            len(recorded),
        )
        % {"judge": judge.display_name, "n": len(recorded)},
    )
    for conflict, replacement in recorded:
        if replacement is not None:
            messages.info(
                request,
                _("“%(entry)s” passes to %(judge)s.")
                % {"entry": conflict.entry.title, "judge": replacement.judge.display_name},
            )


@login_required
@require_POST
def conflict_declare(request, assignment_id: int):
    """The judge declares a conflict with an entry assigned to them; it passes to another judge."""
    assignment = _assignment(request, assignment_id)
    try:
        judges.conflict_record(
            entry=assignment.entry, judge=request.user, by=request.user, reason=request.POST.get("reason", "")
        )
    except CallRejected as rejected:
        messages.error(request, rejected.message)
        return redirect("calls:judging_entry", assignment_id)
    messages.success(request, _("Thank you: the conflict is recorded and the entry is no longer assigned to you."))
    return redirect("calls:judging")
