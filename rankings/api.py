"""Rankings over /api/v1/rankings/: published leaderboards for everyone in scope; computing,
approving and publishing for the rule's administrators. Refusals are 409 with a stable code."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from orgs.selectors import unit_paths
from quizsite.api_errors import refused as api_refused
from quizsite.pagination import PageNumberPagination

from . import selectors, services
from .models import RankingRule, RankingRun, Snapshot, SnapshotRow
from .params import records_time
from .tasks import enqueue
from .ties import TieMark
from .views import _shown_snapshot, access_rule

ROW_FIELDS = (
    "subject_id",
    "label",
    "unit_name",
    "group_id",
    "group_name",
    "rank",
    "rank_in_group",
    "place",
    "tied_count",
    "metric",
    "total",
    "participants",
    "headcount",
    "time_used_s",
    "eligible",
    "ineligible_reason",
    "prize",
    "previous_rank",
)


def _snapshot_meta(snapshot: Snapshot) -> dict:
    replaced = selectors.replaced_version(snapshot)
    return {
        "version": snapshot.version,
        "status": snapshot.status,
        "provisional": snapshot.status != Snapshot.Status.PUBLISHED,
        "rule_version": snapshot.rule_version,
        "input_hash": snapshot.input_hash,
        "rows_hash": snapshot.rows_hash,
        "rows": snapshot.row_count,
        "eligible": snapshot.eligible_count,
        "computed_at": snapshot.computed_at,
        "published_at": snapshot.published_at,
        "supersede_reason": snapshot.supersede_reason,
        # The local calendar days this version counted, as the board's period line gives them.
        "period_starts_on": snapshot.period_starts_on,
        "period_ends_on": snapshot.period_ends_on,
        # The published version this one corrected, as the board's "Corrected ..." line says.
        "corrects": {"version": replaced.version, "reason": replaced.supersede_reason} if replaced else None,
        "diff": snapshot.diff,
    }


def _tie_break(mark: TieMark | None) -> dict | None:
    """A row's tie-break mark as the board shows it (`rankings.ties`): the key of the criterion
    that put it above the next place, level with it on the score shown (one of the rule's
    `tie_breaks`, or "metric" for a score level only once rounded), with the mark and its
    explanation in the request's language; None for a row no tie-break placed."""
    if mark is None:
        return None
    return {"key": mark.key, "label": mark.label, "explanation": mark.explanation}


def _english_names(rule: RankingRule, row: SnapshotRow, english: dict[int, str]) -> dict:
    """A row's `unit_name_en`, `group_name_en` and `prize_en`: what the English board shows for
    them, or "" where it shows the name as typed (a unit renamed since the ranking froze its name
    keeps the frozen name, `selectors.unit_english_names`)."""
    return {
        "unit_name_en": english.get(row.unit_id, ""),
        "group_name_en": english.get(row.group_id, ""),
        "prize_en": rule.prize_english(row.prize) if row.prize else "",
    }


def _run_payload(run: RankingRun) -> dict:
    return {
        "id": run.pk,
        "status": run.status,
        "worker_missing": run.worker_missing,
        "progress": run.progress,
        "stage": run.stage,
        "outcome": run.outcome,
        "snapshot_version": run.snapshot.version if run.snapshot_id else None,
    }


def _covered_units(rules: list[RankingRule]) -> dict[int, list[dict]]:
    """Per rule, the units it ranks the subtrees of (`RankingRule.covered_units`: its scope, or its
    own unit without one), by path as typed, with one query for every rule's paths."""
    paths = unit_paths([unit for rule in rules for unit in rule.covered_units()], as_typed=True)
    return {
        rule.pk: [
            {"id": unit.pk, "name": unit.name, "name_en": unit.name_en, "path": paths[unit.pk]}
            for unit in rule.covered_units()
        ]
        for rule in rules
    }


