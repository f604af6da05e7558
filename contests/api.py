"""Live contests over /api/v1/contests/: yours, found by join code, your team and its relay legs,
results, and the hand-off to the WebSocket (docs/protocol.md): a one-time ticket and the URL.

Join codes are checked by `contests.access`, as on the pages and the socket: a refusal never
says whether a contest has the code, and repeated refusals lock a user out for a while."""

from urllib.parse import urlencode

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from lessons.models import QuestionBank
from orgs import access as orgs_access
from orgs.models import ApiToken, Unit
from orgs.tokens import socket_ticket_issue
from quizsite.api_errors import ApiError, refused
from quizsite.spreadsheets import XLSX_TYPE

from . import access, protocol, services, views
from .models import Contest, TeamMember
from .wizard import services as wizard
from .wizard.round_templates import TEMPLATES

ContestSummary = inline_serializer(
    "ContestSummary",
    {
        "id": serializers.IntegerField(),
        "title": serializers.CharField(),
        "status": serializers.ChoiceField(choices=Contest.Status.choices),
        "join_code": serializers.CharField(),
        "unit": serializers.CharField(help_text="The organising unit's name."),
        "unit_en": serializers.CharField(help_text="The organising unit's English name; empty: its name as typed."),
        "role": serializers.ChoiceField(choices=["player", "screen", "host"], help_text="What you are in it."),
        "team": serializers.CharField(allow_null=True, help_text="Your team's name, if you play."),
    },
)

TeamDetail = inline_serializer(
    "ContestTeam",
    {
        "id": serializers.IntegerField(),
        "name": serializers.CharField(),
        "members": inline_serializer(
            "ContestTeamMember",
            {
                "name": serializers.CharField(),
                "leg": serializers.IntegerField(allow_null=True, help_text="Relay order, from 1."),
                "you": serializers.BooleanField(),
            },
            many=True,
        ),
    },
)

ContestDetail = inline_serializer(
    "ContestDetail",
    {
        "id": serializers.IntegerField(),
        "title": serializers.CharField(),
        "status": serializers.ChoiceField(choices=Contest.Status.choices),
        "join_code": serializers.CharField(),
        "unit": serializers.CharField(),
        "unit_en": serializers.CharField(help_text="The organising unit's English name; empty: its name as typed."),
        "team": TeamDetail,
    },
)


class JoinSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=8, help_text="The join code, any case.")


class TicketRequestSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=access.ROLES, default="player")


Ticket = inline_serializer(
    "SocketTicket",
    {
        "url": serializers.CharField(help_text="Open the WebSocket here (ticket included), with an Origin header."),
        "ticket": serializers.CharField(),
        "expires_at": serializers.DateTimeField(help_text="Connect before this; the ticket serves one connection."),
        "protocol_version": serializers.IntegerField(),
    },
)

Result = inline_serializer(
    "ContestResult",
    {
        "contest": ContestSummary,
        "teams": inline_serializer(
            "ContestResultRow",
            {
                "rank": serializers.IntegerField(),
                "id": serializers.IntegerField(),
                "name": serializers.CharField(),
                "score": serializers.IntegerField(),
                "relay_seconds": serializers.FloatField(),
            },
            many=True,
        ),
    },
)


def _summary(contest: Contest, *, role: str, team: str | None) -> dict:
    return {
        "id": contest.pk,
        "title": contest.title,
        "status": contest.status,
        "join_code": contest.join_code,
        "unit": contest.unit.name,
        "unit_en": contest.unit.name_en,
        "role": role,
        "team": team,
    }


def _seat(user, code: str, role: str = "player") -> tuple[Contest, TeamMember | None]:
    try:
        return access.access_contest_seat(user, code, role)
    except services.ContestRejected as error:
        raise refused(error, status_code=status.HTTP_403_FORBIDDEN) from None


