"""A lesson's manage page: audience, publish window, required, quiz, subtitles, poster, video."""

from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Case, Q, When
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from orgs import access
from orgs.forms import UnitChoiceField
from orgs.models import Unit
from orgs.selectors import unit_paths
from quizsite.forms import NumberRangeMessages

from ..models import Lesson, Paper, Series
from ..selectors import lesson_quiz_warning, lesson_title_taken_text
from ..services import study_rules
from ..services.lesson_settings import lesson_poster_from_frame, lesson_poster_from_image
from ..services.series import lesson_join_series
from ..services.videos import LessonRejected
from .papers import LOCAL_INPUT
from .series import series_choice_help
from .videos import access_managed_lesson, publication_state


class AudienceField(forms.ModelMultipleChoiceField):
    """Units shown by full path, limited to what the user manages."""

    def __init__(self, *, user, keep=(), **kwargs):
        self._paths = UnitChoiceField(user=user)._paths
        queryset = Unit.objects.filter(access.subtree_q(user) | Q(pk__in=[unit.pk for unit in keep]))
        super().__init__(queryset=queryset.order_by("path"), **kwargs)
        self._paths.update(unit_paths([unit for unit in keep if unit.pk not in self._paths]))

    def label_from_instance(self, obj) -> str:
        return self._paths.get(obj.pk, obj.name)


def paper_choice_label(paper: Paper) -> str:
    if paper.status == Paper.Status.PUBLISHED:
        return paper.display_title
    return _("%(paper)s (draft: members can't take it until it is published)") % {"paper": paper.display_title}


