"""Leaderboard pages (members, big screen, honours, exports) and the administrator's console."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from orgs import access
from quizsite.spreadsheets import attachment_disposition, xlsx_response

from . import exports, selectors, services
from .forms import HeadcountImportForm
from .models import RankingRule, RankingRun, Snapshot, SnapshotRow, ranked_description
from .params import RATE_METRICS, RuleParams, composite_formula, counting_rules
from .tasks import enqueue
from .ties import chain_sentences


def access_rule(user, slug: str, *, administer: bool = False) -> RankingRule:
    rule = get_object_or_404(RankingRule.objects.select_related("unit").prefetch_related("scope__unit"), slug=slug)
    if not selectors.can_view(user, rule):
        raise access.not_found(RankingRule)
    if administer and not selectors.can_administer(user, rule):
        raise PermissionDenied(services.administrators_only_message(rule))
    return rule


def _version(request) -> int | None:
    value = request.GET.get("v", "")
    return int(value) if value.isdecimal() else None


def _shown_snapshot(request, rule: RankingRule) -> Snapshot:
    snapshot = selectors.board_snapshot(rule, request.user, _version(request))
    if snapshot is None:
        raise Http404(_("No results have been published for this ranking yet."))
    return snapshot


@login_required
def rule_list(request):
    rules = list(selectors.visible_rules(request.user))
    published = {
        s.rule_id: s
        for s in Snapshot.objects.filter(rule__in=rules, status=Snapshot.Status.PUBLISHED).select_related("rule")
    }
    items = [
        {"rule": rule, "published": published.get(rule.pk), "manage": selectors.can_administer(request.user, rule)}
        for rule in rules
    ]
    can_add = access.is_administrator(request.user)
    return render(request, "rankings/rule_list.html", {"items": items, "can_add": can_add})


def _formula(parameters: dict) -> str:
    """The composite a snapshot was computed with, in words; '' for any other metric."""
    return composite_formula(parameters.get("composite") or {}) if parameters.get("metric") == "composite" else ""


BOARD_PAGE_SIZE = 50


@login_required
def board(request, slug: str):
    rule = access_rule(request.user, slug)
    snapshot = _shown_snapshot(request, rule)
    search = request.GET.get("q", "").strip()[:50]
    group = request.GET.get("group", "")
    group_id = int(group) if group.isdecimal() else None
    listed = selectors.leaderboard_rows(snapshot, search=search, group_id=group_id)
    own_row = selectors.own_row(snapshot, request.user)
    page_number = request.GET.get("page")
    if request.GET.get("mine") and page_number is None and own_row is not None:
        # "Show me": the page holding the member's own row, with the rows around it (the pages'
        # links carry a page number, which wins).
        position = selectors.row_position(listed, own_row.subject_id)
        if position is not None:
            page_number = position // BOARD_PAGE_SIZE + 1
    page = Paginator(listed, BOARD_PAGE_SIZE).get_page(page_number)
    rows = selectors.with_group_ties(snapshot, selectors.with_unit_paths(rule, page.object_list))
    page.object_list = selectors.with_tie_marks(snapshot, rows, group_id=group_id)
    group_list = selectors.with_group_names(rule, selectors.groups(snapshot))
    scale = 100 if snapshot.parameters.get("metric") in RATE_METRICS else 1  # a rate's mean in percent
    chart = {
        "histogram": selectors.score_histogram(snapshot),
        "groups": {
            "labels": [g["group_name"] for g in group_list[:20]],
            "means": [round(float(g["mean"]) * scale, 2) if g["mean"] is not None else 0 for g in group_list[:20]],
            "suffix": "%" if scale == 100 else "",
        },
    }
    return render(
        request,
        "rankings/board.html",
        {
            "rule": rule,
            "snapshot": snapshot,
            "page": page,
            "search": search,
            "group_id": group_id,
            "group_name": next((g["group_name"] for g in group_list if g["group_id"] == group_id), ""),
            "groups": group_list,
            "prizes": selectors.prize_counts(snapshot),
            "chart": chart,
            "manage": selectors.can_administer(request.user, rule),
            "can_download": selectors.can_download_results(request.user, rule),
            "own_certificates": selectors.own_certificate_subjects(request.user, rule),
            "own_row": own_row,
            "version_query": f"v={snapshot.version}&" if _version(request) else "",
            "formula": _formula(snapshot.parameters),
            "counting_rules": counting_rules(RuleParams.from_json(snapshot.parameters)),
            # Who this version ranked (its parameters: the rule may have changed since).
            "ranked": ranked_description(
                snapshot.parameters.get("subject", rule.subject),
                unit_level=snapshot.parameters.get("unit_level"),
                unit_kinds=snapshot.parameters.get("unit_kinds") or (),
            ),
            "tie_rules": chain_sentences(snapshot.parameters),
            "snapshot_code": exports.snapshot_code(snapshot),
            # A correction says so, with the reason given, not only when it was published.
            "replaced": selectors.replaced_version(snapshot),
            # A unit's or team's total beside a metric formed from it (mean, per capita, ...), so
            # the row's figures can be checked against each other.
            "show_total": rule.subject != "member" and snapshot.parameters.get("metric") != "total",
        },
    )


@login_required
def screen(request, slug: str):
    rule = access_rule(request.user, slug)
    snapshot = _shown_snapshot(request, rule)
    rows = selectors.leaderboard_rows(snapshot).filter(eligible=True)[:30]
    # The unit a row belongs to, under its name; a ranked unit is itself named by its path.
    rows = selectors.with_tie_marks(snapshot, selectors.with_unit_paths(rule, rows))
    return render(
        request,
        "rankings/screen.html",
        {"rule": rule, "snapshot": snapshot, "rows": rows, "tie_rules": chain_sentences(snapshot.parameters)},
    )


@login_required
def honours(request, slug: str):
    rule = access_rule(request.user, slug)
    snapshot = _shown_snapshot(request, rule)
    tiers: dict[str, list[SnapshotRow]] = {}
    for row in selectors.with_unit_paths(rule, selectors.honour_rows(snapshot)):
        tiers.setdefault(rule.display_prize(row.prize), []).append(row)
    return render(
        request,
        "rankings/honours.html",
        {
            "rule": rule,
            "snapshot": snapshot,
            "tiers": tiers,
            "can_download": selectors.can_download_results(request.user, rule),
            "own_certificates": selectors.own_certificate_subjects(request.user, rule),
        },
    )


def access_results(user, slug: str) -> RankingRule:
    """The rule, if the user may download its full results (export, every certificate)."""
    rule = access_rule(user, slug)
    if not selectors.can_download_results(user, rule):
        raise PermissionDenied(
            _("Only organisers and administrators of %(unit)s can download these results.")
            % {"unit": rule.covered_display}
        )
    return rule


@login_required
def export_xlsx(request, slug: str):
    rule = access_results(request.user, slug)
    snapshot = _shown_snapshot(request, rule)
    response = xlsx_response(
        exports.snapshot_workbook(snapshot),
        f"{rule.display_title}-v{snapshot.version}",
        ascii_name=f"{rule.slug}-v{snapshot.version}",
    )
    response["X-Snapshot-Hash"] = snapshot.input_hash
    return response


@login_required
def certificate(request, slug: str, subject_id: int):
    rule = access_rule(request.user, slug)
    own = selectors.own_certificate_subjects(request.user, rule)
    if own is not None and subject_id not in own:
        raise PermissionDenied(_("You may download your own certificate only."))
    snapshot = rule.snapshots.filter(status=Snapshot.Status.PUBLISHED).first()
    if snapshot is None:
        raise Http404(_("Certificates are issued once the results are published."))
    row = SnapshotRow.objects.select_related("snapshot__rule__unit").filter(snapshot=snapshot, subject_id=subject_id)
    row = row.exclude(prize="").first()
    if row is None:
        raise Http404(_("There is no prize for this entry in the published results."))
    try:
        pdf = exports.certificate_pdf(row)
    except exports.CertificateFontMissing as missing:
        messages.error(request, str(missing))
        return redirect("rankings:honours", slug=rule.slug)
    response = HttpResponse(pdf, content_type="application/pdf")
    # Named for people (the board and whose it is), not by the account's number in the address.
    response["Content-Disposition"] = attachment_disposition(
        f"{rule.display_title}-{row.label}",
        extension=".pdf",
        ascii_name=f"{rule.slug}-v{snapshot.version}-certificate",
        inline=True,
    )
    return response


@login_required
def certificate_bundle(request, slug: str):
    rule = access_results(request.user, slug)
    snapshot = rule.snapshots.select_related("rule__unit").filter(status=Snapshot.Status.PUBLISHED).first()
    if snapshot is None:
        raise Http404(_("Certificates are issued once the results are published."))
    rows = selectors.honour_rows(snapshot).select_related("snapshot__rule__unit")
    if not rows.exists():
        raise Http404(_("This ranking awards no prizes."))
    try:
        title = f"{rule.display_title} v{snapshot.version}"
        pdf = exports.certificates_pdf(rule, rows.iterator(chunk_size=500), title=title)
    except exports.CertificateFontMissing as missing:
        messages.error(request, str(missing))
        return redirect("rankings:honours", slug=rule.slug)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = attachment_disposition(
        f"{rule.display_title}-v{snapshot.version}", extension=".pdf", ascii_name=f"{rule.slug}-v{snapshot.version}"
    )
    return response


# ---------------------------------------------------------------- administrators


@login_required
def manage(request, slug: str):
    rule = access_rule(request.user, slug, administer=True)
    snapshots = list(
        rule.snapshots.select_related("computed_by", "approved_by", "published_by").order_by("-version")[:20]
    )
    pending = [s for s in snapshots if s.status in (Snapshot.Status.DRAFT, Snapshot.Status.APPROVED)]
    fingerprint = services.inputs_fingerprint(rule) if pending else ""
    alone = None  # no one else may approve what this administrator computed: asked once, when it matters
    current = next((s for s in snapshots if s.status == Snapshot.Status.PUBLISHED), None)
    if current is None and pending:  # published longer ago than the last 20 versions
        current = rule.snapshots.filter(status=Snapshot.Status.PUBLISHED).first()
    for snapshot in pending:
        # Older than the published version: neither approved nor published any more (the service refuses).
        snapshot.superseded_by_version = current.version if current and current.version > snapshot.version else None
        # Older than a newer unpublished version: only the newest is approved and published.
        newest = snapshots[0].version
        snapshot.outdated = (
            services.outdated_message(snapshot.version, newest)
            if newest > snapshot.version and not snapshot.superseded_by_version
            else ""
        )
        snapshot.facts_changed = services.snapshot_facts_changed(snapshot, fingerprint)
        # Before approving, the reviewer reads which units' stated headcounts more people exceeded.
        snapshot.headcounts_raised = (
            selectors.headcounts_below_participants(snapshot) if snapshot.status in Snapshot.REVIEWED else []
        )
        snapshot.needs_other_approver = rule.requires_second_approver and snapshot.computed_by_id == request.user.pk
        if snapshot.needs_other_approver and alone is None:
            alone = not selectors.has_other_approver(rule, request.user)
        snapshot.no_other_approver = snapshot.needs_other_approver and alone
    run = rule.runs.select_related("snapshot").first()
    active = run is not None and run.status in (RankingRun.Status.QUEUED, RankingRun.Status.RUNNING)
    # The last computation's card shows while it runs, and once ended only to whoever just
    # started it (`?run=` from "Compute now", kept by the page's reload at its end): a finished
    # background run is the version table's news, not a banner's. A failure stays until the next
    # run: the versions listed are then older than the facts.
    if run is not None and not active and run.status == RankingRun.Status.DONE:
        if not (request.GET.get("run") == str(run.pk) and run.requested_by_id == request.user.pk):
            run = None
    return render(
        request,
        "rankings/manage.html",
        {
            "rule": rule,
            "snapshots": snapshots,
            "published": rule.snapshots.filter(status=Snapshot.Status.PUBLISHED).exists(),
            "run": run,
            "active": active,
            "worker_patience": settings.BACKGROUND_QUEUE_PATIENCE_S,
            "sources": rule.sources.select_related("contest", "paper"),
            "formula": _formula({"metric": rule.metric, "composite": rule.composite}),
        },
    )


def _typed_headcounts(post, units: list[dict]) -> tuple[dict[int, int | None], dict[int, str]]:
    """The expected headcounts typed on the page, by unit (None: left empty), and the errors."""
    counts, errors = {}, {}
    for unit in units:
        text = post.get(f"unit-{unit['unit_id']}", "").strip()
        if not text:
            counts[unit["unit_id"]] = None
        elif not text.lstrip("-").isdecimal():
            errors[unit["unit_id"]] = _("Type a whole number.")
        elif problem := services.expected_headcount_problem(unit, int(text))[1]:
            errors[unit["unit_id"]] = problem
        else:
            counts[unit["unit_id"]] = int(text)
    return counts, errors


def _units_changed(changed: int) -> str:
    return ngettext("%(changed)d unit changed.", "%(changed)d units changed.", changed) % {"changed": changed}


@login_required
@require_http_methods(["GET", "POST"])
def headcounts(request, slug: str):
    """The expected headcount (应参与人数) of each ranked unit: typed in, or imported from Excel."""
    rule = access_rule(request.user, slug, administer=True)
    units = selectors.headcount_units(rule)
    form, report, errors = HeadcountImportForm(), None, {}
    if request.method == "POST" and request.POST.get("action") == "import":
        form = HeadcountImportForm(request.POST, request.FILES)
        if form.is_valid():
            report = services.expected_headcounts_import(rule=rule, file=form.cleaned_data["file"], by=request.user)
            if report.ok:
                read = ngettext("Read %(rows)d row;", "Read %(rows)d rows;", report.rows) % {"rows": report.rows}
                # "Read 2 rows; 1 unit changed." (in Chinese without the space)
                said = _("%(read)s %(changed)s") % {"read": read, "changed": _units_changed(report.changed)}
                messages.success(request, said)
                return redirect("rankings:headcounts", slug=rule.slug)
    elif request.method == "POST":
        counts, errors = _typed_headcounts(request.POST, units)
        if not errors:
            changed = services.expected_headcounts_save(rule=rule, counts=counts, by=request.user)
            messages.success(request, _("Saved; %(changed)s") % {"changed": _units_changed(changed)})
            return redirect("rankings:headcounts", slug=rule.slug)
        for unit in units:  # what was typed stays on the page, errors and all
            unit["typed"] = request.POST.get(f"unit-{unit['unit_id']}", "")
            unit["error"] = errors.get(unit["unit_id"], "")
    return render(
        request,
        "rankings/headcounts.html",
        {"rule": rule, "units": units, "form": form, "report": report, "has_errors": bool(errors)},
    )


@login_required
def headcounts_template(request, slug: str):
    rule = access_rule(request.user, slug, administer=True)
    return xlsx_response(
        services.expected_headcounts_template(rule=rule), _("Expected headcounts"), ascii_name=f"headcounts-{rule.pk}"
    )


@login_required
@require_POST
def compute(request, slug: str):
    rule = access_rule(request.user, slug, administer=True)
    try:
        run, created = services.run_request(rule=rule, by=request.user)
    except services.RankingRejected as refused:
        messages.error(request, refused.message)
        return redirect("rankings:manage", slug=rule.slug)
    if created:
        enqueue(run)
    else:
        messages.info(request, _("This ranking is already being computed; showing that run."))
    return redirect(f"{reverse('rankings:manage', args=[rule.slug])}?run={run.pk}")


@login_required
def run_progress(request, slug: str, run_id: int):
    rule = access_rule(request.user, slug, administer=True)
    run = get_object_or_404(RankingRun.objects.select_related("snapshot"), pk=run_id, rule=rule)
    return JsonResponse(
        {
            "status": run.status,
            "progress": run.progress,
            "stage": run.stage,
            "outcome": run.outcome,
            "snapshot_version": run.snapshot.version if run.snapshot else None,
            "worker_missing": run.worker_missing,
        }
    )


def _snapshot_action(request, slug: str, version: int, action, done: str) -> HttpResponse:
    """Run `action` on the rule's snapshot `version` and say on the console what came of it:
    `done` (with %(version)d) when it went through, the refusal when it did not."""
    rule = access_rule(request.user, slug, administer=True)
    snapshot = get_object_or_404(Snapshot, rule=rule, version=version)
    try:
        action(snapshot)
    except services.RankingRejected as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, done % {"version": version})
    return redirect("rankings:manage", slug=rule.slug)


@login_required
@require_POST
def approve(request, slug: str, version: int):
    return _snapshot_action(
        request,
        slug,
        version,
        lambda snapshot: services.snapshot_approve(
            snapshot=snapshot, by=request.user, nobody_ranked_ok=request.POST.get("nobody_ranked_ok") == "1"
        ),
        _("Version %(version)d approved: it can now be published."),
    )


@login_required
@require_POST
def publish(request, slug: str, version: int):
    reason = request.POST.get("reason", "")
    as_it_stands = request.POST.get("as_it_stands") == "1"
    return _snapshot_action(
        request,
        slug,
        version,
        lambda snapshot: services.snapshot_publish(
            snapshot=snapshot,
            by=request.user,
            reason=reason,
            as_it_stands=as_it_stands,
            nobody_ranked_ok=request.POST.get("nobody_ranked_ok") == "1",
        ),
        _("Version %(version)d published: members now see it on the board, the big screen and the honour list."),
    )


@login_required
def verify(request, slug: str, version: int):
    """Recompute a snapshot from the inputs it kept and say how today's facts differ from them:
    for organisers and administrators of the rule's unit."""
    rule = access_results(request.user, slug)
    snapshot = get_object_or_404(
        Snapshot.objects.select_related("rule", "computed_by", "approved_by", "published_by"),
        rule=rule,
        version=version,
    )
    return render(
        request,
        "rankings/verify.html",
        {
            "rule": rule,
            "snapshot": snapshot,
            "check": services.snapshot_recompute(snapshot=snapshot),
            "drift": services.snapshot_drift(snapshot=snapshot),
            "manage": selectors.can_administer(request.user, rule),
        },
    )
