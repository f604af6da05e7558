"""Organiser pages: question banks, editing, import with preview and progress, export, statistics."""

import uuid

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods

from orgs import access
from orgs.forms import UnitChoiceField
from quizsite import import_files
from quizsite.filenames import uploaded_name
from quizsite.spreadsheets import xlsx_response

from .. import selectors
from ..importing.export import bank_export
from ..importing.jobs import import_job_create, import_preview_confirm, import_preview_discard
from ..importing.preview import import_preview_rows
from ..importing.run import FORMATS, UploadRefused, questions_import, upload_format
from ..importing.tabular import column_label
from ..models import ImportJob, Paper, Question, QuestionBank, QuestionType
from ..services import questions as question_services
from ..statistics import paper_statistics
from ..tasks import question_import_restart, question_import_run
from .papers import access_paper, owning_contest

PREVIEW_SESSION_KEY = "question_import_preview"
# The previews this session confirmed, as [token, job id], the latest few: confirming one again
# (Back, then Import) leads to its import rather than calling the preview expired.
CONFIRMED_SESSION_KEY = "question_import_confirmed"
CONFIRMED_KEPT = 10
BULK_ACTIONS = [
    ("retire", gettext_lazy("Retire")),
    ("publish", gettext_lazy("Publish")),
    ("draft", gettext_lazy("Move to draft")),
    ("delete", gettext_lazy("Delete")),
]
ERRORS_SESSION_KEY = "question_import_errors"


def access_bank(user, slug: str, *, manage: bool = True) -> QuestionBank:
    """A bank the user manages (or, with manage=False, may see: banks of units above theirs too)."""
    bank = get_object_or_404(QuestionBank.objects.select_related("unit"), slug=slug)
    if access.can_manage_unit(user, bank.unit):
        bank.manageable = True
        return bank
    visible = selectors.banks_visible_to(user).filter(pk=bank.pk).exists()
    if not manage and visible:
        bank.manageable = False
        return bank
    access.refuse(
        user, bank, bank.unit, _("This question bank belongs to a unit outside the units you manage."), visible=visible
    )


class BankForm(forms.Form):
    slug = forms.SlugField(
        label=gettext_lazy("Code"),
        max_length=64,
        help_text=gettext_lazy("Letters, digits and dashes, e.g. dangzhang-2026."),
    )
    name = forms.CharField(label=gettext_lazy("Bank name"), max_length=100)
    name_en = QuestionBank._meta.get_field("name_en").formfield()
    shared_below = QuestionBank._meta.get_field("shared_below").formfield()
    open_for_practice = QuestionBank._meta.get_field("open_for_practice").formfield()

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"] = UnitChoiceField(user=user, label=gettext_lazy("Unit"))
        self.order_fields(["slug", "name", "name_en", "unit", "shared_below", "open_for_practice"])
        roots = access.managed_root_units(user)
        if roots:
            self.fields["unit"].initial = roots[0].pk

    def clean_slug(self):
        if QuestionBank.objects.filter(slug=self.cleaned_data["slug"]).exists():
            raise forms.ValidationError(_("This code is taken."))
        return self.cleaned_data["slug"]


@login_required
@require_http_methods(["GET", "POST"])
def bank_list(request):
    access.check_manager(request.user)
    form = BankForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        bank = question_services.bank_create(
            slug=form.cleaned_data["slug"],
            name=form.cleaned_data["name"],
            name_en=form.cleaned_data["name_en"],
            unit=form.cleaned_data["unit"],
            by=request.user,
            shared_below=form.cleaned_data["shared_below"],
            open_for_practice=form.cleaned_data["open_for_practice"],
        )
        return redirect("lessons:bank_detail", slug=bank.slug)
    banks = list(selectors.banks_visible_to(request.user).select_related("unit").order_by("name"))
    for bank in banks:
        bank.manageable = access.can_manage_unit(request.user, bank.unit)
    return render(request, "lessons/bank_list.html", {"banks": banks, "form": form})


BANK_FILTERS = ("type", "status", "tag", "q")