class LessonSettingsForm(NumberRangeMessages, forms.ModelForm):
    POSTER_CHOICES = [
        ("keep", gettext_lazy("Keep the current poster")),
        ("frame", gettext_lazy("A frame from the video")),
        ("image", gettext_lazy("A picture I upload")),
    ]
    poster_choice = forms.ChoiceField(
        label=gettext_lazy("Poster"),
        choices=POSTER_CHOICES,
        initial="keep",
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    poster_second = forms.IntegerField(label=gettext_lazy("Second of the frame"), min_value=0, required=False)
    poster_image = forms.FileField(label=gettext_lazy("Poster picture"), required=False)
    subtitles_remove = forms.BooleanField(label=gettext_lazy("Remove the subtitles"), required=False)

    class Meta:
        model = Lesson
        fields = [
            "title",
            "title_en",
            "speaker",
            "series",
            "description",
            "description_en",
            "audience",
            "required",
            "paper",
            "publish_from",
            "publish_until",
            "subtitles",
            "study_hours",
        ]
        widgets = {
            "study_hours": forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
            "description": forms.Textarea(attrs={"rows": 2}),
            "description_en": forms.Textarea(attrs={"rows": 2}),
            "publish_from": forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_INPUT),
            "publish_until": forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_INPUT),
            "subtitles": forms.FileInput(attrs={"accept": ".vtt,text/vtt"}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["audience"] = AudienceField(
            user=user,
            keep=list(self.instance.audience.all()) if self.instance.pk else (),
            label=gettext_lazy("Audience"),
            required=False,
            help_text=gettext_lazy(
                "Members of these units and the units under them may watch. None chosen: the lesson's own unit."
            ),
            widget=forms.SelectMultiple(attrs={"size": 6}),
        )
        # What the lesson already has stays a choice even where it lies outside what this
        # organiser manages (an organ's series or quiz): otherwise the form showed it empty and
        # saving any other setting took the lesson out of its series or dropped its quiz.
        kept = self.instance.pk is not None
        self.fields["series"].queryset = Series.objects.filter(
            access.subtree_q(user, prefix="unit__") | Q(pk=self.instance.series_id if kept else None)
        )
        series_choice_help(self.fields["series"])
        # An online contest's paper is taken only through its contest (exam pages refuse it).
        # Published papers first; a draft stays a choice (the quiz may be published later) but
        # says members can't take it: attached silently, the member's quiz button was greyed out.
        self.fields["paper"].queryset = Paper.objects.filter(
            access.subtree_q(user, prefix="unit__") | Q(pk=self.instance.paper_id if kept else None),
            online_contest__isnull=True,
            practised_by=None,
        ).order_by(Case(When(status=Paper.Status.PUBLISHED, then=0), default=1), "title")
        self.fields["paper"].label_from_instance = paper_choice_label
        self.fields["publish_from"].help_text = _("Local time. Empty: from now on.")
        self.fields["publish_until"].help_text = _("Local time. Empty: no end.")
        self.fields["subtitles"].help_text = _("A WebVTT file (.vtt).")
        if kept and self.instance.duration_s:
            by_rule = study_rules.rule_for_lesson(self.instance).hours_for(float(self.instance.duration_s))
            self.fields["study_hours"].help_text = _(
                "From 0 to 99.5 in quarter hours (0.25). "
                "Empty: by the study-hours rule, %(hours)s h for this lesson today."
            ) % {"hours": study_rules.hours_text(by_rule)}

    def clean(self):
        data = super().clean()
        if data.get("publish_from") and data.get("publish_until") and data["publish_until"] <= data["publish_from"]:
            self.add_error("publish_until", _("The end of the window must come after its start."))
        if data.get("poster_choice") == "frame" and data.get("poster_second") is None:
            self.add_error("poster_second", _("Say which second of the video to use."))
        if data.get("poster_choice") == "image" and not data.get("poster_image"):
            self.add_error("poster_image", _("Choose a picture to upload."))
        return data


@login_required
@require_http_methods(["GET", "POST"])
def lesson_settings(request, lesson_id: int):
    lesson = access_managed_lesson(request.user, lesson_id)
    previous_series = lesson.series
    form = LessonSettingsForm(request.POST or None, request.FILES or None, instance=lesson, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                lesson = form.save(commit=False)
                if form.cleaned_data["subtitles_remove"] and not request.FILES.get("subtitles"):
                    lesson.subtitles = ""
                lesson.save()
                form.save_m2m()
                if "series" in form.changed_data:
                    lesson_join_series(lesson=lesson, series=lesson.series, previous=previous_series)
                choice = form.cleaned_data["poster_choice"]
                if choice == "frame":
                    lesson_poster_from_frame(lesson=lesson, at_s=float(form.cleaned_data["poster_second"]))
                elif choice == "image":
                    lesson_poster_from_image(lesson=lesson, data=form.cleaned_data["poster_image"].read())
        except LessonRejected as refused:
            form.add_error(
                "poster_second" if refused.code in ("frame_outside", "not_ready") else "poster_image", refused.message
            )
            lesson.refresh_from_db()
        else:
            messages.success(request, _("Lesson settings saved."))
            if warning := lesson_quiz_warning(lesson):
                messages.warning(request, warning)
            if "title" in form.changed_data and (taken := lesson_title_taken_text(lesson)):
                messages.warning(request, taken)
            if lesson.publish_until and lesson.publish_until <= timezone.now():
                # Allowed (it is how a lesson is closed), but a past date typed by mistake would
                # hide the lesson from every member without a word.
                messages.warning(
                    request,
                    _("The publish window ended on %(at)s: members no longer see this lesson.")
                    % {"at": formats.date_format(timezone.localtime(lesson.publish_until), "SHORT_DATETIME_FORMAT")},
                )
            return redirect("lessons:lesson_settings", lesson_id=lesson.pk)
    groups = [
        (_("About the lesson"), ["title", "title_en", "speaker", "series", "description", "description_en"]),
        (_("Who may watch, and when"), ["audience", "publish_from", "publish_until", "required"]),
        (_("Quiz after the lesson"), ["paper"]),
        (_("Study hours"), ["study_hours"]),
        (_("Subtitles"), ["subtitles", "subtitles_remove"]),
    ]
    return render(
        request,
        "lessons/lesson_settings.html",
        {
            "lesson": lesson,
            "publication": publication_state(lesson),
            "quiz_warning": lesson_quiz_warning(lesson),
            "title_taken": lesson_title_taken_text(lesson),
            "form": form,
            "groups": [(title, [form[name] for name in names]) for title, names in groups],
            "poster_fields": [form["poster_second"], form["poster_image"]],
            "subtitles_name": Path(lesson.subtitles.name).name if lesson.subtitles else "",
            "worker_patience": settings.BACKGROUND_QUEUE_PATIENCE_S,
        },
    )
