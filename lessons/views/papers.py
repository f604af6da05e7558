"""The paper builder: settings by mode, questions picked from banks or drawn by rules, preview."""

import random
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from orgs import access
from orgs.forms import UnitChoiceField
from quizsite.forms import NumberRangeMessages
from quizsite.templatetags.ui import tag_list

from .. import selectors
from ..draws import DrawRule, draw_problems, mixed_points, rule_rooms
from ..editor import DIFFICULTY_CHOICES, DIFFICULTY_LABELS, difficulty_label
from ..models import Paper, Question, QuestionType, Tag
from ..models.questions import OPTION_LETTERS
from ..models.quizzes import DEFAULT_POINTS
from ..presenters import for_page
from ..services import papers as paper_services
from ..services.attempts import _draw

# Which settings apply to which mode; the page shows only those (static/js/paper_builder.js).
MODE_FIELDS = {
    "time_limit_minutes": ("exam",),
    "pass_mark": ("exam",),
    "question_time_s": ("challenge",),
    "max_attempts": ("practice", "exam", "challenge"),
    "grading": ("practice", "exam", "challenge"),
    "review": ("exam",),
    "multiple_scoring": ("practice", "daily", "exam"),
    "fill_blank_scoring": ("practice", "daily", "exam"),
}
LOCAL_INPUT = "%Y-%m-%dT%H:%M"


class PaperSettingsForm(NumberRangeMessages, forms.ModelForm):
    time_limit_minutes = forms.IntegerField(
        label=gettext_lazy("Time limit (minutes)"), min_value=1, max_value=24 * 60, required=False
    )

    class Meta:
        model = Paper
        fields = [
            "title",
            "title_en",
            "unit",
            "mode",
            "status",
            "description",
            "description_en",
            "question_time_s",
            "pass_mark",
            "max_attempts",
            "grading",
            "review",
            "shuffle_questions",
            "shuffle_options",
            "multiple_scoring",
            "fill_blank_scoring",
            "opens_at",
            "closes_at",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 2}),
            "description_en": forms.Textarea(attrs={"rows": 2}),
            "opens_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_INPUT),
            "closes_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_INPUT),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"] = UnitChoiceField(user=user, label=gettext_lazy("Unit"))
        self.order_fields(
            ["title", "title_en", "unit", "mode", "status", "description", "description_en", "time_limit_minutes"]
        )
        self.fields["pass_mark"].validators.append(_percent)
        self.fields["pass_mark"].widget.attrs.update(min=0, max=100)
        if self.instance.pk is None:
            roots = access.managed_root_units(user)
            if roots:
                self.initial["unit"] = roots[0].pk
        elif self.instance.time_limit_s:
            self.fields["time_limit_minutes"].initial = self.instance.time_limit_s // 60
        for question_type, label in QuestionType.choices:
            self.fields[f"points_{question_type}"] = forms.IntegerField(
                label=label,
                min_value=0,
                max_value=100,
                initial=self.instance.points_per_type.get(question_type, DEFAULT_POINTS[question_type]),
            )

    def clean(self):
        data = super().clean()
        if data.get("opens_at") and data.get("closes_at") and data["closes_at"] <= data["opens_at"]:
            self.add_error("closes_at", _("The paper must close after it opens."))
        return data

    def save(self, commit=False):
        paper = super().save(commit=False)
        minutes = self.cleaned_data.get("time_limit_minutes")
        paper.time_limit_s = minutes * 60 if minutes and paper.mode == Paper.Mode.EXAM else None
        if paper.mode != Paper.Mode.CHALLENGE:
            paper.question_time_s = None
        paper.points_per_type = {t: self.cleaned_data[f"points_{t}"] for t in QuestionType.values}
        return paper


def _percent(value):
    if value is not None and value > 100:
        raise forms.ValidationError(_("A pass mark is a percentage, 0 to 100."))


def access_paper(user, paper_id: int) -> Paper:
    paper = get_object_or_404(Paper.objects.select_related("unit"), pk=paper_id)
    if not access.can_manage_unit(user, paper.unit):
        access.refuse(user, paper, paper.unit, _("This paper belongs to a unit outside the units you manage."))
    return paper


@dataclass(frozen=True)
class OwningContest:
    """The online contest (or the team relay around it) whose paper this is, and its organiser
    pages. Such a paper changes only through the contest's own form, which checks what members
    have started and logs the change."""

    kind: str
    page_url: str
    edit_url: str
    delete_url: str


