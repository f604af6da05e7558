"""Forms of the organiser's and members' pages. Plain forms: saving goes through `calls.services`."""

import json
from decimal import Decimal

from django import forms
from django.core import validators
from django.utils.html import escape
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from orgs.forms import UnitChoiceField, UnitsChoiceField
from orgs.models import Unit, User
from orgs.selectors import PEOPLE_BY_NAME, unit_paths
from quizsite.forms import NumberRangeMessages
from quizsite.naming import listed
from rankings.params import check_prize_tiers

from .files import types_listed
from .judges import (
    PICKER_INLINE_LIMIT,
    NoFreeJudge,
    candidate_rows,
    conflict_entries,
    conflict_judges,
    free_candidates,
    judge_candidates,
    panel_name_taken,
    panel_name_taken_message,
    unknown_member,
)
from .kinds import KINDS, EntryKind
from .models import JUDGES_PER_ENTRY_AT_LEAST_1, SUMMARY_MAX_CHARS, Call, CallField, Panel
from .services import RESULT_SETTINGS, entrants


def members_named(text: str, *, among=None) -> list[User]:
    """Members (of `among`, by default anyone) by employee number or user name, separated by
    commas (either width)."""
    among = User.objects.all() if among is None else among
    found = []
    for name in [part.strip() for part in text.replace("，", ",").split(",") if part.strip()]:
        user = among.filter(employee_no=name).first() or among.filter(username=name).first()
        if user is None:
            raise forms.ValidationError(unknown_member(name))
        found.append(user)
    return found


LOCAL_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class CallForm(NumberRangeMessages, forms.ModelForm):
    class Meta:
        model = Call
        fields = [
            "title",
            "title_en",
            "unit",
            "audience",
            "kind",
            "rules",
            "rules_en",
            "opens_at",
            "closes_at",
            "entries_per_member",
            "entries_per_unit",
            "file_types",
            "max_file_mb",
            "max_coauthors",
            "blind",
            "judges_per_entry",
            "drop_extremes_from",
            "normalise_per_judge",
            "spread_threshold",
            "prize_mode",
            "boundary_ties",
            "percent_rounding",
        ]
        widgets = {
            "opens_at": LOCAL_INPUT,
            "closes_at": LOCAL_INPUT,
            "rules": forms.Textarea(attrs={"rows": 4}),
            "rules_en": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, user, results_locked: str = "", **kwargs):
        """`results_locked`: why the prizes and scoring settings cannot change now
        (`services.results_settings_locked`); they are then shown, not taken from the post."""
        super().__init__(*args, **kwargs)
        self.results_locked = results_locked
        self.fields["unit"] = UnitChoiceField(user=user, label=_("owner unit"))
        self.fields["audience"] = UnitsChoiceField(
            user=user,
            label=Call._meta.get_field("audience").verbose_name,
            required=False,
            help_text=Call._meta.get_field("audience").help_text,
        )
        self.fields["audience"].widget.attrs["size"] = 6
        for name in ("opens_at", "closes_at"):
            self.fields[name].input_formats = ["%Y-%m-%dT%H:%M"]
            self.fields[name].help_text = _("Local time")
        # The kind's own limit is checked in clean(); this one keeps any number inside the column.
        largest = max(kind.largest_file_mb for kind in KINDS.values())
        self.fields["max_file_mb"].min_value = 1
        self.fields["max_file_mb"].max_value = largest
        self.fields["max_file_mb"].widget.attrs.update(min=1, max=largest)
        self.fields["max_file_mb"].validators[:] = [
            validators.MinValueValidator(1, message=_("A call must allow files of at least 1 MB.")),
            validators.MaxValueValidator(
                largest, message=_("No kind of entry can take a file larger than %(limit_value)s MB.")
            ),
        ]

        judges = self.fields["judges_per_entry"]
        judges.min_value = 1
        judges.widget.attrs["min"] = 1
        judges.validators[:] = [JUDGES_PER_ENTRY_AT_LEAST_1]
        if results_locked:
            for name in RESULT_SETTINGS:
                self.fields[name].disabled = True
                self.fields[name].help_text = _("Locked: the note at the top of the page says why.")

    def clean(self):
        data = super().clean()
        if self.results_locked:
            self._refuse_result_settings()
        if data.get("opens_at") and data.get("closes_at") and data["closes_at"] <= data["opens_at"]:
            self.add_error("closes_at", _("Submissions must close after they open."))
        kind = KINDS.get(data.get("kind"))
        if kind is not None:
            self._check_files(data, kind)
        return data

    def _refuse_result_settings(self) -> None:
        """A locked setting posted all the same (the page shows it without a box) is refused by
        name when it differs from the call's, rather than quietly kept."""
        for name in RESULT_SETTINGS:
            field = self.fields[name]
            if self.add_prefix(name) not in self.data:
                continue
            try:
                posted = field.clean(field.widget.value_from_datadict(self.data, self.files, self.add_prefix(name)))
            except forms.ValidationError:
                posted = None
            if posted != self.get_initial_for_field(field, name):
                self.add_error(name, self.results_locked)

    def _check_files(self, data, kind: EntryKind) -> None:
        """The file types and size must be ones the upload side accepts for this kind of entry."""
        kind_label = Call.Kind(data["kind"]).label
        typed = [part.strip().lower().lstrip(".") for part in data.get("file_types", "").split(",")]
        refused = [ext for ext in dict.fromkeys(typed) if ext and ext not in kind.extensions]
        if refused:
            self.add_error(
                "file_types",
                _("%(kind)s entries cannot be %(refused)s files; they take %(allowed)s.")
                % {
                    "kind": kind_label,
                    "refused": types_listed(refused),
                    "allowed": types_listed(kind.extensions),
                },
            )
        size = data.get("max_file_mb")
        if size is not None and size > kind.largest_file_mb:
            self.add_error(
                "max_file_mb",
                _("%(kind)s entries can be at most %(limit)s MB; the platform takes no larger file.")
                % {"kind": kind_label, "limit": kind.largest_file_mb},
            )


