"""The wizard's forms. Plain forms: saving goes through `contests.wizard.services`."""

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from lessons.editor import DIFFICULTY_CHOICES
from lessons.models import QuestionType, Tag
from lessons.selectors import banks_visible_to
from orgs.forms import UnitChoiceField
from orgs.models import Unit
from quizsite.forms import NumberRangeMessages

from ..models import Contest, Round
from ..rounds import ROUND_SETTINGS, round_kind


class BasicsForm(NumberRangeMessages, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=120)
    title_en = Contest._meta.get_field("title_en").formfield()
    base_score = forms.IntegerField(
        label=_("Base score"),
        initial=100,
        min_value=0,
        max_value=10000,
        help_text=_("Every team starts with this score."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"] = UnitChoiceField(
            user=user,
            label=_("Organising unit"),
            help_text=_("Its organisers may host the contest."),
            empty_label=_("Choose a unit…"),
        )
        self.order_fields(["title", "title_en", "unit", "base_score"])


class TeamsFromUnitsForm(NumberRangeMessages, forms.Form):
    kind = forms.ChoiceField(
        label=_("One team per"),
        choices=Unit.Kind.choices,
        initial=Unit.Kind.BRANCH,
        help_text=_(
            "Party branches include the temporary ones, and a general Party branch that holds none (its members"
            " make its team)."
        ),
    )
    team_size = forms.IntegerField(
        label=_("Members per team"),
        initial=3,
        min_value=1,
        max_value=20,
        help_text=_("Taken by name from each unit's active members; change them afterwards."),
    )

    def __init__(self, *args, user, contest_unit: Unit, **kwargs):
        super().__init__(*args, **kwargs)
        # Only units inside the contest's own (`services.check_inside_contest`); any other posted
        # (another organ's, typed into the request) gets this field's refusal and changes nothing.
        outside = gettext("Choose a unit under %(unit)s, the unit this contest belongs to, from the list.") % {
            "unit": contest_unit.display_name
        }
        parent = UnitChoiceField(
            user=user,
            label=_("Under the unit"),
            empty_label=_("Choose a unit…"),
            error_messages={"invalid_choice": outside.replace("%", "%%")},
        )
        parent.queryset = parent.queryset.filter(path__startswith=contest_unit.path)
        self.fields["parent"] = parent
        self.order_fields(["kind", "parent", "team_size"])


class RosterForm(forms.Form):
    file = forms.FileField(label=_("Roster (.xlsx)"), widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}))


def _risk_tiers(text: str) -> tuple[int, ...]:
    parts = [p for p in text.replace("，", ",").replace("、", ",").replace(" ", ",").split(",") if p]
    if not parts or not all(p.isdecimal() for p in parts):
        raise forms.ValidationError(_("Write the stake values as whole numbers separated by commas, like 10, 20, 30."))
    return tuple(int(p) for p in parts)


class RoundForm(NumberRangeMessages, forms.Form):
    """A round from a template: its settings (the template's values, editable) and where its
    questions come from (drawn by a rule, or picked)."""

    SOURCES = [("draw", _("Draw at random by a rule")), ("pick", _("Pick the questions"))]

    type = forms.ChoiceField(choices=Round.Type.choices, widget=forms.HiddenInput)
    title = forms.CharField(label=_("Round title"), max_length=60, required=False)
    title_en = Round._meta.get_field("title_en").formfield(label=_("English round title"))
    points = forms.IntegerField(label=_("Points for a right answer"), min_value=0, max_value=1000)
    penalty = forms.IntegerField(label=_("Points off for a wrong answer"), min_value=0, max_value=1000)
    early_buzz_penalty = forms.IntegerField(
        label=_("Points off for buzzing early"), min_value=0, max_value=1000, required=False
    )
    time_limit_s = forms.IntegerField(label=_("Seconds per question"), min_value=5, max_value=600)
    risk_tiers = forms.CharField(label=_("Stake values"), required=False, help_text=_("For example 10, 20, 30."))
    teams_in_turn = forms.BooleanField(label=_("Each team answers its own questions in turn"), required=False)
    source = forms.ChoiceField(
        label=_("Where the questions come from"),
        choices=SOURCES,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        initial="draw",
    )
    question_type = forms.ChoiceField(
        label=_("Question type"), choices=[("", _("Any type")), *QuestionType.choices], required=False
    )
    difficulty = forms.TypedChoiceField(
        label=_("Difficulty"),
        choices=[("", _("Any difficulty")), *DIFFICULTY_CHOICES],
        coerce=int,
        empty_value=None,
        required=False,
    )
    tag = forms.ModelChoiceField(
        label=_("Knowledge point"), queryset=Tag.objects.all(), required=False, empty_label=_("Any knowledge point")
    )
    count = forms.IntegerField(label=_("Number of questions"), min_value=1, max_value=200, required=False)
    question = forms.TypedMultipleChoiceField(coerce=int, required=False, choices=())

    def __init__(self, *args, user, template, picks=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.template = template
        self.fields["bank"] = forms.ModelChoiceField(
            label=_("Question bank"), queryset=banks_visible_to(user).order_by("name"), required=False
        )
        self.fields["question"].choices = [(q.pk, q.pk) for q in picks]
        settings = round_kind(template.type).settings
        for name in ROUND_SETTINGS:
            if name not in settings:
                del self.fields[name]

    def clean_risk_tiers(self):
        return _risk_tiers(self.cleaned_data["risk_tiers"])

    def clean(self):
        data = super().clean()
        # A field that failed its own checks already says what is wrong with it.
        if data.get("source") == "draw" and not data.get("bank") and "bank" not in self.errors:
            self.add_error("bank", _("Choose the bank to draw from."))
        if data.get("source") == "draw" and not data.get("count") and "count" not in self.errors:
            self.add_error("count", _("A round needs at least one question."))
        if data.get("source") == "pick" and not data.get("question"):
            self.add_error("question", _("Tick the questions to ask."))
        return data


class DuplicateForm(forms.Form):
    title = forms.CharField(label=_("Title of the copy"), max_length=120)
    title_en = forms.CharField(
        label=_("English title of the copy"),
        max_length=120,
        required=False,
        help_text=_("Shown to people who use the site in English. Leave it empty to show the title as typed."),
    )
    with_teams = forms.BooleanField(label=_("Copy the teams and relay orders too"), required=False, initial=True)
