"""Self-study over /api/v1/study/: everything a phone or mini-program client needs to take
practice, the daily quiz, a timed exam or a challenge, review the notebook and see points."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import api_view
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from orgs import access
from quizsite.api_errors import ApiError, error_body, refused
from quizsite.filenames import uploaded_name
from quizsite.spreadsheets import XLSX_TYPE, xlsx_response

from . import presenters, selectors
from .importing.export import bank_export
from .importing.jobs import import_job_create
from .importing.run import FORMATS, UploadRefused, questions_import, upload_format
from .models import Attempt, ImportJob, NotebookEntry, Paper
from .services import attempts, notebook
from .tasks import question_import_run
from .views.organiser import access_bank, access_job

ResponseField = serializers.JSONField(help_text='Letters such as "B" or ["A", "C"], true/false, or one text per blank.')


def access_attempt(user, attempt_id: int) -> Attempt:
    """The member's own attempt; another member's id finds nothing, as a missing one."""
    attempt = get_object_or_404(Attempt.objects.select_related("paper", "member"), pk=attempt_id)
    if attempt.member_id != user.pk:  # another's attempt is not there for you
        raise access.not_found(Attempt)
    if hasattr(attempt.paper, "online_contest"):
        # A contest attempt is answered through the contest, which holds it to one device.
        raise PermissionDenied(_("This attempt belongs to an online contest: answer it on the contest's page."))
    return attempts.ensure_current(attempt)


def rejected(error: Exception) -> ApiError:
    return refused(error)


class PaperListView(APIView):
    """Papers open to the signed-in member."""

    @extend_schema(responses=inline_serializer("PaperList", {"results": serializers.ListField()}))
    def get(self, request):
        papers = list(selectors.papers_for_member(request.user))
        bests = selectors.challenge_bests(request.user, papers)
        return Response(
            {
                "results": [
                    {
                        "id": p.pk,
                        "title": p.title,
                        "title_en": p.title_en,
                        "mode": p.mode,
                        "time_limit_s": p.time_limit_s,
                        "question_time_s": p.question_time_s,
                        "max_attempts": p.max_attempts,
                        "closes_at": p.closes_at,
                        # A challenge's personal best (most right in a row); null for other modes
                        # and before any run has finished.
                        "best_streak": bests.get(p.pk),
                    }
                    for p in papers
                ]
            }
        )


class AttemptStartView(APIView):
    """Start (or resume) an attempt at a paper. Starting twice returns the same open attempt."""

    @extend_schema(request=None, responses={201: dict, 409: dict})
    def post(self, request, paper_id: int):
        paper = get_object_or_404(Paper, pk=paper_id, online_contest__isnull=True)
        try:
            attempt = attempts.attempt_start(paper=paper, member=request.user)
        except attempts.AttemptRejected as error:
            raise rejected(error) from None
        return Response(presenters.attempt_payload(attempt), status=status.HTTP_201_CREATED)


class AttemptView(APIView):
    """An attempt: its questions (never their keys before the review), deadline and server time."""

    @extend_schema(responses=dict)
    def get(self, request, attempt_id: int):
        return Response(presenters.attempt_payload(access_attempt(request.user, attempt_id)))


class SaveSerializer(serializers.Serializer):
    response = ResponseField
    revision = serializers.IntegerField(
        min_value=0,
        required=False,
        help_text="The attempt's `revision` this client last saw (from the attempt or its last save): if "
        "another tab or client has saved an answer since, the save is refused (409 `sheet_changed`, with "
        "the attempt as it is now). Without it, the save is stored whatever was saved since.",
    )
    page = serializers.RegexField(
        r"^[A-Za-z0-9_-]{8,64}$",
        required=False,
        help_text="A token the client makes once per page (or session) it saves from, 8 to 64 letters, digits, "
        "`-` or `_` (a UUID will do), sent with every save beside `revision`: when the attempt's last save came "
        "from the same token, a save at an older revision is accepted (the client missed only its own last "
        "save's answer, say in a network drop); only another token's save refuses it.",
    )


AllowEmptyBlanksField = serializers.BooleanField(
    default=False,
    help_text="Mark a fill-in answer with some blanks left empty as it stands; without it such an "
    "answer is refused with `blanks_empty`, so the member can be asked first.",
)


class AnswerSerializer(serializers.Serializer):
    response = ResponseField
    client_answer_id = serializers.CharField(max_length=64, required=False, allow_blank=True)
    allow_empty_blanks = AllowEmptyBlanksField


class ReviewSerializer(serializers.Serializer):
    response = ResponseField
    allow_empty_blanks = AllowEmptyBlanksField


class ItemSaveView(APIView):
    """Timed exams: autosave the answer to one question (until the deadline)."""

    @extend_schema(request=SaveSerializer, responses=dict)
    def put(self, request, attempt_id: int, position: int):
        attempt = access_attempt(request.user, attempt_id)
        data = SaveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            item = attempts.answer_save(
                attempt=attempt,
                position=position,
                response=data.validated_data["response"],
                revision=data.validated_data.get("revision"),
                page=data.validated_data.get("page", ""),
            )
        except attempts.SheetChanged as error:
            # What the client needs to catch up: the answers as saved now, and their revision.
            attempt.refresh_from_db()
            body = {**error_body(error.code, error.message), "attempt": presenters.attempt_payload(attempt)}
            return Response(body, status=status.HTTP_409_CONFLICT)
        except attempts.AttemptRejected as error:
            raise rejected(error) from None
        return Response({"position": item.position, "saved_at": item.saved_at, "revision": item.revision})


class ItemAnswerView(APIView):
    """Practice, daily quiz, challenge: answer one question and get instant feedback.

    Send a `client_answer_id`: a retry with the same id is acknowledged, never counted twice.
    """

    @extend_schema(request=AnswerSerializer, responses=dict)
    def post(self, request, attempt_id: int, position: int):
        attempt = access_attempt(request.user, attempt_id)
        data = AnswerSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            answer = attempts.answer_submit(
                attempt=attempt,
                position=position,
                response=data.validated_data["response"],
                client_answer_id=data.validated_data.get("client_answer_id", ""),
                allow_empty_blanks=data.validated_data["allow_empty_blanks"],
            )
        except attempts.AlreadyAnswered as error:
            # What the other tab's answer was and how it did, for the page to show instead.
            item = error.answer.item
            recorded = {**presenters.answer_feedback(item, error.answer), **presenters.answer_given(item, error.answer)}
            attempt.refresh_from_db()
            body = {
                **error_body(error.code, error.message),
                "answer": recorded,
                "attempt": presenters.attempt_payload(attempt),
            }
            return Response(body, status=status.HTTP_409_CONFLICT)
        except attempts.AttemptRejected as error:
            raise rejected(error) from None
        attempt.refresh_from_db()
        return Response(
            {**presenters.answer_feedback(answer.item, answer), "attempt": presenters.attempt_payload(attempt)}
        )


class SubmitView(APIView):
    """Submit an attempt. A second submit returns the same result."""

    @extend_schema(request=None, responses=dict)
    def post(self, request, attempt_id: int):
        attempt = access_attempt(request.user, attempt_id)
        return Response(presenters.attempt_payload(attempts.attempt_submit(attempt=attempt)))


@extend_schema(responses=dict)
@api_view(["GET"])
def notebook_list(request):
    """The wrong-answer notebook. Filters: state (learning, mastered), type, tag; due=1 for the queue."""
    if request.query_params.get("due") == "1":
        entries = selectors.notebook_due(request.user).select_related("question__current")
    else:
        q = request.query_params
        entries = selectors.notebook_entries(
            request.user, state=q.get("state", ""), type=q.get("type", ""), tag=q.get("tag", "")
        )
    return Response(
        {
            "results": [
                {
                    "id": e.pk,
                    "state": e.state,
                    "due_at": e.due_at,
                    "consecutive_correct": e.consecutive_correct,
                    "wrong_count": e.wrong_count,
                    "question": {
                        "type": e.question.current.type,
                        "stem": e.question.current.stem,
                        "options": [
                            {"letter": letter, "text": text} for letter, text in e.question.current.option_pairs
                        ],
                        "blanks": len(e.question.current.key) if e.question.current.type == "fill_blank" else 0,
                    },
                }
                for e in entries[:200]
            ]
        }
    )


class ReviewView(APIView):
    """Answer a notebook question again; the reply says whether it was right, and why."""

    @extend_schema(request=ReviewSerializer, responses=dict)
    def post(self, request, entry_id: int):
        entry = get_object_or_404(NotebookEntry, pk=entry_id, member=request.user, removed_at__isnull=True)
        data = ReviewSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            log = notebook.notebook_review(
                entry=entry,
                response=data.validated_data["response"],
                allow_empty_blanks=data.validated_data["allow_empty_blanks"],
            )
        except notebook.ReviewRejected as error:
            raise refused(error, status_code=status.HTTP_400_BAD_REQUEST, field="response") from None
        entry.refresh_from_db()
        return Response(
            {
                "is_correct": log.is_correct,
                "counted": log.counted,
                "key": log.version.key,
                "explanation": log.version.explanation,
                "state": entry.state,
                "consecutive_correct": entry.consecutive_correct,
                "due_at": entry.due_at,
            }
        )


@extend_schema(responses=dict)
@api_view(["GET"])
def points_view(request):
    """Today's "earned / cap" per activity, the total, and the latest point events, each activity
    with its name in the reader's language beside its code."""
    labels = selectors.activity_labels()
    return Response(
        {
            "total": selectors.points_total(request.user),
            "today": [row.__dict__ for row in selectors.points_today(request.user)],
            "history": [
                {
                    "activity": e.activity,
                    "label": labels.get(e.activity) or selectors.activity_label(e.activity),
                    "points": e.points,
                    "occurred_at": e.occurred_at,
                    "note": e.note,
                }
                for e in request.user.point_events.all()[:100]
            ],
        }
    )


class ImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField()
    format = serializers.ChoiceField(choices=FORMATS, required=False, help_text="Default: from the file name.")
    dry_run = serializers.BooleanField(required=False, default=False)


IMPORT_JOB = inline_serializer(
    "ImportJob",
    {
        "id": serializers.IntegerField(),
        "status": serializers.CharField(help_text="`pending`, `running`, `done` or `failed`."),
        "stalled": serializers.BooleanField(help_text="Running, yet silent for longer than any import takes."),
        "worker_missing": serializers.BooleanField(
            help_text="Still pending longer than BACKGROUND_QUEUE_PATIENCE_S: no background worker seems to be "
            "running (tell the platform's system administrator). Never where tasks run inline."
        ),
        "percent": serializers.IntegerField(help_text="0-100."),
        "result": serializers.JSONField(allow_null=True, help_text="The summary once finished, else null."),
        "url": serializers.CharField(help_text="Poll this."),
    },
)


class BankImportView(APIView):
    """Import questions into a bank (organisers). With dry_run, check only: the reply has every
    error with its row (or line) and column. Otherwise a job is queued; poll its URL."""

    parser_classes = [MultiPartParser]

    @extend_schema(request=ImportUploadSerializer, responses={200: dict, 202: IMPORT_JOB, 400: dict})
    def post(self, request, slug: str):
        bank = access_bank(request.user, slug)
        data = ImportUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        try:
            fmt = upload_format(name=upload.name, size=upload.size, chosen=data.validated_data.get("format", ""))
        except UploadRefused as error:
            raise ApiError("bad_upload", error.message, field=error.field, status_code=400) from None
        content = upload.read()
        report = questions_import(data=content, fmt=fmt, bank=bank, by=request.user, dry_run=True)
        if data.validated_data["dry_run"] or not report.ok:
            return Response(report.summary(), status=status.HTTP_200_OK if report.ok else status.HTTP_400_BAD_REQUEST)
        job = import_job_create(
            bank=bank, filename=uploaded_name(upload.name), fmt=fmt, data=content, by=request.user, confirmed=True
        )
        transaction.on_commit(lambda: question_import_run.delay(job.pk))
        return Response(_job_payload(job), status=status.HTTP_202_ACCEPTED)


def _job_payload(job: ImportJob) -> dict:
    return {
        "id": job.pk,
        "status": job.status,
        "stalled": job.stalled,
        "worker_missing": job.worker_missing,
        "percent": job.percent,
        "result": job.result,
        "url": reverse("api-import-job", args=[job.pk]),
    }


@extend_schema(responses=IMPORT_JOB)
@api_view(["GET"])
def import_job_view(request, job_id: int):
    """An import job's progress and, when finished, its summary."""
    return Response(_job_payload(access_job(request.user, job_id)))


@extend_schema(
    operation_id="banks_export",
    responses={(200, XLSX_TYPE): OpenApiTypes.BINARY},
    description="The bank as an .xlsx workbook in the import layout: an export re-imports unchanged.",
)
@api_view(["GET"])
def bank_export_view(request, slug: str):
    bank = access_bank(request.user, slug, manage=False)
    return xlsx_response(bank_export(bank), bank.display_name, ascii_name=bank.slug)