class LevelForm(NumberRangeMessages, forms.Form):
    unit_kind = forms.ChoiceField(label=_("reviewed by"), choices=[("", "—"), *Unit.Kind.choices], required=False)
    quota = forms.IntegerField(label=_("forwards at most"), min_value=1, max_value=999, required=False)


class CriterionForm(NumberRangeMessages, forms.Form):
    name = forms.CharField(label=_("criterion"), max_length=60, required=False)
    name_en = forms.CharField(label=_("English criterion name"), max_length=60, required=False)
    # Whole percentages, as rankings' composite weights are typed; kept as fractions (0.60).
    weight = forms.IntegerField(
        label=_("weight (%)"),
        min_value=1,
        max_value=100,
        required=False,
        error_messages={
            "invalid": _("A weight is a whole number of per cent, such as 60."),
            "min_value": _("A weight is at least %(limit_value)s %%."),
            "max_value": _("A weight is at most %(limit_value)s %%."),
        },
    )
    min_score = forms.DecimalField(label=_("lowest score"), max_digits=6, decimal_places=2, required=False)
    max_score = forms.DecimalField(label=_("highest score"), max_digits=6, decimal_places=2, required=False)

    MISSING = {
        "weight": _("Give the criterion a weight."),
        "min_score": _("Give the criterion a lowest score."),
        "max_score": _("Give the criterion a highest score."),
    }

    def clean(self):
        data = super().clean()
        if not data.get("name"):
            return data
        # A box left empty is named; one filled in but refused already says why (a weight of 0
        # or 101 is no missing weight).
        for name, message in self.MISSING.items():
            if data.get(name) is None and name not in self.errors:
                self.add_error(name, message)
        if data.get("min_score") is not None and data.get("max_score") is not None:
            if data["min_score"] >= data["max_score"]:
                raise forms.ValidationError(_("The highest score must be above the lowest."))
        return data


class TierForm(NumberRangeMessages, forms.Form):
    name = forms.CharField(label=_("prize"), max_length=40, required=False)
    name_en = forms.CharField(label=_("English prize name"), max_length=40, required=False)
    value = forms.DecimalField(
        label=_("count, percentage or lowest score"), min_value=0, max_digits=7, decimal_places=2, required=False
    )

    def clean(self):
        data = super().clean()
        if data.get("name") and not data.get("value"):
            raise forms.ValidationError(_("Give the prize a count, a percentage or a lowest score above zero."))
        return data