def bank_filters(data) -> dict[str, str]:
    """The bank page's filter (type, status, knowledge point, text) from a query or a form."""
    return {key: data.get(key, "") for key in BANK_FILTERS}


def filtered_questions(bank: QuestionBank, filters: dict[str, str]):
    """The bank's questions matching `filters`: the bank page's list, and its bulk actions' "all"."""
    questions = Question.objects.filter(bank=bank)
    if filters["type"]:
        questions = questions.filter(current__type=filters["type"])
    if filters["status"]:
        questions = questions.filter(status=filters["status"])
    if filters["tag"]:
        questions = questions.filter(tags__name=filters["tag"])
    return selectors.questions_matching_text(questions, filters["q"])


@login_required
def bank_detail(request, slug: str):
    bank = access_bank(request.user, slug, manage=False)
    filters = bank_filters(request.GET)
    questions = filtered_questions(bank, filters).select_related("current").prefetch_related("tags").order_by("-id")
    page = Paginator(questions, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "lessons/bank_detail.html",
        {
            "bank": bank,
            "page": page,
            "filters": filters,
            "filtered": any(filters.values()),
            "counts": selectors.bank_counts(bank),
            "types": QuestionType.choices,
            "statuses": Question.Status.choices,
            "drafts": bank.questions.filter(status=Question.Status.DRAFT, current__isnull=False).count()
            if bank.manageable
            else 0,
            "imports": bank.import_jobs.filter(status=ImportJob.Status.DONE).order_by("-created_at")[:5]
            if bank.manageable
            else [],
            "bulk_actions": BULK_ACTIONS,
        },
    )


@login_required
@require_http_methods(["POST"])
def bank_sharing(request, slug: str):
    """Share the bank with the units below, or keep it confidential (its unit's organisers only)."""
    bank = access_bank(request.user, slug)
    shared_below = request.POST.get("shared_below") == "yes"
    question_services.bank_sharing_set(bank=bank, shared_below=shared_below)
    if shared_below:
        messages.success(request, _("Organisers of the units below may now see and use this bank."))
    else:
        messages.success(request, _("This bank is now confidential: only organisers of its unit see it."))
    return redirect("lessons:bank_detail", slug=bank.slug)


@login_required
@require_http_methods(["POST"])
def bank_practice(request, slug: str):
    """Open the bank for members' practice by topic (which shows every key), or close it."""
    bank = access_bank(request.user, slug)
    open_for_practice = request.POST.get("open_for_practice") == "yes"
    question_services.bank_practice_set(bank=bank, open_for_practice=open_for_practice)
    if open_for_practice:
        messages.success(request, _("Members may now practise this bank by topic."))
    else:
        messages.success(request, _("This bank is no longer offered for practice by topic."))
    return redirect("lessons:bank_detail", slug=bank.slug)


@login_required
@require_http_methods(["POST"])
def bank_publish(request, slug: str):
    """Publish the bank's ticked drafts, or all of them: random rules and online contests may then
    draw them."""
    bank = access_bank(request.user, slug)
    ids = (
        None
        if request.POST.get("which") == "all"
        else [int(v) for v in request.POST.getlist("question") if v.isdecimal()]
    )
    if ids == []:
        messages.error(request, _("Tick the drafts to publish first."))
    else:
        published = question_services.questions_publish(bank=bank, question_ids=ids)
        messages.success(
            request,
            ngettext("%(n)d draft published.", "%(n)d drafts published.", published) % {"n": published},
        )
    return redirect(
        request.POST.get("next")
        if _same_bank_page(request.POST.get("next"), bank)
        else reverse("lessons:bank_detail", args=[bank.slug])
    )


def _same_bank_page(url: str | None, bank: QuestionBank) -> bool:
    return bool(url) and url.startswith(reverse("lessons:bank_detail", args=[bank.slug]))


@login_required
def bank_export_view(request, slug: str):
    bank = access_bank(request.user, slug, manage=False)
    return xlsx_response(bank_export(bank), bank.display_name, ascii_name=bank.slug)


class ImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("File (.xlsx, .csv, Aiken .txt or .gift)"))
    format = forms.ChoiceField(
        label=gettext_lazy("Format"),
        choices=[("", gettext_lazy("From the file name"))] + [(f, f) for f in FORMATS],
        required=False,
    )


def _status_given(post) -> str:
    """The status the organiser chose for the imported questions; drafts unless they chose to
    publish at once (the preview's default: nothing unreviewed reaches a random draw)."""
    published = post.get("status") == Question.Status.PUBLISHED
    return Question.Status.PUBLISHED if published else Question.Status.DRAFT


@login_required
@require_http_methods(["GET", "POST"])
def bank_import(request, slug: str):
    """Upload and preview (every row checked, nothing stored); confirm starts the import job."""
    bank = access_bank(request.user, slug)
    form = ImportForm()
    if request.method == "POST" and request.POST.get("action") == "confirm":
        preview = request.session.get(PREVIEW_SESSION_KEY) or {}
        job = None
        if preview.get("token") == request.POST.get("token") and preview.get("bank") == bank.slug:
            job = import_preview_confirm(job_id=preview["job"], bank=bank, status=_status_given(request.POST))
        if job is None:
            token = request.POST.get("token", "")
            done = [job_id for kept, job_id in request.session.get(CONFIRMED_SESSION_KEY, []) if kept == token]
            if done:
                messages.info(request, _("This file is already imported: here is how its import went."))
                return redirect("lessons:import_job", job_id=done[0])
            messages.error(request, _("That preview has expired. Upload the file again."))
            return redirect("lessons:bank_import", slug=bank.slug)
        del request.session[PREVIEW_SESSION_KEY]
        confirmed = request.session.get(CONFIRMED_SESSION_KEY, [])
        request.session[CONFIRMED_SESSION_KEY] = [*confirmed, [preview["token"], job.pk]][-CONFIRMED_KEPT:]
        transaction.on_commit(lambda: question_import_run.delay(job.pk))
        return redirect("lessons:import_job", job_id=job.pk)
    report = None
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                fmt = upload_format(name=upload.name, size=upload.size, chosen=form.cleaned_data["format"])
            except UploadRefused as refused:
                form.add_error(refused.field, refused.message)
            else:
                data = upload.read()
                report = questions_import(data=data, fmt=fmt, bank=bank, by=request.user, dry_run=True)
                if report.ok and report.drafts:
                    job = import_job_create(
                        bank=bank,
                        filename=uploaded_name(upload.name),
                        fmt=fmt,
                        data=data,
                        by=request.user,
                        confirmed=False,
                    )
                    if replaced := request.session.get(PREVIEW_SESSION_KEY):
                        import_preview_discard(job_id=replaced["job"])
                    request.session[PREVIEW_SESSION_KEY] = {"token": uuid.uuid4().hex, "job": job.pk, "bank": bank.slug}
                elif report.errors:
                    sheet = fmt in ("xlsx", "csv")
                    import_files.error_report_store(
                        request,
                        session_key=ERRORS_SESSION_KEY,
                        place="row" if sheet else "line",
                        errors=[
                            (
                                error.get("row", error.get("line")) or None,  # a whole file's: no row
                                column_label(error["column"], sheet=sheet),
                                error["message"],
                            )
                            for error in report.errors
                        ],
                    )
    errors = report.errors if report else []
    # A problem of the whole file (not a workbook, no header row, no questions) is said above the
    # table; the table lists the rows' and lines' problems.
    file_errors = [error for error in errors if not error.get("row") and not error.get("line")]
    place_errors = [error for error in errors if error.get("row") or error.get("line")]
    return render(
        request,
        "lessons/bank_import.html",
        {
            "bank": bank,
            "form": form,
            "report": report,
            "rows": import_preview_rows(report) if report else [],
            "file_errors": file_errors,
            "errors_shown": [
                {**error, "column": column_label(error["column"], sheet=fmt in ("xlsx", "csv"))}
                for error in place_errors[: import_files.ERRORS_SHOWN]
            ],
            "errors_more": max(len(place_errors) - import_files.ERRORS_SHOWN, 0),
            "preview": request.session.get(PREVIEW_SESSION_KEY) if report else None,
            # A spreadsheet's problems are in rows, a text file's in lines.
            "error_place": ("row" if fmt in ("xlsx", "csv") else "line") if report else "",
        },
    )


