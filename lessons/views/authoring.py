"""Authoring pages: the question editor by type, and the question images it stores."""

import mimetypes
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_http_methods

from orgs import access
from quizsite.spreadsheets import xlsx_response

from .. import selectors
from ..editor import DIFFICULTY_CHOICES, EditorDraft, draft_from_post, draft_from_question, editor_errors
from ..importing.template import question_import_template
from ..models import AttemptItem, Paper, Question, QuestionBank, QuestionType, QuestionVersion, Tag
from ..services import questions as question_services
from ..validation import QuestionInvalid, check_question
from .organiser import access_bank


def _posted_image(request, bank: QuestionBank, question: Question | None) -> str:
    """The illustration the form ends with: a new upload, one kept from a preview, or none."""
    if request.POST.get("image_remove"):
        return ""
    if upload := request.FILES.get("image"):
        name = question_services.question_image_store(data=upload.read())
        # Shown back (the preview) and kept (the next post) in this bank's editor, by this session only.
        uploaded = request.session.get(IMAGES_UPLOADED, [])
        request.session[IMAGES_UPLOADED] = [*uploaded, [bank.pk, name]][-IMAGES_UPLOADED_KEPT:]
        return name
    return _kept_image(request, bank, question)


def _kept_image(request, bank: QuestionBank, question: Question | None) -> str:
    kept = request.POST.get("image_kept", "")
    if kept and (_bank_image(request, bank, kept) or (question and kept == question.current.image)):
        return kept
    return ""


# The illustrations this session uploaded in a bank's editor and may not have saved yet: the
# latest few, as [bank id, file name].
IMAGES_UPLOADED = "question_images_uploaded"
IMAGES_UPLOADED_KEPT = 20


def _bank_image(request, bank: QuestionBank, name: str) -> bool:
    """Whether `name` is an illustration of `bank`: a version's of one of its questions, or one
    this session uploaded in its editor. A stored file's name alone is not enough: another
    unit's organiser, shown it or guessing it, would read another bank's picture through their own."""
    if not question_services.is_question_image(name):
        return False
    return [bank.pk, name] in request.session.get(IMAGES_UPLOADED, []) or (
        QuestionVersion.objects.filter(question__bank=bank, image=name).exists()
    )


@login_required
@require_http_methods(["GET", "POST"])
def question_editor(request, slug: str, question_id: int | None = None):
    """Write or change a question: options ticked as the key, true/false buttons, blanks with
    alternatives; "preview" shows the member's card without saving."""
    bank = access_bank(request.user, slug)
    question = (
        get_object_or_404(Question.objects.select_related("current"), pk=question_id, bank=bank)
        if question_id
        else None
    )
    draft = draft_from_question(question) if question else EditorDraft()
    errors: dict[str, str] = {}
    preview = same = None
    if request.method == "POST":
        try:
            image = _posted_image(request, bank, question)
        except QuestionInvalid as invalid:  # the refused upload is dropped; an earlier image stays
            errors.update(invalid.errors)
            image = _kept_image(request, bank, question)
        draft = draft_from_post(request.POST, image=image)
        try:
            checked = check_question(draft.content())
        except QuestionInvalid as invalid:
            errors.update(editor_errors(draft, invalid.errors))
        else:
            # Saved twice (Back, then Save again) or typed twice: refused as the import skips it.
            same = selectors.bank_question_like(bank, checked, other_than=question)
            if same is not None and request.POST.get("action") != "preview":
                errors["stem"] = _("This bank already has this question (same type, text and answer).")
        if not errors and request.POST.get("action") == "preview":
            preview = draft.preview_item()
            if draft.image:
                preview["image_url"] = (
                    reverse("lessons:question_image_draft", args=[bank.slug]) + "?" + urlencode({"name": draft.image})
                )
        elif not errors:
            if question is None:
                question_services.question_create(
                    bank=bank, content=draft.content(), by=request.user, status=draft.status
                )
                messages.success(request, _("Question added."))
            else:
                before, status_before = question.current_id, question.status
                question = question_services.question_edit(question=question, content=draft.content(), by=request.user)
                question_services.question_set_status(question=question, status=draft.status)
                if draft.status == Question.Status.RETIRED and status_before != Question.Status.RETIRED:
                    _warn_papers_keep(request, question)
                if question.current_id != before:
                    messages.success(
                        request,
                        _("Saved as version %(n)d: attempts that used the earlier version keep it.")
                        % {"n": question.current.number},
                    )
                else:
                    messages.success(request, _("Saved."))
            if request.POST.get("then") == "another":
                return redirect("lessons:question_new", slug=bank.slug)
            return redirect("lessons:bank_detail", slug=bank.slug)
    return render(
        request,
        "lessons/question_edit.html",
        {
            "bank": bank,
            "question": question,
            "draft": draft,
            "errors": errors,
            "preview": preview,
            "same": same,
            "types": QuestionType.choices,
            "statuses": Question.Status.choices,
            "difficulties": DIFFICULTY_CHOICES,
            "known_tags": Tag.objects.order_by("name").values_list("name", flat=True)[:500],
            "fixed_on": selectors.papers_fixing(question) if question else [],
        },
    )