LevelFormSet = forms.formset_factory(LevelForm, extra=1)


class RubricFormSet(forms.BaseFormSet):
    def clean(self):
        named = [form.cleaned_data for form in self.forms if getattr(form, "cleaned_data", {}).get("name")]
        if not named:
            raise forms.ValidationError(_("A rubric needs at least one criterion."))
        # Said with the rows' own errors (a lowest score above the highest), not a save later;
        # only a weight missing or refused leaves no sum to speak of.
        if any(row.get("weight") is None for row in named):
            return
        total = sum(row["weight"] for row in named)
        if total != 100:
            raise forms.ValidationError(
                _("The weights add up to %(sum)s %%; they must add up to 100 %%.") % {"sum": total}
            )

    def rows(self) -> list[tuple[str, Decimal, Decimal, Decimal, str]]:
        """The named criteria as `call_settings_save` takes them, each weight as a fraction."""
        return [
            (row["name"], Decimal(row["weight"]) / 100, row["min_score"], row["max_score"], row["name_en"])
            for row in (form.cleaned_data for form in self.forms)
            if row.get("name")
        ]


CriterionFormSet = forms.formset_factory(CriterionForm, formset=RubricFormSet, extra=1)


class PrizeTierFormSet(forms.BaseFormSet):
    """The call's prize tiers, best first, checked together by rankings' tier rule
    (`rankings.params.check_prize_tiers`) under the call's prize mode `mode`: percentages adding up
    to more than 100 %, or score bands not from the highest down, are refused as a ranking rule's.
    No tier at all is a call without prizes."""

    def __init__(self, *args, mode: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.mode = mode

    def clean(self):
        if any(self.errors):
            return
        tiers = [
            {"name": row["name"], "value": row["value"]}
            for row in (form.cleaned_data for form in self.forms)
            if row.get("name")
        ]
        problem = check_prize_tiers(mode=self.mode, tiers=tiers) if tiers else None
        if problem:
            raise forms.ValidationError(problem)


TierFormSet = forms.formset_factory(TierForm, formset=PrizeTierFormSet, extra=1)


class EntryForm(forms.Form):
    title = forms.CharField(label=_("title"), max_length=120)
    summary = forms.CharField(
        label=_("summary"),
        required=False,
        max_length=SUMMARY_MAX_CHARS,
        # data-counter: app.js shows "characters typed / the most" under it as the member types.
        widget=forms.Textarea(attrs={"rows": 3, "data-counter": ""}),
    )
    coauthors = forms.CharField(
        label=_("co-authors"),
        required=False,
        help_text=_("Employee numbers or user names, separated by commas."),
    )

    def __init__(self, *args, call: Call, author: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.call, self.author = call, author
        if not call.max_coauthors:  # a call for single authors asks for none
            del self.fields["coauthors"]

    def clean_coauthors(self) -> list[User]:
        # Looked up among the call's entrants only: one message for an unknown name and for
        # someone elsewhere, so an author cannot probe other units' accounts.
        coauthors = members_named(self.cleaned_data["coauthors"], among=entrants(self.call))
        if any(user.pk == self.author.pk for user in coauthors):
            raise forms.ValidationError(_("You cannot name yourself as a co-author."))
        return coauthors


class FileForm(forms.Form):
    file = forms.FileField(label=_("File"))


class ReasonForm(forms.Form):
    note = forms.CharField(label=_("Recommendation or reason"), max_length=300)


class ReopenForm(forms.Form):
    until = forms.DateTimeField(label=_("open until"), widget=LOCAL_INPUT, input_formats=["%Y-%m-%dT%H:%M"])
    reason = forms.CharField(label=_("reason"), max_length=300)


class PickerOptions:
    """A plain select (it works without JavaScript) whose options carry what the searchable
    picker (static/js/judge_picker.js) shows and searches: each row's name, unit and a detail
    (an account's employee number or user name, an entry's authors). `rows` are
    `judges.candidate_rows` of the accounts listed, or `entry_rows`; with `search_url` the
    picker asks there for the others."""

    def __init__(self, *, rows: list[dict], search_url: str = "", attrs=None):
        super().__init__(attrs={"data-judge-picker": "", **(attrs or {})})
        self.rows = {row["id"]: row for row in rows}
        self.listed = [(row["id"], self.label(row)) for row in rows]
        if search_url:
            self.attrs["data-search-url"] = search_url

    @staticmethod
    def label(row: dict) -> str:
        detail = row.get("detail") or row.get("employee_no") or row.get("username")
        return " · ".join(part for part in (row["name"], row["unit"], detail) if part)

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        row = self.rows.get(int(str(value))) if str(value).isdecimal() else None
        if row is not None:
            option["attrs"]["data-data"] = json.dumps(row, ensure_ascii=False)
        return option


class JudgePicker(PickerOptions, forms.SelectMultiple):
    """Several accounts (a panel's judges) or entries."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.attrs.setdefault("size", 8)


class JudgeChoice(PickerOptions, forms.Select):
    """One account (the judge of a conflict)."""


def entry_rows(entries) -> list[dict]:
    """For the picker: each entry's id, title, unit path and authors."""
    entries = list(entries)
    paths = unit_paths(list({entry.unit for entry in entries}))
    return [
        {
            "id": entry.pk,
            "name": entry.title,
            "unit": paths[entry.unit_id],
            "detail": listed(
                author.display_name for author in [entry.author, *sorted(entry.coauthors.all(), key=lambda u: u.pk)]
            ),
        }
        for entry in entries
    ]


class JudgesField(forms.ModelMultipleChoiceField):
    """Judges picked by id, each among the candidates; an id outside them gets the answer an
    unknown name gets, so a posted id reveals no more than a typed name."""

    def _check_values(self, value):
        try:
            return super()._check_values(value)
        except forms.ValidationError as error:
            if error.code not in ("invalid_choice", "invalid_pk_value"):
                raise
            params = error.params or {}
            raise forms.ValidationError(unknown_member(str(params.get("value", params.get("pk", ""))))) from None


class JudgeField(forms.ModelChoiceField):
    """One judge picked by id among the given accounts; an id outside them gets the answer an
    unknown name gets, as `JudgesField`."""

    def to_python(self, value):
        try:
            return super().to_python(value)
        except forms.ValidationError as error:
            if error.code != "invalid_choice":
                raise
            raise forms.ValidationError(unknown_member(str(value))) from None


class EntriesField(forms.ModelMultipleChoiceField):
    """Entries picked by id among the call's; anything else is one clear answer."""

    default_error_messages = {
        "invalid_choice": _("Pick the entries from the list of this call's entries."),
        "invalid_pk_value": _("Pick the entries from the list of this call's entries."),
        "required": _("Pick at least one entry."),
    }


class ConflictForm(forms.Form):
    """An organiser's conflict of interest: one of the call's panel judges may not score the
    entries picked (`judges.conflict_judges`, `judges.conflict_entries`)."""

    reason = forms.CharField(
        label=_("reason"), max_length=300, error_messages={"required": _("Say what the conflict is.")}
    )

    def __init__(self, *args, call: Call, **kwargs):
        super().__init__(*args, **kwargs)
        self.prefix = self.prefix or "conflict"
        panel_judges = conflict_judges(call).select_related("unit").order_by("unit__path", *PEOPLE_BY_NAME)
        entries = (
            conflict_entries(call)
            .select_related("unit", "author")
            .prefetch_related("coauthors")
            .order_by("unit__path", "title", "pk")
        )
        judge_rows = candidate_rows(panel_judges)
        self.fields["judge"] = JudgeField(
            label=_("Judge"),
            queryset=panel_judges,
            empty_label="",
            widget=JudgeChoice(rows=judge_rows),
            help_text=_("A judge of this call's panels."),
            error_messages={"required": _("Pick the judge.")},
        )
        self.fields["judge"].widget.choices = [("", ""), *self.fields["judge"].widget.listed]
        self.fields["entries"] = EntriesField(
            label=_("entries concerned"),
            queryset=entries,
            widget=JudgePicker(rows=entry_rows(entries)),
            help_text=_("Type part of a title, unit or author; pick every entry the judge must not score."),
        )
        self.fields["entries"].widget.choices = self.fields["entries"].widget.listed
        self.fields["judge"].widget.attrs |= {
            "data-placeholder": _("Find a judge…"),
            "data-no-results": _("No judge of this call's panels by that name."),
        }
        self.fields["entries"].widget.attrs |= {
            "data-placeholder": _("Find entries…"),
            "data-no-results": _("No entry of this call matches."),
            "data-remove-title": _("Remove"),
        }
        # The reason last, as it is read: who, which entries, why.
        self.order_fields(["judge", "entries", "reason"])


class EntryJudgeForm(forms.Form):
    """A judge to put on a panel for an entry that every judge of the panel has a conflict with
    (`judges.entry_judge_add`), picked among the candidates free of conflicts with the entry."""

    def __init__(self, *args, call: Call, user: User, item: NoFreeJudge, search_url: str = "", **kwargs):
        kwargs.setdefault("prefix", f"judge-for-{item.entry.pk}")
        kwargs.setdefault("initial", {"panel": item.panels[0].pk})
        super().__init__(*args, **kwargs)
        self.item = item
        free = User.objects.filter(pk__in=free_candidates(call, user, item.entry).values("pk")).select_related("unit")
        inline = free.count() <= PICKER_INLINE_LIMIT
        listed = free.order_by("unit__path", *PEOPLE_BY_NAME) if inline else free.none()
        self.fields["panel"] = forms.ModelChoiceField(
            label=_("panel"),
            queryset=Panel.objects.filter(pk__in=[panel.pk for panel in item.panels]),
            empty_label=None,
            widget=forms.HiddenInput if len(item.panels) == 1 else forms.Select,
        )
        self.fields["judge"] = JudgeField(
            label=_("Judge"),
            queryset=free,
            empty_label="",
            widget=JudgeChoice(rows=candidate_rows(listed), search_url="" if inline else search_url),
            help_text=_("Only judges free of conflicts with this entry are listed."),
            error_messages={"required": _("Pick the judge.")},
        )
        self.fields["judge"].widget.choices = [("", ""), *self.fields["judge"].widget.listed]
        self.fields["judge"].widget.attrs |= {
            "data-placeholder": _("Find a judge…"),
            "data-no-results": _("No one free of conflicts with this entry by that name."),
        }


class PanelForm(forms.Form):
    """A panel's name and judges, picked among `judges.judge_candidates` (and the panel's own)."""

    name = forms.CharField(label=_("panel"), max_length=60)
    name_en = forms.CharField(
        label=Panel._meta.get_field("name_en").verbose_name,
        max_length=60,
        required=False,
        help_text=Panel._meta.get_field("name_en").help_text,
    )

    def __init__(self, *args, call: Call, user: User, panel: Panel | None = None, search_url: str = "", **kwargs):
        if panel is not None:
            kwargs.setdefault(
                "initial",
                {
                    "name": panel.name,
                    "name_en": panel.name_en,
                    "judges": list(panel.judges.values_list("pk", flat=True)),
                },
            )
        super().__init__(*args, **kwargs)
        allowed = judge_candidates(call, user)
        if panel is not None:
            allowed = allowed | User.objects.filter(judging_panels=panel)
        allowed = User.objects.filter(pk__in=allowed.values("pk")).select_related("unit")
        ordered = allowed.order_by("unit__path", *PEOPLE_BY_NAME)
        self.inline = allowed.count() <= PICKER_INLINE_LIMIT
        if self.inline:
            listed = ordered
        else:
            # The panel's judges and those posted back: the picker fetches the rest as it is typed.
            shown = [str(pk) for pk in (self.data.getlist(self.add_prefix("judges")) if self.is_bound else [])]
            shown += [str(pk) for pk in self.initial.get("judges", [])]
            listed = ordered.filter(pk__in=[pk for pk in shown if pk.isdecimal()])
        self.fields["judges"] = JudgesField(
            label=_("judges"),
            queryset=allowed,
            required=False,
            widget=JudgePicker(rows=candidate_rows(listed), search_url="" if self.inline else search_url),
            help_text=_("Type part of a name, unit or employee number to find a judge."),
        )
        # The field lists its whole queryset in its widget: the picker lists `listed` only.
        self.fields["judges"].widget.choices = self.fields["judges"].widget.listed
        self.fields["judges"].widget.attrs |= {
            "data-placeholder": _("Find a judge…"),
            "data-no-results": _("No one by that name in the units you manage."),
            "data-remove-title": _("Remove"),
        }
        if not self.inline:
            self.fields["judges_named"] = forms.CharField(
                label=_("or name them"),
                required=False,
                help_text=_("Employee numbers or user names, separated by commas."),
            )
        self.allowed = allowed
        self.call, self.panel = call, panel

    def clean_name(self):
        name = self.cleaned_data["name"]
        if panel_name_taken(self.call, name, panel=self.panel):
            raise forms.ValidationError(panel_name_taken_message(name))
        return name

    def clean(self):
        data = super().clean()
        picked = list(data.get("judges") or [])
        if data.get("judges_named"):
            try:
                picked += members_named(data["judges_named"], among=self.allowed)
            except forms.ValidationError as error:
                self.add_error("judges_named", error)
                return data
        if "judges" in data and not picked and not self.errors:
            self.add_error("judges", _("Pick at least one judge."))
        data["judges"] = list(dict.fromkeys(picked))
        return data


class LibraryForm(forms.Form):
    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["audience"] = UnitsChoiceField(
            user=user,
            label=_("Who may watch"),
            required=False,
            help_text=_("Units whose subtrees may watch. Empty: the call's unit and its subtree."),
        )
        self.fields["audience"].widget.attrs["size"] = 5


class FieldForm(forms.Form):
    label = forms.CharField(label=pgettext_lazy("entry form", "question"), max_length=80, required=False)
    kind = forms.ChoiceField(label=_("answer"), choices=CallField.Kind.choices, required=False)
    choices = forms.CharField(label=_("choices"), max_length=300, required=False)
    required = forms.BooleanField(label=pgettext_lazy("entry form", "required"), required=False)
    identifying = forms.BooleanField(label=_("identifying"), required=False)

    def clean(self):
        data = super().clean()
        if data.get("label") and data.get("kind") == CallField.Kind.CHOICE:
            options = [part for part in data.get("choices", "").replace("，", ",").split(",") if part.strip()]
            if len(options) < 2:
                raise forms.ValidationError(_("A choice needs at least two options, separated by commas."))
        return data


FieldFormSet = forms.formset_factory(FieldForm, extra=1)


class AnswersForm(forms.Form):
    """The call's own questions on the entry page. The service checks the answers; the form only
    shows them with the right input."""

    def __init__(self, *args, call: Call, answers: dict, **kwargs):
        super().__init__(*args, **kwargs)
        for field in call.fields.all():
            name = f"field-{field.pk}"
            label = field.label + (" *" if field.required else "")
            current = answers.get(field.pk)
            if field.kind == CallField.Kind.CHOICE:
                choices = [("", "—"), *((option, option) for option in field.options)]
                self.fields[name] = forms.ChoiceField(label=label, choices=choices, required=False)
            elif field.kind == CallField.Kind.NUMBER:
                self.fields[name] = forms.CharField(
                    label=label, required=False, widget=forms.TextInput(attrs={"inputmode": "decimal"})
                )
            elif field.kind == CallField.Kind.FILE:
                # Help texts are written as HTML (Django's password rules are), and the name is the member's.
                help_text = ""
                if current and current.path:
                    help_text = _("Now: %(name)s") % {"name": escape(current.original_name)}
                self.fields[name] = forms.FileField(label=label, required=False, help_text=help_text)
            else:
                self.fields[name] = forms.CharField(
                    label=label, required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
                )
            if current is not None and field.kind != CallField.Kind.FILE:
                self.initial[name] = current.value
            self.fields[name].field_id = field.pk
