"""Organiser pages that take things back: the bank's bulk actions on questions, an import undone,
a bank or a paper deleted. Each asks first on a confirm page that gives the numbers."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext
from django.views.decorators.http import require_http_methods

from ..models import Question, QuestionBank
from ..services import removal
from .organiser import BULK_ACTIONS, access_bank, access_job, bank_filters, filtered_questions
from .papers import access_paper, owning_contest

ACTIONS = dict(BULK_ACTIONS)
STATUS_OF = {"retire": Question.Status.RETIRED, "publish": Question.Status.PUBLISHED, "draft": Question.Status.DRAFT}
# Why a question was kept, as the pages say it.
USE_WORDS = {
    "attempt": gettext_lazy("answered in members' attempts"),
    "paper": gettext_lazy("on a paper"),
    "notebook": gettext_lazy("in members' wrong-answer notebooks"),
    "contest": gettext_lazy("in a contest's rounds"),
}


def _selection(post, bank: QuestionBank) -> QuerySet[Question]:
    """The questions a bulk form chose: the ticked ones, or all matching the filter it carries."""
    if post.get("which") == "all":
        return filtered_questions(bank, bank_filters(post))
    ids = [int(value) for value in post.getlist("question") if value.isdecimal()]
    return Question.objects.filter(bank=bank, pk__in=ids)


def _back(post, bank: QuestionBank) -> str:
    bank_url = reverse("lessons:bank_detail", args=[bank.slug])
    back = post.get("next") or ""
    return back if back.startswith(bank_url) else bank_url


def _uses(kept_by: dict[str, int]) -> list[str]:
    """Why questions were kept, a phrase per use: "2 questions answered in members' attempts"."""
    return [
        ngettext("%(n)d question %(words)s", "%(n)d questions %(words)s", count) % {"n": count, "words": USE_WORDS[use]}
        for use, count in kept_by.items()
    ]


@login_required
@require_http_methods(["POST"])
def bank_bulk(request, slug: str):
    """The bank's bulk actions (retire, publish, move to draft, delete) on the ticked questions or
    all matching the filter: a confirm page with the numbers first (step "confirm"), then the change
    in one transaction (step "apply")."""
    bank = access_bank(request.user, slug)
    action = request.POST.get("action")
    back = _back(request.POST, bank)
    if action not in ACTIONS:
        messages.error(request, _("Choose what to do with the questions."))
        return redirect(back)
    questions = _selection(request.POST, bank)
    if request.POST.get("step") != "apply":
        count = questions.count()
        if not count:
            messages.error(request, _("Tick the questions first, or choose all that match."))
            return redirect(back)
        plan = removal.questions_delete_plan(questions) if action == "delete" else None
        return render(
            request,
            "lessons/bank_bulk_confirm.html",
            {
                "bank": bank,
                "action": action,
                "action_label": ACTIONS[action],
                "count": count,
                "plan": plan,
                "uses": _uses(plan.kept_by) if plan else [],
                "which": request.POST.get("which", "ticked"),
                "ids": list(questions.values_list("pk", flat=True)) if request.POST.get("which") != "all" else [],
                "filters": bank_filters(request.POST),
                "back": back,
            },
        )
    if action == "delete":
        retire_kept = request.POST.get("retire_kept") == "yes"
        done = removal.questions_delete(bank=bank, questions=questions, retire_kept=retire_kept)
        _say_deleted(request, done, retired=done.kept if retire_kept else 0)
    else:
        changed = removal.questions_status_set(bank=bank, questions=questions, status=STATUS_OF[action])
        _say_changed(request, action, changed)
    return redirect(back)


def _say_deleted(request, done: removal.QuestionsDeleted, *, retired: int) -> None:
    if done.deleted:
        messages.success(
            request,
            ngettext("%(n)d question deleted.", "%(n)d questions deleted.", done.deleted) % {"n": done.deleted},
        )
    elif not done.kept:
        messages.info(request, _("Nothing was deleted: those questions are gone already."))
    if done.kept:
        why = pgettext("between list items", ", ").join(_uses(done.kept_by))
        kept = ngettext(
            "%(n)d question was kept because something uses it (%(why)s).",
            "%(n)d questions were kept because something uses them (%(why)s).",
            done.kept,
        ) % {"n": done.kept, "why": why}
        if retired:
            kept += " " + ngettext("%(n)d of them was retired.", "%(n)d of them were retired.", retired) % {
                "n": retired
            }
        messages.warning(request, kept)


def _say_changed(request, action: str, changed: int) -> None:
    if not changed:
        messages.info(request, _("Nothing changed: every chosen question was already so."))
        return
    words = {
        "retire": ngettext("%(n)d question retired.", "%(n)d questions retired.", changed),
        "publish": ngettext("%(n)d question published.", "%(n)d questions published.", changed),
        "draft": ngettext("%(n)d question moved to draft.", "%(n)d questions moved to draft.", changed),
    }
    messages.success(request, words[action] % {"n": changed})


@login_required
@require_http_methods(["GET", "POST"])
def import_undo(request, job_id: int):
    """Undo an import: a confirm page with what will be deleted and what retired, then the undo."""
    job = access_job(request.user, job_id)
    if request.method == "POST":
        try:
            undone = removal.import_undo(job=job)
        except removal.RemovalRefused as refused:
            messages.info(request, refused.message)
        else:
            messages.success(request, _undo_words(undone.deleted, undone.retired))
        return redirect("lessons:import_job", job_id=job.pk)
    plan = removal.questions_delete_plan(job.questions.all()) if job.undone_at is None else None
    return render(
        request,
        "lessons/import_undo.html",
        {"job": job, "plan": plan, "uses": _uses(plan.kept_by) if plan else []},
    )


def _undo_words(deleted: int, retired: int) -> str:
    said = ngettext("Import undone: %(n)d question deleted", "Import undone: %(n)d questions deleted", deleted) % {
        "n": deleted
    }
    if not retired:
        return said + pgettext("end of a sentence", ".")
    return said + ngettext(
        ", %(n)d retired because something uses it.", ", %(n)d retired because something uses them.", retired
    ) % {"n": retired}


@login_required
@require_http_methods(["GET", "POST"])
def bank_delete(request, slug: str):
    bank = access_bank(request.user, slug)
    blockers = removal.bank_delete_blockers(bank)
    if request.method == "POST" and not blockers:
        name = bank.display_name
        removal.bank_delete(bank=bank)
        messages.success(request, _("The bank “%(name)s” was deleted.") % {"name": name})
        return redirect("lessons:bank_list")
    return render(
        request,
        "lessons/bank_delete.html",
        {
            "bank": bank,
            "count": bank.questions.count(),
            "rules": blockers.pop("rules", 0),
            "uses": _uses(blockers),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def paper_delete(request, paper_id: int):
    """Delete a paper no one has attempted; one with attempts may be closed instead."""
    paper = access_paper(request.user, paper_id)
    blockers = removal.paper_delete_blockers(paper)
    contest = owning_contest(paper)
    if request.method == "POST":
        # A contest's window closes in the contest's own settings, where the change is logged.
        if request.POST.get("action") == "close" and contest is None:
            if removal.paper_close(paper=paper):
                messages.success(request, _("The paper is closed: no one can start it, and its results are kept."))
            else:
                messages.info(request, _("The paper was closed already."))
            return redirect("lessons:paper_list")
        if not blockers:
            title = paper.display_title
            removal.paper_delete(paper=paper)
            messages.success(request, _("The paper “%(title)s” was deleted.") % {"title": title})
            return redirect("lessons:paper_list")
    return render(
        request,
        "lessons/paper_delete.html",
        {
            "paper": paper,
            "blockers": blockers,
            "contest_delete_url": contest.delete_url if contest else None,
            "closed": paper.closes_at is not None and paper.closes_at <= timezone.now(),
        },
    )
