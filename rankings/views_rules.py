"""The administrator's ranking rule builder: the rules they look after, a form to make or change
one, and a preview of its top rows on today's facts before anything is saved."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.http import require_http_methods

from contests.models import Contest
from orgs import access
from orgs.selectors import unit_paths

from . import selectors, services
from .models import RankingRule, RuleSource
from .params import prize_places_beyond_ranked
from .rule_forms import TITLE_MAX, RuleForm
from .views import access_rule

PREVIEW_ROWS = 10

STAGES = {
    "draft": ("text-bg-secondary", gettext_lazy("Draft: not computed yet")),
    "computed": ("text-bg-warning", gettext_lazy("Computed: waiting for approval")),
    "approved": ("text-bg-info", gettext_lazy("Approved: waiting to be published")),
    "published": ("text-bg-success", gettext_lazy("Published")),
}


def check_administrator(user) -> None:
    if not access.is_administrator(user):
        raise PermissionDenied(_("Only administrators define ranking rules."))


@login_required
def rule_builder_list(request):
    check_administrator(request.user)
    rules = list(selectors.administered_rules(request.user))
    stages = selectors.rule_stages(rules)
    paths = unit_paths([unit for rule in rules for unit in rule.covered_units()])
    separator = pgettext("between list items", ", ")
    items = [
        {
            "rule": rule,
            "unit_path": separator.join(paths.get(unit.pk, unit.name) for unit in rule.covered_units()),
            "stage": STAGES[stages[rule.pk]],
        }
        for rule in rules
    ]
    return render(request, "rankings/rule_builder_list.html", {"items": items})


def _copy_title(title: str) -> str:
    """The copy's title, "<title> (copy)", shortened with "…" where the whole would pass the builder's
    limit (`TITLE_MAX`): a copy opens ready to save."""
    limit = TITLE_MAX["title"]
    copied = _("%(title)s (copy)") % {"title": title}
    over = len(copied) - limit
    if over > 0:
        copied = _("%(title)s (copy)") % {"title": title[: len(title) - over - 1] + "…"}
    return copied


def _copy(rule: RankingRule) -> RankingRule:
    """An unsaved rule with `rule`'s settings, titled and named as a copy."""
    copy = RankingRule.objects.get(pk=rule.pk)
    copy.pk = None
    copy._state.adding = True
    copy.population_frozen_at = None
    copy.pending_scope = rule.scope_units()
    copy.title = _copy_title(rule.title)
    base = f"{rule.slug[:54]}-copy"
    copy.slug, number = base, 2
    while RankingRule.objects.filter(slug=copy.slug).exists():
        copy.slug, number = f"{base}{number}", number + 1
    return copy


def _edit(request, *, rule: RankingRule, sources, action: str, editing: RankingRule | None = None, new: bool = False):
    """Show the form for `rule`; on POST save it, or with action=preview show its top rows."""
    form = RuleForm(request.POST if request.method == "POST" else None, user=request.user, rule=rule, sources=sources)
    preview = None
    if request.method == "POST" and request.POST.get("action") == "preview":
        if form.is_valid():
            scratch = RankingRule.objects.get(pk=rule.pk) if rule.pk else RankingRule(created_by=request.user)
            preview = services.rule_preview(
                rule=form.apply(scratch), sources=form.source_kwargs(), scope=form.scope(), limit=PREVIEW_ROWS
            )
            preview["prize_places_warning"] = prize_places_beyond_ranked(
                mode=scratch.prize_mode, tiers=scratch.prize_tiers, ranked=preview["eligible_count"]
            )
        if request.headers.get("X-Fragment") == "preview":
            return render(
                request, "rankings/_rule_preview.html", {"form": form, "preview": preview, "previewing": True}
            )
    elif request.method == "POST" and form.is_valid():
        rule = services.rule_build(
            rule=form.apply(rule), sources=form.source_kwargs(), scope=form.scope(), by=request.user
        )
        messages.success(request, _("Saved. Compute the ranking to see its results."))
        for note in form.far_off_period_notes():
            messages.warning(request, note)
        return redirect("rankings:manage", slug=rule.slug)
    return render(
        request,
        "rankings/rule_form.html",
        {
            "form": form,
            "rule": editing,
            "action": action,
            "preview": preview,
            # The preview card lists a preview's errors only; a failed save's are beside their fields.
            "previewing": request.POST.get("action") == "preview",
            "preview_rows": PREVIEW_ROWS,
            # A new rule's four-eyes box follows the unit chosen until it is touched.
            "follow_unit": new and request.method == "GET",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def rule_new(request):
    check_administrator(request.user)
    roots = access.managed_root_units(request.user)
    rule = RankingRule(unit=next((u for u in roots if access.can_administer_unit(request.user, u)), None))
    sources = ()
    # ?contest=<id>: from a contest's results page, that contest as the source and its unit ranked.
    contest = _preselected_contest(request)
    if contest is not None:
        rule.unit = contest.unit
        sources = [RuleSource(kind=RuleSource.Kind.CONTEST, contest=contest, weight=1)]
    # Four eyes is the default only where someone else could approve what this administrator computes.
    rule.requires_second_approver = rule.unit is not None and selectors.has_other_approver(rule, request.user)
    return _edit(request, rule=rule, sources=sources, action=reverse("rankings:rule_new"), new=True)


def _preselected_contest(request) -> Contest | None:
    """The contest named by ?contest=, when the user administers its unit; else None (ignored)."""
    key = request.GET.get("contest", "")
    if request.method != "GET" or not key.isdecimal():
        return None
    contest = Contest.objects.select_related("unit").filter(pk=int(key), rehearsal_of=None).first()
    if contest is None or not access.can_administer_unit(request.user, contest.unit):
        return None
    return contest


@login_required
@require_http_methods(["GET"])
def rule_duplicate(request, slug: str):
    original = access_rule(request.user, slug, administer=True)
    sources = original.sources.order_by("id")
    return _edit(request, rule=_copy(original), sources=sources, action=reverse("rankings:rule_new"))


@login_required
@require_http_methods(["GET", "POST"])
def rule_edit(request, slug: str):
    rule = access_rule(request.user, slug, administer=True)
    return _edit(request, rule=rule, sources=rule.sources.order_by("id"), action=request.path, editing=rule)
