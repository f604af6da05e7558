"""Series: a member's way through one (its lessons in order, their progress, the next to watch),
and an organiser's management of it (create, edit, put its lessons in order)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from orgs import access
from orgs.forms import UnitChoiceField
from orgs.models import Unit
from quizsite.spreadsheets import ExportWorkbook, xlsx_response

from .. import completion, selectors
from ..models import Lesson, Series
from ..services import series as series_services
from ..services.videos import LessonRejected


def english_title_field() -> forms.CharField:
    """The optional English title of a series or a lesson: English pages show the title as typed
    until it is given."""
    return forms.CharField(
        label=gettext_lazy("English title"),
        max_length=120,
        required=False,
        help_text=gettext_lazy(
            "Shown to people who use the site in English. Leave it empty to show the title as typed."
        ),
    )


class SeriesForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("title"), max_length=120)
    title_en = english_title_field()
    description = forms.CharField(
        label=gettext_lazy("description"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    description_en = forms.CharField(
        label=gettext_lazy("English description"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=gettext_lazy(
            "Shown to people who use the site in English. Leave it empty to show the text as typed."
        ),
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None:
            self.fields["unit"] = UnitChoiceField(user=user, label=gettext_lazy("unit"))
            self.order_fields(["title", "title_en", "unit", "description", "description_en"])


def series_choice_help(field: forms.ModelChoiceField) -> None:
    """Say on a lesson form's series choice what it offers: the series of the units the organiser
    manages (as banks and papers, an organiser files into their own subtree's series, never into
    an organ's above them); with none, why the list is empty and where to create one."""
    if field.queryset.exists():
        field.help_text = _("The series of the units you organise.")
    else:
        field.help_text = format_html(
            '{} <a href="{}" id="create-series-link">{}</a>',
            _("No series in the units you organise yet: a lesson joins a series of its own unit or one below."),
            reverse("lessons:series_list"),
            _("Create a series"),
        )


def access_managed_series(user, series_id: int) -> Series:
    series = get_object_or_404(Series.objects.select_related("unit"), pk=series_id)
    if not access.can_manage_unit(user, series.unit):
        access.refuse(
            user,
            series,
            series.unit,
            _(
                "Only organisers of %(unit)s manage this series. "
                "For the lessons of your own units, create a series there under Micro-classes > Series."
            )
            % {"unit": series.unit.display_name},
        )
    return series


@login_required
def series_library(request):
    """The series open to the member (their units' and those above, published to them), each with
    how many of its lessons they have completed, leading to the series' page. Organisers see
    theirs here as members do, with the way to the series they manage (`series_list`), as the
    library and its management page split."""
    return render(
        request,
        "lessons/series_library.html",
        {"rows": selectors.member_series(request.user), "manages": access.is_manager(request.user)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def series_list(request):
    """The organiser's series: those of the units they manage, to create and put in order."""
    access.check_manager(request.user)
    form = SeriesForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            series = series_services.series_create(
                title=data["title"],
                unit=data["unit"],
                title_en=data["title_en"],
                description=data["description"],
                description_en=data["description_en"],
            )
        except LessonRejected as refused:
            form.add_error("title", refused.message)
        else:
            messages.success(request, _("Series created. Add lessons to it from their settings."))
            return redirect("lessons:series_manage", series_id=series.pk)
    # Their units' series, and the series (of a unit above) that their units' lessons sit in: the
    # latter read-only, so an office whose lessons are in the organ's lecture hall finds it here.
    in_their_lessons = Lesson.objects.filter(access.subtree_q(request.user, prefix="unit__")).values("series_id")
    series_list = list(
        Series.objects.filter(Q(access.subtree_q(request.user, prefix="unit__")) | Q(pk__in=in_their_lessons))
        .select_related("unit")
        .annotate(lesson_count=Count("lessons"))
        .order_by("unit__path", "title")[:200]
    )
    for series in series_list:
        series.managed = access.can_manage_unit(request.user, series.unit)
    return render(request, "lessons/series_list.html", {"form": form, "series_list": series_list})


@login_required
def series_page(request, series_id: int):
    """A member's view of a series: its lessons open to them in order, each one's progress, the
    series' progress and the study hours earned in it, and the next lesson to watch. Its
    organisers see it too (with the way to manage it); anyone else gets a missing id's 404."""
    user = request.user
    series = Series.objects.select_related("unit").filter(pk=series_id).first()
    if series is None:
        raise access.not_found(Series)
    progress = selectors.series_progress(user, series)
    managed = access.can_manage_unit(user, series.unit)
    has_own_lesson = series.lessons.filter(access.subtree_q(user, prefix="unit__")).exists()
    if not (progress.rows or managed or has_own_lesson):
        raise access.not_found(Series)
    return render(request, "lessons/series.html", {"series": series, "progress": progress, "managed": managed})


@login_required
@require_http_methods(["GET", "POST"])
def series_manage(request, series_id: int):
    series = access_managed_series(request.user, series_id)
    initial = {
        "title": series.title,
        "title_en": series.title_en,
        "description": series.description,
        "description_en": series.description_en,
    }
    form = SeriesForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            series_services.series_update(
                series=series,
                title=data["title"],
                title_en=data["title_en"],
                description=data["description"],
                description_en=data["description_en"],
            )
        except LessonRejected as refused:
            form.add_error("title", refused.message)
        else:
            messages.success(request, _("Series saved."))
            return redirect("lessons:series_manage", series_id=series.pk)
    lessons = series_services.series_lessons(series)
    figures = completion.series_lesson_completion(lessons, request.user)
    for lesson in lessons:
        lesson.figures = figures[lesson.pk]
    return render(request, "lessons/series_manage.html", {"series": series, "form": form, "lessons": lessons})


PROGRESS_PAGE_SIZE = 50


@login_required
def series_progress(request, series_id: int):
    """The series' progress for its organisers: per unit they manage that its lessons are for, how
    many members completed all its required lessons, some or none; with `unit`, that unit's
    members, each with the lessons they completed, those who have not finished first."""
    series = access_managed_series(request.user, series_id)
    report = completion.series_completion(series, request.user)
    unit = None
    if request.GET.get("unit"):
        unit = next((row.unit for row in report.units if str(row.unit.pk) == request.GET["unit"]), None)
        if unit is None:  # not a unit of the series' audience that the organiser manages
            raise access.not_found(Unit)
    # A unit's members PROGRESS_PAGE_SIZE at a time: an organ holds thousands (the xlsx lists them all).
    page = Paginator(report.members_of(unit) if unit else [], PROGRESS_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "lessons/series_progress.html",
        {
            "series": series,
            "report": report,
            "unit": unit,
            "members": [(row, row.cells(report.lessons)) for row in page.object_list],
            "page": page,
        },
    )


@login_required
def series_progress_xlsx(request, series_id: int):
    """The series' progress as the page shows it: a sheet of units, and one of every member with
    when they completed each lesson."""
    series = access_managed_series(request.user, series_id)
    report = completion.series_completion(series, request.user)
    status_text = status_texts()
    book = ExportWorkbook()
    sheet = book.sheet(_("Units"), frozen_rows=2)
    sheet.append([series.display_title])
    sheet.append([_("Unit"), _("Headcount"), status_text["all"], status_text["some"], status_text["none"]])
    for row in report.units:
        sheet.append([row.unit.display_name, row.headcount, row.counts["all"], row.counts["some"], row.counts["none"]])
    people = book.sheet(_("Members"), frozen_rows=1)
    people.append(
        [_("Name"), _("Unit"), _("Progress"), _("Required lessons completed")]
        + [lesson.display_title + (f" ({_('Required')})" if lesson.required else "") for lesson in report.lessons]
    )
    for row in report.members_of():
        people.append(
            [
                row.member.display_name,
                row.member.unit.display_name,
                status_text[row.status],
                f"{row.required_done} / {len(row.required)}",
            ]
            + [
                (at.astimezone().strftime("%Y-%m-%d %H:%M:%S") if at else "") if theirs else _("not for their unit")
                for _lesson, theirs, at in row.cells(report.lessons)
            ]
        )
    return xlsx_response(book.to_bytes(), series.display_title, ascii_name=f"series-{series.pk}-progress")


def status_texts() -> dict[str, str]:
    """A member's place in a series, in the organiser's words."""
    return {
        "all": _("Completed all required lessons"),
        "some": _("Completed some"),
        "none": _("Completed none"),
    }


@login_required
@require_POST
def series_lesson_action(request, series_id: int, lesson_id: int):
    """Move a lesson up or down, or take it out of the series."""
    series = access_managed_series(request.user, series_id)
    lesson = Lesson.objects.filter(pk=lesson_id).first()
    action = request.POST.get("action")
    try:
        if lesson is None or lesson.series_id != series.pk:
            raise LessonRejected("not_in_series", _("This lesson is no longer in the series."))
        if action in ("up", "down"):
            series_services.series_move_lesson(series=series, lesson=lesson, offset=-1 if action == "up" else 1)
        elif action == "remove":
            series_services.series_remove_lesson(series=series, lesson=lesson)
            messages.success(
                request,
                _("%(lesson)s was taken out of the series; it stays in the library on its own.")
                % {"lesson": lesson.display_title},
            )
    except LessonRejected as refused:
        messages.error(request, refused.message)
    return redirect("lessons:series_manage", series_id=series.pk)