def owning_contest(paper: Paper) -> OwningContest | None:
    """None for an ordinary paper. Select `online_contest__relay` with a list of papers."""
    online = getattr(paper, "online_contest", None)
    if online is None:
        return None
    relay = getattr(online, "relay", None)
    if relay is not None:
        return OwningContest(
            kind=_("Relay"),
            page_url=reverse("contests:relay_map", args=[relay.pk]),
            edit_url=reverse("contests:relay_edit", args=[relay.pk]),
            delete_url=reverse("contests:relay_delete", args=[relay.pk]),
        )
    return OwningContest(
        kind=_("Online contest"),
        page_url=reverse("contests:online_dashboard", args=[online.pk]),
        edit_url=reverse("contests:online_edit", args=[online.pk]),
        delete_url=reverse("contests:online_delete", args=[online.pk]),
    )


def _int(value, default=None):
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _posted_questions(data, banks) -> list[paper_services.PickedQuestion]:
    ids = [i for i in (_int(v) for v in data.getlist("question")) if i is not None]
    found = {q.pk: q for q in Question.objects.filter(pk__in=ids, bank__in=banks).select_related("current")}
    picked = []
    for question_id in dict.fromkeys(ids):
        if question_id in found:
            points = _int(data.get(f"points_{question_id}"))
            picked.append(paper_services.PickedQuestion(found[question_id], points if points and points > 0 else None))
    return picked


def _posted_rules(data, banks) -> list[DrawRule]:
    columns = [data.getlist(f"rule_{name}") for name in ("bank", "type", "tag", "difficulty", "count")]
    banks_by_pk = {b.pk: b for b in banks}
    rules = []
    for bank_id, question_type, tag_name, difficulty, count in zip(*columns, strict=False):
        bank = banks_by_pk.get(_int(bank_id))
        if bank is None:
            continue
        tag = Tag.objects.filter(name=tag_name.strip()).first() if tag_name.strip() else None
        rules.append(
            DrawRule(
                bank=bank,
                count=_int(count, 0),
                type=question_type if question_type in QuestionType.values else "",
                tag=tag,
                difficulty=_int(difficulty) if _int(difficulty) in DIFFICULTY_LABELS else None,
                # kept as typed when no knowledge point has it: the save names it, the form keeps it
                tag_name="" if tag else tag_name.strip(),
            )
        )
    return rules


def _picked_rows(picked: list[paper_services.PickedQuestion], points_per_type: dict) -> list[dict]:
    return [
        {
            "id": item.question.pk,
            "stem": item.question.current.stem_text,
            "type": item.question.current.get_type_display(),
            "points": item.points or "",
            "retired": item.question.status == Question.Status.RETIRED,
            "default_points": points_per_type.get(
                item.question.current.type, DEFAULT_POINTS[item.question.current.type]
            ),
        }
        for item in picked
    ]


@login_required
@require_http_methods(["GET", "POST"])
def paper_builder(request, paper_id: int | None = None):
    """Create or change a paper: its settings, the questions picked and the draw rules."""
    access.check_manager(request.user)
    paper = access_paper(request.user, paper_id) if paper_id else Paper(mode=Paper.Mode.EXAM)
    contest = owning_contest(paper) if paper.pk else None
    if contest is not None:
        messages.warning(
            request,
            _(
                "“%(title)s” belongs to a contest (%(kind)s): its paper changes here, in the contest's own "
                "settings, which keep fixed what members have already started."
            )
            % {"title": paper.display_title, "kind": contest.kind},
        )
        return redirect(contest.edit_url)
    banks = selectors.banks_visible_to(request.user).select_related("unit").order_by("name")
    form = PaperSettingsForm(request.POST or None, instance=paper, user=request.user)
    errors: dict[str, str] = {}
    if request.method == "POST":
        picked = _posted_questions(request.POST, banks)
        rules = _posted_rules(request.POST, banks)
        if form.is_valid():
            try:
                paper = paper_services.paper_save(paper=form.save(), picked=picked, rules=rules, by=request.user)
            except paper_services.PaperInvalid as invalid:
                errors = invalid.errors
            else:
                messages.success(request, _("Paper saved."))
                # Allowed on a practice paper, but said plainly: its papers are not out of one total.
                for warning in mixed_points(rules, paper.points_for).values():
                    messages.warning(request, warning)
                if request.POST.get("then") == "preview":
                    return redirect("lessons:paper_preview", paper_id=paper.pk)
                return redirect("lessons:paper_edit", paper_id=paper.pk)
    else:
        picked = (
            [
                paper_services.PickedQuestion(pq.question, pq.points)
                for pq in paper.fixed_questions.select_related("question__current")
            ]
            if paper.pk
            else []
        )
        rules = (
            [
                DrawRule(bank=r.bank, count=r.count, type=r.type, tag=r.tag, difficulty=r.difficulty)
                for r in paper.rules.select_related("bank", "tag")
            ]
            if paper.pk
            else []
        )
    picked_rows = _picked_rows(picked, paper.points_per_type or DEFAULT_POINTS)
    return render(
        request,
        "lessons/paper_builder.html",
        {
            "paper": paper if paper.pk else None,
            "form": form,
            "points_fields": [form[f"points_{question_type}"] for question_type in QuestionType.values],
            "errors": errors,
            "picked": picked_rows,
            "picked_retired": any(row["retired"] for row in picked_rows),
            "rules": rules,
            "banks": banks,
            "types": QuestionType.choices,
            "difficulties": DIFFICULTY_CHOICES,
            "known_tags": Tag.objects.order_by("name").values_list("name", flat=True)[:500],
            "mode_fields": MODE_FIELDS,
        },
    )