RUN = inline_serializer(
    "RankingRun",
    {
        "id": serializers.IntegerField(),
        "status": serializers.CharField(help_text="`queued`, `running`, `done` or `failed`."),
        "worker_missing": serializers.BooleanField(
            help_text="Still queued longer than BACKGROUND_QUEUE_PATIENCE_S: no background worker seems to be "
            "running (tell the platform's system administrator). Never where tasks run inline."
        ),
        "progress": serializers.IntegerField(help_text="0-100."),
        "stage": serializers.CharField(),
        "outcome": serializers.CharField(),
        "snapshot_version": serializers.IntegerField(allow_null=True),
    },
)


class RuleListView(APIView):
    @extend_schema(
        operation_id="rankings_list",
        responses={
            200: inline_serializer(
                "RankingRuleSummary",
                {
                    "slug": serializers.CharField(),
                    "title": serializers.CharField(),
                    "title_en": serializers.CharField(help_text="The English title; empty: the title as typed."),
                    "unit": serializers.CharField(),
                    "unit_en": serializers.CharField(help_text="The unit's English name; empty: its name as typed."),
                    "covered_units": inline_serializer(
                        "RankingCoveredUnit",
                        {
                            "id": serializers.IntegerField(),
                            "name": serializers.CharField(),
                            "name_en": serializers.CharField(
                                help_text="The unit's English name; empty: its name as typed."
                            ),
                            "path": serializers.CharField(
                                help_text="The names from the root down, as typed: 审计署/广州特派办."
                            ),
                        },
                        many=True,
                        help_text="The units whose subtrees the rule ranks: those it names, or its own unit "
                        "(`unit`) alone.",
                    ),
                    "subject": serializers.CharField(),
                    "unit_level": serializers.IntegerField(
                        allow_null=True, help_text="Unit rankings by tree level: the level ranked (1 = roots)."
                    ),
                    "unit_kinds": serializers.ListField(
                        child=serializers.CharField(),
                        help_text="Unit rankings by kind: the kinds of unit ranked, at any level (else empty).",
                    ),
                    "metric": serializers.CharField(),
                    "period_starts_on": serializers.DateField(
                        allow_null=True,
                        help_text="The first day the rule counts, a local calendar day; null: no start set.",
                    ),
                    "period_ends_on": serializers.DateField(
                        allow_null=True,
                        help_text="The last day the rule counts, a local calendar day counted whole; null: no end "
                        "set. A board's own version says what it counted (`snapshot` of /rankings/<slug>/).",
                    ),
                    "manage": serializers.BooleanField(help_text="You may compute, approve and publish."),
                },
                many=True,
            )
        },
    )
    def get(self, request):
        rules = list(selectors.visible_rules(request.user))
        covered = _covered_units(rules)
        return Response(
            [
                {
                    "slug": rule.slug,
                    "title": rule.title,
                    "title_en": rule.title_en,
                    "unit": rule.unit.name,
                    "unit_en": rule.unit.name_en,
                    "covered_units": covered[rule.pk],
                    "subject": rule.subject,
                    "unit_level": rule.unit_level if rule.subject == RankingRule.Subject.UNIT else None,
                    "unit_kinds": sorted(rule.unit_kinds or []) if rule.subject == RankingRule.Subject.UNIT else [],
                    "metric": rule.metric,
                    "period_starts_on": rule.period_starts_on,
                    "period_ends_on": rule.period_ends_on,
                    "manage": selectors.can_administer(request.user, rule),
                }
                for rule in rules
            ]
        )


