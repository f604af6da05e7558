"""Organiser pages of online contests: the list, create and edit, the progress dashboard, export."""

from django import forms
from django.conf import settings as django_settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_http_methods

from lessons.editor import DIFFICULTY_CHOICES
from lessons.models import Paper, Question, QuestionType, Tag
from lessons.selectors import banks_visible_to
from orgs import access
from orgs.forms import UnitChoiceField, UnitsChoiceField
from orgs.models import Unit
from quizsite.forms import NumberRangeMessages
from quizsite.spreadsheets import ExportWorkbook, xlsx_response

from ..errors import ContestRejected
from . import reminders, review, selectors, services
from .models import OnlineContest
from .services import ContestSetupRejected, DrawRule


def access_managed_contest(user, contest_id: int) -> OnlineContest:
    contest = get_object_or_404(OnlineContest.objects.select_related("paper__unit"), pk=contest_id)
    unit = contest.paper.unit
    if not access.can_manage_unit(user, unit):
        access.refuse(
            user, contest, unit, _("Only organisers of %(unit)s manage this contest.") % {"unit": unit.display_name}
        )
    return contest


class ContestForm(NumberRangeMessages, forms.Form):
    title = forms.CharField(label=gettext_lazy("title"), max_length=120)
    title_en = Paper._meta.get_field("title_en").formfield()
    description = forms.CharField(
        label=pgettext_lazy("what players are told", "rules"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    description_en = Paper._meta.get_field("description_en").formfield(
        label=pgettext_lazy("what players are told", "English rules"), widget=forms.Textarea(attrs={"rows": 3})
    )
    opens_at = forms.DateTimeField(
        label=gettext_lazy("opens at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    closes_at = forms.DateTimeField(
        label=gettext_lazy("closes at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    party_members_only = forms.BooleanField(label=gettext_lazy("party members only"), required=False)
    time_limit_min = forms.IntegerField(
        label=gettext_lazy("time limit per attempt (minutes)"), min_value=1, max_value=600
    )
    question_time_s = forms.IntegerField(
        label=gettext_lazy("time per question (seconds, optional)"),
        min_value=5,
        max_value=3600,
        required=False,
        help_text=gettext_lazy(
            "Empty: no limit per question. Each question's clock starts when it is first shown; when it runs out "
            "the answer is locked and the page moves on."
        ),
    )
    max_attempts = forms.IntegerField(
        label=gettext_lazy("attempts allowed"), min_value=0, max_value=100, help_text=gettext_lazy("0 means unlimited.")
    )
    grading = forms.ChoiceField(label=gettext_lazy("attempt that counts"), choices=Paper.Grading.choices)
    shuffle = forms.BooleanField(label=gettext_lazy("shuffle questions and options"), required=False)
    results_shown = forms.ChoiceField(
        label=gettext_lazy("results and keys shown"),
        choices=[
            (Paper.Review.AFTER_SUBMIT, gettext_lazy("After each attempt")),
            (Paper.Review.AFTER_CLOSE, gettext_lazy("After the window closes")),
        ],
    )
    keys_after_each_confirmed = forms.BooleanField(
        label=gettext_lazy("show the keys after each attempt although members may try again"),
        required=False,
        help_text=gettext_lazy(
            "Needed only with more than one attempt and keys shown after each: a member then sees every key "
            "after the first attempt, and the next attempt draws from the same banks."
        ),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # The close saved before this edit (None when creating), and whether someone has started:
        # set by `builder_forms`, read by `clean` to refuse a window that is already over.
        self.saved_closes_at = None
        self.started = False
        # By full path, as every other organiser form offers units.
        self.fields["unit"] = UnitChoiceField(user=user, label=gettext_lazy("organising unit"))
        self.fields["audience"] = UnitsChoiceField(
            user=user,
            label=gettext_lazy("participating units"),
            widget=forms.SelectMultiple(attrs={"size": 6}),
        )
        self.order_fields(
            ["title", "title_en", "unit", "description", "description_en", "opens_at", "closes_at", "audience"]
        )

    def clean(self):
        data = super().clean()
        if data.get("opens_at") and data.get("closes_at") and data["closes_at"] <= data["opens_at"]:
            self.add_error("closes_at", _("The window must close after it opens."))
        elif self._closes_in_the_past(data.get("closes_at")):
            self.add_error(
                "closes_at",
                _("This time has already passed: nobody could take part. Choose a close time still to come."),
            )
        if (
            data.get("results_shown") == Paper.Review.AFTER_SUBMIT
            and not data.get("keys_after_each_confirmed")
            and (refusal := self.keys_after_each_refusal(data))
        ):
            self.add_error("results_shown", refusal)
        return data

    def keys_after_each_refusal(self, data: dict) -> str:
        """Why keys shown after each attempt need the confirm box ticked; empty when they do not.
        With more than one attempt, the next one draws from the banks whose keys the member has just
        been shown."""
        if data.get("max_attempts") in (None, 1):
            return ""
        return _(
            "With more than one attempt, keys shown after each attempt let a member see them before "
            "trying again on questions from the same banks. Show them after the window closes, allow "
            "one attempt, or tick the box below to confirm."
        )

    def _closes_in_the_past(self, closes_at) -> bool:
        """Whether `closes_at` is already past and may not be: on a new contest, or one nobody has
        started whose close is being moved. A close left as saved (a finished contest whose title
        is corrected) stays; a started one may only close later, which the service checks."""
        if closes_at is None or self.started or closes_at > timezone.now():
            return False
        saved = self.saved_closes_at
        return saved is None or closes_at.replace(second=0, microsecond=0) != saved.replace(second=0, microsecond=0)


class TagSelect(forms.Select):
    """Knowledge points, each option naming the banks whose questions carry it (`data-banks`), for
    the page to offer only the chosen bank's."""

    banks_of: dict[int, list[int]] = {}

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        if value:
            banks = self.banks_of.get(getattr(value, "value", value), [])
            option["attrs"]["data-banks"] = " ".join(str(pk) for pk in banks)
        return option


class RuleForm(NumberRangeMessages, forms.Form):
    bank = forms.ModelChoiceField(label=gettext_lazy("question bank"), queryset=None, required=False)
    type = forms.ChoiceField(
        label=gettext_lazy("type"), choices=[("", gettext_lazy("any type")), *QuestionType.choices], required=False
    )
    tag = forms.ModelChoiceField(
        label=gettext_lazy("knowledge point"), queryset=Tag.objects.none(), required=False, widget=TagSelect
    )
    difficulty = forms.TypedChoiceField(
        label=gettext_lazy("difficulty"),
        choices=[("", gettext_lazy("any")), *DIFFICULTY_CHOICES],
        coerce=int,
        empty_value=None,
        required=False,
    )
    count = forms.IntegerField(label=gettext_lazy("questions to draw"), min_value=1, max_value=200, required=False)

    def __init__(self, *args, user, banks_of_tags: dict[int, list[int]] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        banks = banks_visible_to(user)
        self.fields["bank"].queryset = banks
        # Only the knowledge points of the banks this organiser may draw from, not every one on the site.
        banks_of = banks_of_tags if banks_of_tags is not None else tag_banks(banks)
        self.fields["tag"].queryset = Tag.objects.filter(pk__in=banks_of)
        self.fields["tag"].widget.banks_of = banks_of

    def clean(self):
        data = super().clean()
        if data.get("bank") and not data.get("count") and "count" not in self.errors:
            self.add_error("count", _("How many questions does this rule draw?"))
        bank, tag = data.get("bank"), data.get("tag")
        if bank and tag and bank.pk not in self.fields["tag"].widget.banks_of.get(tag.pk, []):
            self.add_error(
                "tag",
                _("No question of %(bank)s has the knowledge point %(tag)s: choose one of its own.")
                % {"bank": bank.display_name, "tag": tag.name},
            )
        return data


def tag_banks(banks) -> dict[int, list[int]]:
    """Each knowledge point used in `banks`, with the banks (ids) whose questions carry it."""
    banks_of: dict[int, list[int]] = {}
    pairs = Question.tags.through.objects.filter(question__bank__in=banks)
    for tag_id, bank_id in (
        pairs.values_list("tag_id", "question__bank_id").distinct().order_by("tag_id", "question__bank_id")
    ):
        banks_of.setdefault(tag_id, []).append(bank_id)
    return banks_of


RuleFormSet = forms.formset_factory(RuleForm, extra=2, max_num=12)


def _initial(contest: OnlineContest | None) -> tuple[dict, list[dict]]:
    if contest is None:
        now = timezone.localtime().replace(second=0, microsecond=0)
        return (
            {
                "opens_at": now,
                "closes_at": now + timezone.timedelta(days=7),
                "time_limit_min": 30,
                "max_attempts": 1,
                "grading": Paper.Grading.BEST,
                "shuffle": True,
                "results_shown": Paper.Review.AFTER_CLOSE,
            },
            [],
        )
    initial, rules = paper_initial(contest)
    paper = contest.paper
    initial |= {
        "question_time_s": paper.question_time_s,
        "max_attempts": paper.max_attempts,
        "grading": paper.grading,
        "keys_after_each_confirmed": paper.review == Paper.Review.AFTER_SUBMIT and paper.max_attempts != 1,
    }
    return initial, rules


def paper_initial(online: OnlineContest) -> tuple[dict, list[dict]]:
    """What the builder shows of an online contest's paper and its draw rules (online contests
    and relays share it; each adds its own settings)."""
    paper = online.paper
    return (
        {
            "title": paper.title,
            "title_en": paper.title_en,
            "unit": paper.unit,
            "description": paper.description,
            "description_en": paper.description_en,
            "opens_at": timezone.localtime(paper.opens_at),
            "closes_at": timezone.localtime(paper.closes_at),
            "audience": list(online.audience.all()),
            "party_members_only": online.party_members_only,
            "time_limit_min": (paper.time_limit_s or 0) // 60,
            "shuffle": paper.shuffle_questions,
            "results_shown": paper.review,
        },
        [
            {"bank": r.bank, "type": r.type, "tag": r.tag, "difficulty": r.difficulty, "count": r.count}
            for r in paper.rules.all()
        ],
    )


def paper_fields(data: dict) -> dict:
    """The builder's answers that online contests and relays store alike (`paper_initial` the
    other way round); each adds its own settings."""
    names = (
        "title",
        "title_en",
        "opens_at",
        "closes_at",
        "party_members_only",
        "description",
        "description_en",
        "results_shown",
    )
    return {name: data[name] for name in names} | {"audience": list(data["audience"])}


def draw_rules(rules) -> list[DrawRule]:
    """The draw rules of the builder's filled rows (a row without a bank adds none)."""
    return [
        DrawRule(bank=r["bank"], count=r["count"], type=r["type"], tag=r["tag"], difficulty=r["difficulty"])
        for r in rules.cleaned_data
        if r.get("bank")
    ]


def builder_forms(form_class, request, initial: dict, rules_initial: list[dict], *, created: bool, started: bool):
    """The builder's form and draw rows, bound to the request's data when it posts, with what can
    no longer change locked before they are validated: a browser does not send a disabled field,
    and a locked one takes what was saved whatever is posted."""
    data = request.POST if request.method == "POST" else None
    # Posted rows take the saved draw only when it is locked: a row cleared on purpose is empty.
    rows = rules_initial if data is None or started else None
    form = form_class(data, user=request.user, initial=initial)
    form.saved_closes_at = initial["closes_at"] if created else None
    form.started = started
    banks_of = tag_banks(banks_visible_to(request.user))  # once for every row
    rules = RuleFormSet(
        data, initial=rows, form_kwargs={"user": request.user, "banks_of_tags": banks_of}, prefix="rules"
    )
    builder_locked(form, rules, created=created, started=started)
    return form, rules


def builder_locked(form, rules, *, created: bool, started: bool) -> None:
    """A contest keeps its unit; once someone has started its paper, the paper's timing, settings
    and draw stay as they were (fields the form has: relays have no attempts or grading)."""
    if created:
        form.fields["unit"].disabled = True
    if started:
        for name in ("opens_at", "time_limit_min", "question_time_s", "max_attempts", "grading", "shuffle"):
            if name in form.fields:
                form.fields[name].disabled = True
        # What would change the results of those who took part, or show keys earlier than they
        # were told, is locked too (the service refuses it as well); adding units is not.
        form.fields["party_members_only"].disabled = True
        form.fields["party_members_only"].help_text = gettext_lazy(
            "Members have started: this stays as it is, since it decides whom each unit's participation counts."
        )
        form.fields["audience"].help_text = gettext_lazy(
            "Members have started: units may be added, not removed (their members' results stay in the contest)."
        )
        if form.initial.get("results_shown") == Paper.Review.AFTER_CLOSE:
            form.fields["results_shown"].disabled = True
            form.fields["results_shown"].help_text = gettext_lazy(
                "Members have started, told the keys come after the window closes: they cannot be shown earlier."
            )
        for rule in rules:
            for field in rule.fields.values():
                field.disabled = True


@login_required
def manage_list(request):
    access.check_manager(request.user)
    contests = selectors.contests_managed_by(request.user).order_by("-paper__opens_at")
    return render(request, "contests/online/manage_list.html", {"contests": contests, "now": timezone.now()})


@login_required
def contest_edit(request, contest_id: int | None = None):
    access.check_manager(request.user)
    contest = access_managed_contest(request.user, contest_id) if contest_id else None
    started = contest is not None and contest.paper.attempts.exists()
    initial, rules_initial = _initial(contest)
    form, rules = builder_forms(
        ContestForm, request, initial, rules_initial, created=contest is not None, started=started
    )
    if request.method == "POST" and form.is_valid() and rules.is_valid():
        draw, data = draw_rules(rules), form.cleaned_data
        fields = paper_fields(data)
        settings = {
            "max_attempts": data["max_attempts"],
            "grading": data["grading"],
            "time_limit_s": data["time_limit_min"] * 60,
            "shuffle": data["shuffle"],
            "question_time_s": data["question_time_s"] or 0,
        }
        try:
            if contest is None:
                contest = services.online_contest_create(
                    unit=data["unit"], rules=draw, by=request.user, **fields, **settings
                )
            elif started:
                services.online_contest_update(contest=contest, by=request.user, **fields)
            else:
                services.online_contest_update(contest=contest, by=request.user, rules=draw, **fields, **settings)
        except ContestSetupRejected as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Saved."))
            return redirect("contests:online_dashboard", contest_id=contest.pk)
    return render(
        request,
        "contests/online/edit.html",
        {"form": form, "rules": rules, "contest": contest, "started": started},
    )


@login_required
def dashboard(request, contest_id: int):
    contest = access_managed_contest(request.user, contest_id)
    parent = None
    if request.GET.get("unit", "").isdecimal():
        parent = get_object_or_404(Unit, pk=int(request.GET["unit"]))
        if not any(parent.path.startswith(u.path) for u in contest.audience.all()):
            raise PermissionDenied(_("That unit is not in this contest's audience."))
    rows = selectors.participation_by_unit(contest, parent=parent)
    order = request.GET.get("order", "newest")
    if order not in selectors.ATTEMPT_ORDERS:
        order = "newest"
    attempts = selectors.attempt_rows(contest, order=order)
    flag_pairs = review.flagged_pairs(contest)
    last_reminder = reminders.reminder_last(contest)
    return render(
        request,
        "contests/online/dashboard.html",
        {
            "contest": contest,
            "paper": contest.paper,
            "parent": parent,
            "units": rows,
            "attempts": attempts[:100],
            "order": order,
            "attempt_count": len(attempts),
            "flagged": [row for row in attempts if row.focus_lost or row.pastes or row.online.takeovers],
            "pairs": [row.pair for row in flag_pairs],
            "flag_pairs": flag_pairs,
            "flag_attempts": review.flagged_attempts(contest),
            "reminder_last": last_reminder,
            "reminder_next_at": reminders.reminder_next_allowed_at(contest),
            "reminder_interval_min": django_settings.ONLINE_REMINDER_INTERVAL_MIN,
            "not_started": reminders.members_not_started(contest).count(),
            "finals": contest.audit.filter(action="final_created").select_related("actor"),
            "audit": contest.audit.select_related("actor")[:20],
            "now": timezone.now(),
        },
    )


@login_required
def attempts_xlsx(request, contest_id: int):
    contest = access_managed_contest(request.user, contest_id)
    book = ExportWorkbook()
    sheet = book.sheet(_("Attempts"), widths=(14, 14, 24, 8, 16, 18, 18, 10, 8, 8, 10, 8, 10), frozen_rows=1)
    sheet.append(
        [
            _("Name"),
            _("Employee number"),
            _("Unit"),
            _("Attempt"),
            _("Status"),
            _("Started at"),
            _("Finished at"),
            _("Time used (s)"),
            _("Score"),
            _("Out of"),
            _("Left the page"),
            _("Pastes"),
            _("Device takeovers"),
        ],
        style="header",
    )
    for row in selectors.attempt_rows(contest):
        attempt = row.online.attempt
        sheet.append(
            [
                attempt.member.display_name,
                attempt.member.employee_no or "",
                attempt.unit_at_start.display_name if attempt.unit_at_start else "",
                attempt.number,
                str(attempt.get_status_display()),
                timezone.localtime(attempt.started_at).replace(tzinfo=None),
                timezone.localtime(attempt.finished_at).replace(tzinfo=None) if attempt.finished_at else None,
                row.duration_s,
                float(attempt.score) if not attempt.is_open else None,
                float(attempt.max_score),
                row.focus_lost,
                row.pastes,
                row.online.takeovers,
            ]
        )
    return xlsx_response(book.to_bytes(), contest.display_title, ascii_name=f"online-contest-{contest.pk}")


@login_required
@require_http_methods(["GET", "POST"])
def contest_delete(request, contest_id: int):
    """Delete an online contest no one has started, after a confirm page; a started one keeps its
    results."""
    contest = access_managed_contest(request.user, contest_id)
    return online_contest_delete_page(request, contest, back=reverse("contests:online_manage"))


def online_contest_delete_page(request, contest: OnlineContest, *, back: str):
    """The confirm page and the deletion of an online contest or of the relay it carries."""
    refusal = services.online_contest_delete_refusal(contest)
    title = contest.display_title
    if request.method == "POST" and not refusal:
        try:
            services.online_contest_delete(contest=contest)
        except ContestRejected as error:
            refusal = error.message
        else:
            messages.success(request, _("The contest “%(title)s” was deleted.") % {"title": title})
            return redirect(back)
    return render(
        request, "contests/setup/delete.html", {"title": title, "refusal": refusal, "back": back, "teams": None}
    )
