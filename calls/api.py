"""Calls for entries over /api/v1/calls/: the open calls a member may enter, the member's own
entries (status and receipt) with drafting, attaching the file and submitting by the pages'
services, and a judge's assignments in the blind view only:
never the author, their unit or an original file name, whatever the call's setting (a client
cannot be trusted to hide what it was sent)."""

from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from quizsite.api_errors import ApiError, refused

from . import services
from .models import COMMENT_MAX, SUMMARY_MAX_CHARS, Assignment, Call, Entry
from .services import CallRejected


class CallSerializer(serializers.ModelSerializer):
    unit = serializers.CharField(source="unit.name", help_text="The organising unit.")
    unit_en = serializers.CharField(
        source="unit.name_en", help_text="The organising unit's English name; empty: its name as typed."
    )
    kind_label = serializers.CharField(source="get_kind_display")
    file_types = serializers.SerializerMethodField()

    class Meta:
        model = Call
        fields = [
            "id",
            "title",
            "title_en",
            "unit",
            "unit_en",
            "kind",
            "kind_label",
            "rules",
            "rules_en",
            "opens_at",
            "closes_at",
        ]
        fields += ["entries_per_member", "file_types", "max_file_mb", "max_coauthors", "blind"]

    def get_file_types(self, call: Call) -> list[str]:
        return services.allowed_extensions(call)


class EntrySerializer(serializers.ModelSerializer):
    call = serializers.IntegerField(source="call_id")
    call_title = serializers.CharField(source="call.title")
    status_label = serializers.CharField(source="get_status_display")
    receipt = serializers.SerializerMethodField(help_text="Shown once submitted, as on the entry page; else null.")
    author = serializers.SerializerMethodField(help_text="Whether you are the author (else a co-author).")

    class Meta:
        model = Entry
        fields = ["id", "call", "call_title", "title", "summary", "status", "status_label", "returned_reason"]
        fields += ["receipt", "submitted_at", "file_replaced_at", "author"]

    def get_receipt(self, entry: Entry) -> str | None:
        return entry.receipt if entry.submitted_at and entry.status != Entry.Status.WITHDRAWN else None

    def get_author(self, entry: Entry) -> bool:
        return entry.author_id == self.context["request"].user.pk


class OpenCallListView(ListAPIView):
    """Calls open for entries now whose audience holds you."""

    serializer_class = CallSerializer

    def get_queryset(self):
        now = timezone.now()
        mine = Call.objects.filter(services.audience_q(self.request.user)).values("pk")
        return (
            Call.objects.filter(pk__in=mine, opens_at__lte=now, closes_at__gt=now, results_published_at__isnull=True)
            .select_related("unit")
            .order_by("closes_at", "id")
        )

    @extend_schema(operation_id="calls_open_list")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class MyEntryListView(ListAPIView):
    """Your entries, as author or co-author, newest first."""

    serializer_class = EntrySerializer

    def get_queryset(self):
        user = self.request.user
        mine = Entry.objects.filter(Q(author=user) | Q(coauthors=user)).values("pk")
        return Entry.objects.filter(pk__in=mine).select_related("call").order_by("-created_at", "-id")

    @extend_schema(operation_id="calls_entries_list")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class BlindFileSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="A neutral name: entry-<token>-<n>.<extension>.")
    extension = serializers.CharField()


class AssignmentSerializer(serializers.ModelSerializer):
    """What a judge sees of an entry: never its author, unit or original file names."""

    call = serializers.IntegerField(source="entry.call_id")
    call_title = serializers.CharField(source="entry.call.title")
    title = serializers.CharField(source="entry.title")
    scored = serializers.SerializerMethodField(help_text="Whether you have given every criterion a score.")

    class Meta:
        model = Assignment
        fields = ["id", "token", "call", "call_title", "title", "scored"]

    def get_scored(self, assignment: Assignment) -> bool:
        from .selectors import judge_total

        return judge_total(assignment.entry.call.criteria.all(), services.current_scores(assignment)) is not None


class CriterionScoreSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    name_en = serializers.CharField(help_text="The English name; empty: the name as typed.")
    weight = serializers.DecimalField(max_digits=5, decimal_places=2)
    min_score = serializers.DecimalField(max_digits=6, decimal_places=2)
    max_score = serializers.DecimalField(max_digits=6, decimal_places=2)
    score = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True, help_text="Yours; null: not yet.")