def _detail(contest: Contest, place: TeamMember, user) -> dict:
    roster = place.team.members.select_related("member").order_by("leg", "pk")
    return {
        **_summary(contest, role="player", team=place.team.name),
        "team": {
            "id": place.team.pk,
            "name": place.team.name,
            "members": [
                {"name": seat.member.display_name, "leg": seat.leg, "you": seat.member_id == user.pk} for seat in roster
            ],
        },
    }


class RoundFromTemplateSerializer(serializers.Serializer):
    template = serializers.ChoiceField(choices=list(TEMPLATES), help_text="A round template's name.")
    bank = serializers.SlugRelatedField(
        slug_field="slug", queryset=QuestionBank.objects.all(), help_text="The bank its questions are drawn from."
    )
    count = serializers.IntegerField(
        min_value=1, max_value=200, required=False, help_text="Questions to draw; default: the template's."
    )


class ContestCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=120)
    unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all(), help_text="A unit you manage.")
    base_score = serializers.IntegerField(min_value=0, max_value=10000, default=100)
    rounds = RoundFromTemplateSerializer(many=True, required=False, default=list)


ContestCreated = inline_serializer(
    "ContestCreated",
    {
        "id": serializers.IntegerField(),
        "code": serializers.CharField(help_text="The join code."),
        "title": serializers.CharField(),
        "status": serializers.ChoiceField(choices=Contest.Status.choices),
        "rounds": serializers.IntegerField(help_text="Rounds made from the templates."),
        "setup_url": serializers.CharField(help_text="The setup pages, to add teams and finish the contest."),
    },
)


@transaction.atomic
def _create(request, data: dict) -> Contest:
    """The wizard's services, in one transaction: a refused round leaves no contest behind."""
    try:
        contest = wizard.contest_begin(
            title=data["title"], unit=data["unit"], base_score=data["base_score"], by=request.user
        )
    except services.ContestRejected as error:
        if error.code == "unit_outside_scope":
            raise refused(error, status_code=status.HTTP_403_FORBIDDEN, field="unit") from None
        raise refused(error, status_code=status.HTTP_400_BAD_REQUEST, field="title") from None
    for n, spec in enumerate(data["rounds"]):
        template = TEMPLATES[spec["template"]]
        settings = wizard.RoundSettings(
            type=template.type,
            points=template.points,
            penalty=template.penalty,
            early_buzz_penalty=template.early_buzz_penalty,
            time_limit_s=template.time_limit_s,
            risk_tiers=template.risk_tiers,
            teams_in_turn=template.teams_in_turn,
        )
        rule = wizard.DrawRule(bank=spec["bank"], count=spec.get("count", template.question_count))
        try:
            wizard.round_create(contest=contest, settings=settings, by=request.user, rule=rule)
        except services.ContestRejected as error:
            raise refused(error, status_code=status.HTTP_400_BAD_REQUEST, field=f"rounds.{n}") from None
    return contest


class ContestListView(APIView):
    @extend_schema(
        operation_id="contests_list",
        responses=inline_serializer("ContestList", {"results": ContestSummary.__class__(many=True)}),
    )
    def get(self, request):
        """Contests you play in (with your team), then those you may host; rehearsals are left out."""
        places = TeamMember.objects.filter(member=request.user, contest__rehearsal_of=None).select_related(
            "contest__unit", "team"
        )
        results = [_summary(p.contest, role="player", team=p.team.name) for p in places.order_by("-contest_id")]
        if orgs_access.is_manager(request.user):
            hosting = (
                Contest.objects.filter(orgs_access.subtree_q(request.user, prefix="unit__"), rehearsal_of=None)
                .select_related("unit")
                .order_by("-pk")
            )
            results += [_summary(contest, role="host", team=None) for contest in hosting[:200]]
        return Response({"results": results})

    @extend_schema(operation_id="contests_create", request=ContestCreateSerializer, responses={201: ContestCreated})
    def post(self, request):
        """Organisers: a draft contest from the setup wizard's templates, owned by a unit you
        manage (else 403), with rounds drawn from your banks; finish it (teams) on `setup_url`.
        A round that cannot be made (too few questions, a template dealing to teams) makes
        nothing: 400 naming it."""
        if not orgs_access.is_manager(request.user):
            raise ApiError("forbidden", _("Only organisers and administrators can create contests."), status_code=403)
        data = ContestCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        contest = _create(request, data.validated_data)
        return Response(
            {
                "id": contest.pk,
                "code": contest.join_code,
                "title": contest.title,
                "status": contest.status,
                "rounds": contest.rounds.count(),
                "setup_url": request.build_absolute_uri(reverse("contests:setup_teams", args=[contest.join_code])),
            },
            status=status.HTTP_201_CREATED,
        )