def _banks_for(request):
    banks = selectors.banks_visible_to(request.user)
    bank_id = _int(request.GET.get("bank"))
    return banks.filter(pk=bank_id) if bank_id else banks


@login_required
@require_GET
def paper_candidates(request):
    """The picker's search: published questions of the banks the user sees, 30 at a time."""
    access.check_manager(request.user)
    questions = paper_services.question_candidates(
        banks=_banks_for(request),
        text=request.GET.get("q", "").strip(),
        type=request.GET.get("type", "") if request.GET.get("type") in QuestionType.values else "",
        difficulty=_int(request.GET.get("difficulty")),
        tag=request.GET.get("tag", "").strip(),
        never_used=request.GET.get("unused") == "1",
    )
    total = questions.count()
    return JsonResponse(
        {
            "total": total,
            "questions": [
                {
                    "id": q.pk,
                    "stem": q.current.stem_text[:120],
                    "type": q.current.type,
                    "type_label": q.current.get_type_display(),
                    "difficulty": q.current.difficulty,
                    "difficulty_label": difficulty_label(q.current.difficulty),
                    "bank": q.bank.display_name,
                    "tags": [t.name for t in q.tags.all()],
                    "tags_text": tag_list(q.tags.all()),
                    "times_answered": q.times_answered,
                    "times_blank": q.times_blank,
                    "right_percent": round(100 * q.right_share) if q.right_share is not None else None,
                }
                for q in questions[:30]
            ],
        }
    )


@login_required
@require_GET
def paper_rule_count(request):
    """What each draw rule of the builder, as the organiser sets it, can count on in every draw:
    the questions it matches, less those picked for every paper and those earlier rules may take.
    Takes the builder's own field names (its picked questions and rule rows)."""
    access.check_manager(request.user)
    banks = selectors.banks_visible_to(request.user)
    picked = _posted_questions(request.GET, banks)
    rules = _posted_rules(request.GET, banks)
    rooms = rule_rooms(rules, fixed=[item.question.pk for item in picked])
    return JsonResponse(
        {
            "rules": [
                {"matching": room.matching, "available": room.available, "count": rule.count}
                for rule, room in zip(rules, rooms, strict=True)
            ]
        }
    )


@login_required
def paper_preview(request, paper_id: int):
    """The paper as a member would get it: one draw of its questions, no keys, with its settings."""
    paper = access_paper(request.user, paper_id)
    versions = _draw(paper, random.Random())  # noqa: S311  (a sample draw, not security)
    fixed_points = dict(paper.fixed_questions.filter(points__isnull=False).values_list("question_id", "points"))
    # An exam keeps a question retired since it was set: marked, as the paper editor marks it.
    retired = set(
        Question.objects.filter(
            pk__in=[version.question_id for version in versions], status=Question.Status.RETIRED
        ).values_list("pk", flat=True)
    )
    items = []
    for position, version in enumerate(versions, start=1):
        points = fixed_points.get(version.question_id) or paper.points_for(version.type)
        items.append(
            {
                "position": position,
                "type": version.type,
                "stem": version.stem,
                "options": [
                    {"letter": letter, "text": text}
                    for letter, text in zip(OPTION_LETTERS, version.options, strict=False)
                ],
                "blanks": len(version.key) if version.type == QuestionType.FILL_BLANK else 0,
                "points": str(points),
                "answered": False,
                "saved_response": None,
                "image_url": reverse("lessons:question_image", args=[version.pk]) if version.image else "",
                "retired": version.question_id in retired,
            }
        )
    payload = for_page({"items": items})
    return render(
        request,
        "lessons/paper_preview.html",
        {
            "paper": paper,
            "contest": owning_contest(paper),
            "items": payload["items"],
            "total_points": sum(int(item["points"]) for item in items),
            "drawn": paper.rules.exists(),
            "draw_problems": list(
                draw_problems(
                    list(paper.rules.select_related("bank", "tag")),
                    fixed=paper.fixed_questions.values_list("question_id", flat=True),
                ).values()
            ),
            "time_limit_minutes": (paper.time_limit_s or 0) // 60,
            "points_warnings": list(
                mixed_points(list(paper.rules.select_related("bank", "tag")), paper.points_for).values()
            ),
        },
    )