class AssignmentDetailSerializer(AssignmentSerializer):
    summary = serializers.CharField(source="entry.summary")
    essay_html = serializers.CharField(source="entry.essay_html")
    files = serializers.SerializerMethodField()
    criteria = serializers.SerializerMethodField()
    locked = serializers.SerializerMethodField(help_text="Scores are locked: no more changes.")
    total = serializers.SerializerMethodField(help_text="Σ weight × your score; null until every criterion is scored.")
    comment = serializers.SerializerMethodField(help_text="Your latest comment (plain text; empty: none).")

    class Meta(AssignmentSerializer.Meta):
        fields = [
            *AssignmentSerializer.Meta.fields,
            "summary",
            "essay_html",
            "files",
            "criteria",
            "locked",
            "total",
            "comment",
        ]

    @extend_schema_field(BlindFileSerializer(many=True))
    def get_files(self, assignment: Assignment) -> list[dict]:
        return [
            {"name": f"entry-{assignment.token}-{n}.{stored.extension}", "extension": stored.extension}
            for n, stored in enumerate(assignment.entry.files.all())
        ]

    @extend_schema_field(CriterionScoreSerializer(many=True))
    def get_criteria(self, assignment: Assignment) -> list[dict]:
        current = services.current_scores(assignment)
        return CriterionScoreSerializer(
            [
                {
                    "id": c.pk,
                    "name": c.name,
                    "name_en": c.name_en,
                    "weight": c.weight,
                    "min_score": c.min_score,
                    "max_score": c.max_score,
                    "score": current.get(c.pk),
                }
                for c in assignment.entry.call.criteria.all()
            ],
            many=True,
        ).data

    def get_locked(self, assignment: Assignment) -> bool:
        return bool(assignment.entry.call.scores_locked_at)

    @extend_schema_field(serializers.DecimalField(max_digits=9, decimal_places=2, allow_null=True))
    def get_total(self, assignment: Assignment) -> str | None:
        from .selectors import judge_total

        total = judge_total(assignment.entry.call.criteria.all(), services.current_scores(assignment))
        return None if total is None else f"{total:.2f}"

    def get_comment(self, assignment: Assignment) -> str:
        return services.current_comment(assignment)


class AssignmentListView(ListAPIView):
    """The entries assigned to you to judge, in the blind view."""

    serializer_class = AssignmentSerializer

    def get_queryset(self):
        return (
            Assignment.objects.filter(judge=self.request.user)
            .select_related("entry__call")
            .order_by("entry__call_id", "id")
        )

    @extend_schema(operation_id="calls_assignments_list")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class AssignmentView(APIView):
    """One entry assigned to you, in the blind view, with the rubric and your scores so far."""

    @extend_schema(operation_id="calls_assignment_retrieve", responses=AssignmentDetailSerializer)
    def get(self, request, assignment_id: int):
        try:
            assignment = services.access_assignment(request.user, assignment_id)
        except CallRejected as error:
            raise refused(error, status_code=404) from None
        return Response(AssignmentDetailSerializer(assignment, context={"request": request}).data)


class PlainScoreField(serializers.DecimalField):
    """A score as a JSON number, or as a string spelling a plain decimal (88, 88.25) as the judging
    page reads it (`services.plain_score`): "1e2", "1_0" or "0x10" in a string are refused, not
    read as 100, 10 or 16."""

    def to_internal_value(self, data):
        if isinstance(data, str) and services.plain_score(data) is None:
            self.fail("invalid")
        return super().to_internal_value(data)


class ScoreSerializer(serializers.Serializer):
    criterion = serializers.IntegerField(help_text="The criterion's id, from the assignment's `criteria`.")
    score = PlainScoreField(
        max_digits=6, decimal_places=2, help_text='A number, or a string of a plain decimal such as "88.25".'
    )


class ScoresSerializer(serializers.Serializer):
    scores = ScoreSerializer(many=True, help_text="One score for every criterion of the rubric.")
    comment = serializers.CharField(
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        help_text=f"Optional plain-text comment, at most {COMMENT_MAX} characters; left out: the last one "
        "stays; empty: taken back. Only the call's organisers read it.",
    )

    def validate_scores(self, scores: list[dict]) -> list[dict]:
        if len({s["criterion"] for s in scores}) != len(scores):
            raise serializers.ValidationError(_("Give each criterion one score."), code="duplicate")
        return scores