@login_required
def bank_import_errors(request, slug: str):
    """Every problem of the last file this organiser's import preview refused, as an .xlsx."""
    bank = access_bank(request.user, slug)
    return import_files.error_report_response(
        request,
        session_key=ERRORS_SESSION_KEY,
        filename=_("Question import problems"),
        back=reverse("lessons:bank_import", args=[bank.slug]),
    )


def access_job(user, job_id: int) -> ImportJob:
    job = get_object_or_404(ImportJob.objects.select_related("bank__unit"), pk=job_id)
    if not access.can_manage_unit(user, job.bank.unit):
        access.refuse(user, job, job.bank.unit, _("This question bank belongs to a unit outside the units you manage."))
    return job


@login_required
@require_http_methods(["GET", "POST"])
def import_job(request, job_id: int):
    job = access_job(request.user, job_id)
    if request.method == "POST":
        if question_import_restart(job.pk):
            messages.success(request, _("The import is running again from the uploaded file."))
        else:
            messages.info(request, _("This import is not stopped: it is still running or has finished."))
        return redirect("lessons:import_job", job_id=job.pk)
    if job.confirmed_at is None and job.status == ImportJob.Status.PENDING:
        return _preview_job_page(request, job)
    sheet = job.format in ("xlsx", "csv")
    errors = [
        {**error, "column": column_label(error.get("column", ""), sheet=sheet)}
        for error in ((job.result or {}).get("errors") or [])[:20]
    ]
    return render(
        request,
        "lessons/import_job.html",
        {"job": job, "errors": errors, "worker_patience": settings.BACKGROUND_QUEUE_PATIENCE_S},
    )


def _preview_job_page(request, job: ImportJob):
    """A preview's job holds the checked file until its organiser confirms it; it never runs
    itself. Its page says so, with the way to import it and the import of the same file, if any."""
    preview = request.session.get(PREVIEW_SESSION_KEY) or {}
    return render(
        request,
        "lessons/import_job_preview.html",
        {
            "job": job,
            "confirmable": preview if preview.get("job") == job.pk else None,
            "imported": ImportJob.objects.filter(
                bank=job.bank, filename=job.filename, confirmed_at__isnull=False, created_at__gte=job.created_at
            )
            .order_by("created_at")
            .first(),
        },
    )


@login_required
def import_job_progress(request, job_id: int):
    job = access_job(request.user, job_id)
    return JsonResponse(
        {
            "status": job.status,
            "stalled": job.stalled,
            "worker_missing": job.worker_missing,
            "stage": job.stage,
            "percent": job.percent,
            "processed": job.processed,
            "total": job.total,
            "result": job.result,
        }
    )


@login_required
def paper_list(request):
    access.check_manager(request.user)
    papers = (
        Paper.objects.filter(access.subtree_q(request.user, prefix="unit__"), practised_by=None)
        .select_related("unit", "online_contest__relay")
        .order_by("-created_at")
    )
    # A contest's paper stays listed (its preview and item statistics serve here too), marked as
    # the contest's and linked to it: its settings change only in the contest's own form.
    rows = [(paper, owning_contest(paper)) for paper in papers]
    return render(request, "lessons/paper_list.html", {"papers": rows})


@login_required
def paper_statistics_view(request, paper_id: int):
    paper = access_paper(request.user, paper_id)
    stats = paper_statistics(paper)
    chart = {
        "labels": [f"{i + 1}" for i in range(len(stats.items))],
        "facility": [item.facility for item in stats.items],
        "discrimination": [item.discrimination for item in stats.items],
    }
    return render(request, "lessons/paper_statistics.html", {"paper": paper, "stats": stats, "chart": chart})