def _warn_papers_keep(request, question: Question) -> None:
    """Say which papers a question just retired is fixed on, and what becomes of it there: exams
    keep it (their questions and marks stay as set), practice, daily quiz and challenge papers
    leave it out of new attempts, as random draws do."""
    papers = selectors.papers_fixing(question)
    exams = [paper for paper in papers if paper.mode == Paper.Mode.EXAM]
    drills = [paper for paper in papers if paper.mode != Paper.Mode.EXAM]
    if exams:
        messages.warning(
            request,
            _("Retired, it stays on the exams that set it, so their questions and marks do not change: %(papers)s.")
            % {"papers": _titles(exams)},
        )
    if drills:
        messages.warning(
            request,
            _("Retired, it leaves random draws and new attempts of the papers that set it: %(papers)s.")
            % {"papers": _titles(drills)},
        )


def _titles(papers: list[Paper]) -> str:
    """Papers' titles as a reader lists them: 《党章测试》、《每日一练》 / "Party rules test", "Daily"."""
    return pgettext("between list items", ", ").join(
        pgettext("a title quoted", "“%(title)s”") % {"title": paper.display_title} for paper in papers
    )


@login_required
def question_image(request, version_id: int):
    """A question's illustration, to the organisers who see its bank or members who were asked it."""
    version = get_object_or_404(QuestionVersion.objects.select_related("question__bank"), pk=version_id)
    if not version.image:
        raise Http404(_("No such file."))
    visible = selectors.banks_visible_to(request.user).filter(pk=version.question.bank_id).exists()
    if not visible and not AttemptItem.objects.filter(version=version, attempt__member=request.user).exists():
        raise Http404(_("No such file."))
    path = Path(settings.MEDIA_ROOT) / version.image
    if not path.is_file():
        raise Http404(_("No such file."))
    return FileResponse(path.open("rb"), content_type=mimetypes.guess_type(path.name)[0] or "application/octet-stream")


@login_required
def question_image_draft(request, slug: str):
    """An illustration of the bank's (one uploaded in its editor and not saved yet, or one of its
    questions'), shown back to its organisers by file name."""
    bank = access_bank(request.user, slug)
    name = request.GET.get("name", "")
    if not _bank_image(request, bank, name):
        raise Http404(_("No such file."))
    path = Path(settings.MEDIA_ROOT) / name
    return FileResponse(path.open("rb"), content_type=mimetypes.guess_type(path.name)[0] or "application/octet-stream")


@login_required
def import_template(request):
    """The xlsx to fill in for an import: a sample of each type and the instructions."""
    access.check_manager(request.user)
    return xlsx_response(question_import_template(), _("Question import template"), ascii_name="question-template")