class LeaderboardView(APIView):
    """The published snapshot (administrators: `?v=N` for any version), rows paginated; `q`
    searches names and units, `group` limits to one parent unit, ordered by rank within it."""

    @extend_schema(operation_id="rankings_leaderboard", responses={200: dict, 403: dict, 404: dict})
    def get(self, request, slug: str):
        rule = access_rule(request.user, slug)
        snapshot = _shown_snapshot(request, rule)
        group = request.query_params.get("group", "")
        rows = selectors.leaderboard_rows(
            snapshot,
            search=request.query_params.get("q", "").strip()[:50],
            group_id=int(group) if group.isdecimal() else None,
        )
        paginator = PageNumberPagination()
        page_rows = selectors.with_group_ties(snapshot, paginator.paginate_queryset(rows, request, view=self))
        group_id = int(group) if group.isdecimal() else None
        marks = selectors.tie_marks(snapshot, page_rows, group_id=group_id)
        timed = records_time(snapshot.parameters)  # else no time was recorded: null, not 0 s
        english = selectors.unit_english_names(rule)
        results = [
            {
                **{name: getattr(row, name) for name in ROW_FIELDS},
                **_english_names(rule, row, english),
                # `tied_count` counts ties over the whole board; a place within the group is
                # shared only with the group's own rows.
                "tied_in_group": row.tied_in_group,
                "time_used_s": row.time_used_s if timed else None,
                "tie_break": _tie_break(marks.get(row.pk)),
            }
            for row in page_rows
        ]
        page = paginator.page
        return Response(
            {
                "rule": {
                    "slug": rule.slug,
                    "title": rule.title,
                    "title_en": rule.title_en,
                    "unit": rule.unit.name,
                    "unit_en": rule.unit.name_en,
                    "covered_units": _covered_units([rule])[rule.pk],
                    "metric": rule.metric,
                },
                "snapshot": _snapshot_meta(snapshot),
                "page": page.number,
                "pages": page.paginator.num_pages,
                "count": page.paginator.count,
                "results": results,
            }
        )


class RunListView(APIView):
    """Compute now: 202 with the run to poll; an already active run is returned (200)."""

    @extend_schema(request=None, responses={200: RUN, 202: RUN, 403: dict, 409: dict})
    def post(self, request, slug: str):
        rule = access_rule(request.user, slug, administer=True)
        try:
            run, created = services.run_request(rule=rule, by=request.user)
        except services.RankingRejected as refused:
            raise api_refused(refused) from None
        if created:
            enqueue(run)
        return Response(_run_payload(run), status=status.HTTP_202_ACCEPTED if created else status.HTTP_200_OK)


class RunView(APIView):
    @extend_schema(responses={200: RUN})
    def get(self, request, slug: str, run_id: int):
        rule = access_rule(request.user, slug, administer=True)
        return Response(_run_payload(get_object_or_404(RankingRun, pk=run_id, rule=rule)))


class ApproveSerializer(serializers.Serializer):
    nobody_ranked_ok = serializers.BooleanField(
        required=False, default=False, help_text="Approve a version in which no one takes a place."
    )


class ApproveView(APIView):
    @extend_schema(request=ApproveSerializer, responses={200: dict, 409: dict})
    def post(self, request, slug: str, version: int):
        rule = access_rule(request.user, slug, administer=True)
        snapshot = get_object_or_404(Snapshot, rule=rule, version=version)
        data = ApproveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            approved = services.snapshot_approve(
                snapshot=snapshot, by=request.user, nobody_ranked_ok=data.validated_data["nobody_ranked_ok"]
            )
            return Response(_snapshot_meta(approved))
        except services.RankingRejected as refused:
            raise api_refused(refused) from None


class PublishSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    as_it_stands = serializers.BooleanField(required=False, default=False)
    nobody_ranked_ok = serializers.BooleanField(
        required=False, default=False, help_text="Publish a version in which no one takes a place."
    )


class PublishView(APIView):
    @extend_schema(request=PublishSerializer, responses={200: dict, 409: dict})
    def post(self, request, slug: str, version: int):
        rule = access_rule(request.user, slug, administer=True)
        snapshot = get_object_or_404(Snapshot, rule=rule, version=version)
        # A body that is not an object ([1, 2], "x") is a 400 naming the problem, not a 500.
        data = PublishSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            published = services.snapshot_publish(
                snapshot=snapshot,
                by=request.user,
                reason=data.validated_data["reason"],
                as_it_stands=data.validated_data["as_it_stands"],
                nobody_ranked_ok=data.validated_data["nobody_ranked_ok"],
            )
        except services.RankingRejected as refused:
            raise api_refused(refused) from None
        return Response(_snapshot_meta(published))