class JoinView(APIView):
    @extend_schema(operation_id="contests_join", request=JoinSerializer, responses=ContestDetail)
    def post(self, request):
        """Find your contest by its join code: the contest, your team and its relay legs. Refused
        (403) with the socket's codes: `not_in_contest`, `too_many_attempts`."""
        data = JoinSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        contest, place = _seat(request.user, data.validated_data["code"])
        return Response(_detail(contest, place, request.user))


class ContestView(APIView):
    @extend_schema(operation_id="contests_retrieve", responses=ContestDetail)
    def get(self, request, code: str):
        """A contest you play in: your team and its relay legs."""
        contest, place = _seat(request.user, code)
        return Response(_detail(contest, place, request.user))


class TicketView(APIView):
    @extend_schema(operation_id="contests_ticket", request=TicketRequestSerializer, responses=Ticket)
    def post(self, request, code: str):
        """A one-time ticket for the contest's WebSocket, as player, screen or host (who may is
        decided as for the socket), and the URL to open. Sign in with a token, ask for a ticket,
        connect within API_SOCKET_TICKET_S seconds; after a dropped connection ask again."""
        data = TicketRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        role = data.validated_data["role"]
        contest, _place = _seat(request.user, code, role)
        path = f"/ws/contests/{contest.join_code}/"
        # The socket ends with the sign-in asked with: the token (revoked: the app signed out), or the session.
        token = request.auth if isinstance(request.auth, ApiToken) else None
        ticket, expires_at = socket_ticket_issue(
            user=request.user, path=path, token=token, session_key=request.session.session_key
        )
        scheme = "wss" if request.is_secure() else "ws"
        query = urlencode({"role": role, "ticket": ticket})
        return Response(
            {
                "url": f"{scheme}://{request.get_host()}{path}?{query}",
                "ticket": ticket,
                "expires_at": expires_at,
                "protocol_version": protocol.PROTOCOL_VERSION,
            }
        )


class ResultsView(APIView):
    @extend_schema(operation_id="contests_results", responses=Result)
    def get(self, request, code: str):
        """The board: teams by score, then relay time (live while running, final once finished).
        For the contest's players, its organisers and members of its unit's subtree."""
        place = (
            TeamMember.objects.select_related("contest__unit", "team")
            .filter(contest__join_code=access.normalised_code(code), member=request.user)
            .first()
        )
        if place is not None:
            contest, role = place.contest, "player"
        else:
            contest, _none = _seat(request.user, code, "screen")
            role = "host" if orgs_access.can_manage_unit(request.user, contest.unit) else "screen"
        rows = services.team_scores(contest)
        return Response(
            {
                "contest": _summary(contest, role=role, team=place.team.name if place else None),
                "teams": [{k: row[k] for k in ("rank", "id", "name", "score", "relay_seconds")} for row in rows],
            }
        )


class ResultsExportView(APIView):
    @extend_schema(
        operation_id="contests_results_export",
        responses={(200, XLSX_TYPE): OpenApiTypes.BINARY},
    )
    def get(self, request, code: str):
        """The results page's .xlsx export (teams, and every answer with its time, each
        adjustment's reason and who made it): for the contest's organisers only."""
        _seat(request.user, code, "host")
        # The page's own export; DRF has put the token's user on Django's request.
        return views.results_xlsx(request._request, code)