class ScoresView(APIView):
    """Score the entry by the judging page's rules: every criterion within its range, with an
    optional comment, until the scores are locked (409 `locked`); out of range: 400
    `out_of_range` naming the criterion; a comment too long: 400 `comment_too_long`."""

    @extend_schema(
        operation_id="calls_assignment_score", request=ScoresSerializer, responses=AssignmentDetailSerializer
    )
    def post(self, request, assignment_id: int):
        try:
            assignment = services.access_assignment(request.user, assignment_id)
        except CallRejected as error:
            raise refused(error, status_code=status.HTTP_404_NOT_FOUND) from None
        data = ScoresSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = {s["criterion"]: s["score"] for s in data.validated_data["scores"]}
        try:
            services.score_record(
                assignment=assignment, by=request.user, values=values, comment=data.validated_data.get("comment")
            )
        except CallRejected as error:
            if error.code in ("locked", "withdrawn"):
                raise refused(error) from None
            if error.code in ("not_assigned", "conflicted"):
                # A conflicted judge is told why, under the one code for "not yours to score".
                raise ApiError("not_assigned", error.message, status_code=status.HTTP_404_NOT_FOUND) from None
            field = "comment" if error.code == "comment_too_long" else "scores"
            raise refused(error, status_code=status.HTTP_400_BAD_REQUEST, field=field) from None
        return Response(AssignmentDetailSerializer(assignment, context={"request": request}).data)


# ---------------------------------------------------------------- entering (the author only)

# Refusals about the window or the entry's state (409); the rest concern what was sent (400).
STATE_CODES = {"not_open", "closed", "under_review", "too_many", "no_file", "video_failed", "judging_begun"}


def _refused(error: CallRejected, field: str | None = None) -> ApiError:
    if error.code in STATE_CODES:
        return refused(error)
    return refused(error, status_code=status.HTTP_400_BAD_REQUEST, field=field)


def _own_entry(request, entry_id: int) -> Entry:
    """The caller's own entry (co-authors read it in the list but change nothing, as on the page)."""
    return get_object_or_404(Entry.objects.select_related("call"), pk=entry_id, author=request.user)


class EntryCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=120)
    summary = serializers.CharField(required=False, allow_blank=True, default="", max_length=SUMMARY_MAX_CHARS)


class EntryFileSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="Of one of the call's file_types; checked by content, not by name.")
    replace = serializers.BooleanField(
        required=False,
        default=False,
        help_text="True to replace the file of a submitted entry (refused with confirm_replace otherwise).",
    )


class EntryCreateView(APIView):
    """Start a draft entry to an open call of your audience; then attach its file and submit it."""

    @extend_schema(operation_id="calls_entry_create", request=EntryCreateSerializer, responses={201: EntrySerializer})
    def post(self, request, call_id: int):
        call = get_object_or_404(Call, pk=call_id)
        if not services.may_enter(request.user, call):
            raise Http404  # as on the page: a call outside your audience is not there for you
        data = EntryCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            entry = services.entry_create(call=call, author=request.user, **data.validated_data)
        except CallRejected as error:
            raise _refused(error, field="title") from None
        return Response(EntrySerializer(entry, context={"request": request}).data, status=status.HTTP_201_CREATED)


class EntryFileView(APIView):
    """Attach the entry's file (a photo set adds one more; other kinds replace theirs). A refused
    file leaves nothing behind: 400 with the reason and `field: "file"`."""

    parser_classes = [MultiPartParser]

    @extend_schema(operation_id="calls_entry_attach", request=EntryFileSerializer, responses=EntrySerializer)
    def post(self, request, entry_id: int):
        entry = _own_entry(request, entry_id)
        data = EntryFileSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            services.entry_attach(
                entry=entry, upload=data.validated_data["file"], replace_confirmed=data.validated_data["replace"]
            )
        except CallRejected as error:
            raise _refused(error, field="file") from None
        return Response(EntrySerializer(entry, context={"request": request}).data)


class EntrySubmitView(APIView):
    """Hand the entry in; the answer carries the receipt."""

    @extend_schema(operation_id="calls_entry_submit", request=None, responses=EntrySerializer)
    def post(self, request, entry_id: int):
        entry = _own_entry(request, entry_id)
        try:
            entry = services.entry_submit(entry=entry, by=request.user)
        except CallRejected as error:
            raise _refused(error) from None
        return Response(EntrySerializer(entry, context={"request": request}).data)


class EntryWithdrawView(APIView):
    """Withdraw your entry, as on the entry page; refused (409 `judging_begun`) once judges have it."""

    @extend_schema(operation_id="calls_entry_withdraw", request=None, responses=EntrySerializer)
    def post(self, request, entry_id: int):
        entry = _own_entry(request, entry_id)
        try:
            entry = services.entry_withdraw(entry=entry, by=request.user)
        except CallRejected as error:
            raise _refused(error) from None
        return Response(EntrySerializer(entry, context={"request": request}).data)
