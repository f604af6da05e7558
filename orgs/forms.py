import json
from datetime import datetime

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from quizsite.forms import LOCAL_DAY_ATTRS, check_local_day
from quizsite.naming import visible_text

from . import access
from .models import UNIT_KINDS_HOLDING_NONE, Activity, Role, Unit, User, phone_validator
from .moves import moved_at, moved_before_placement, moved_on_to_come_problem
from .selectors import unit_labels, unit_paths
from .signin import DEACTIVATED_MESSAGE, deactivated_with_right_password


class OpenUnitSelect(forms.Select):
    """A unit list without the units that have closed (closed by someone, or their end date has
    passed: `Unit.is_open_for_new`) or that are not offered for another reason (a party branch as
    a parent), except the one already chosen: a paper or member of a closed unit still shows, and
    saves, its unit."""

    def __init__(self, *args, hidden_ids: frozenset[str] = frozenset(), **kwargs):
        super().__init__(*args, **kwargs)
        self.hidden_ids = hidden_ids

    def optgroups(self, name, value, attrs=None):
        chosen = {str(v) for v in value}
        return [
            (group, [o for o in options if str(o["value"]) not in self.hidden_ids or str(o["value"]) in chosen], index)
            for group, options, index in super().optgroups(name, value, attrs)
        ]


def unit_picker_attrs(search: dict[int, str]) -> dict[str, str]:
    """A unit list's attributes that make it searchable (static/js/unit_picker.js, which base.html
    loads on every page): among hundreds of units typing finds one by any name on its path, as
    typed, in English or in pinyin (`search`, from `selectors.unit_labels`, by unit id); a
    browser without JavaScript keeps the plain list."""
    return {
        "data-unit-picker": "",
        "data-remove-title": _("Remove"),
        "data-placeholder": _("Type to find a unit"),
        "data-no-results": _("No unit by that name among those you may choose."),
        "data-unit-search": unit_search_json(search),
    }


def unit_search_json(search: dict[int, str]) -> str:
    """What typing searches for each unit, as the unit picker reads it from its list's
    `data-unit-search`: {"<id>": "第一党支部 First Party Branch diyidangzhibu dydzb ..."}."""
    return json.dumps({str(pk): text for pk, text in search.items()}, ensure_ascii=False)


class UnitChoiceField(forms.ModelChoiceField):
    """Units shown by full path, limited to what the user manages; closed units are not offered
    for new choices (see `OpenUnitSelect`) and are refused if posted anyway, except the form's
    initial unit (a paper or member of a closed unit still saves its unit). The refusal names the
    unit and the day it closed or ended, as the services' (`unit_closed_problem`).
    `parents_only`: a unit that holds no units (a party branch) is not offered either; the
    services refuse one posted anyway (`check_unit_under`), naming both units. `offered`: a
    further test a unit must pass to be offered (a moved unit's possible parents). A unit posted
    that is not offered (another organ's, or none at all) is refused as outside the user's units."""

    default_error_messages = {"invalid_choice": _("This unit is outside the units you manage.")}

    def __init__(self, *, user, parents_only: bool = False, offered=None, **kwargs):
        units = list(access.managed_units(user).order_by("path"))
        labels = unit_labels(units)
        self._paths = labels.paths
        today = timezone.localdate()
        hidden = frozenset(
            str(u.pk)
            for u in units
            if not u.is_open_for_new(today)
            or (parents_only and u.kind in UNIT_KINDS_HOLDING_NONE)
            or (offered is not None and not offered(u))
        )
        # Whether any unit is offered at all: none leaves only the empty choice.
        self.offers_any = len(units) > len(hidden)
        self._hidden = hidden
        kwargs.setdefault("widget", OpenUnitSelect(hidden_ids=hidden))
        super().__init__(queryset=access.managed_units(user).order_by("path"), **kwargs)
        self._search = labels.search
        self.widget.attrs.update(unit_picker_attrs(self._offered_search()))
        self.search_json = self.widget.attrs["data-unit-search"]
        self._kept = None

    def _offered_search(self, kept: str | None = None) -> dict[int, str]:
        """The words to search of the units offered (and of the form's own unit, `kept`)."""
        return {pk: text for pk, text in self._search.items() if str(pk) not in self._hidden or str(pk) == kept}

    def offered_choices(self) -> list[tuple]:
        """The choices a form writing its own list offers (the member list's bulk bar, a
        member's "Grant a role"), as `OpenUnitSelect` offers them: no closed unit, which the field
        refuses (those forms have no unit of their own to keep)."""
        return [(value, label) for value, label in self.choices if str(value) not in self._hidden]

    def get_bound_field(self, form, field_name):
        # The form's initial unit is the one a closed unit may keep; the form is only known here.
        # Each form has its own deep copy of the field, so this does not leak between forms.
        initial = form.get_initial_for_field(self, field_name)
        self._kept = str(getattr(initial, "pk", initial)) if initial not in (None, "") else None
        if self._kept is not None:
            self.widget.attrs["data-unit-search"] = unit_search_json(self._offered_search(self._kept))
        return super().get_bound_field(form, field_name)

    def validate(self, value):
        super().validate(value)
        from .services import unit_closed_problem  # the services read these forms' modules

        if value is not None and str(value.pk) != self._kept and (problem := unit_closed_problem(value)):
            raise forms.ValidationError(problem, code="closed")

    def label_from_instance(self, obj: Unit) -> str:
        return self._paths.get(obj.pk, obj.name)


class UnitsChoiceField(forms.ModelMultipleChoiceField):
    """Several units, shown by full path as `UnitChoiceField` shows one, limited to what the user
    manages: among many units the path tells one 第一党支部 from another."""

    default_error_messages = {
        "invalid_choice": _("One of the units chosen is outside the units you manage."),
        "invalid_pk_value": _("One of the units chosen is outside the units you manage."),
    }

    def __init__(self, *, user, **kwargs):
        queryset = access.managed_units(user).order_by("path")
        labels = unit_labels(list(queryset))
        self._paths = labels.paths
        super().__init__(queryset=queryset, **kwargs)
        self.widget.attrs.update(unit_picker_attrs(labels.search))

    def label_from_instance(self, obj: Unit) -> str:
        return self._paths.get(obj.pk, obj.name)


class VisibleCharField(forms.CharField):
    """Text without invisible format characters (`visible_text`): a name of only a zero-width
    space is empty, and a required one is refused as empty."""

    def to_python(self, value):
        return visible_text(super().to_python(value))


def moved_on_field() -> forms.DateField:
    """The optional day a unit change takes effect from (the member page and the bulk bar)."""
    return forms.DateField(
        label=_("Unit change effective from"),
        required=False,
        widget=forms.DateInput(attrs=LOCAL_DAY_ATTRS, format="%Y-%m-%d"),
        validators=[check_local_day],
        help_text=_("Empty: from now. A day: from its start (00:00). Not a day to come."),
    )


def check_moved_on_not_to_come(day):
    """A unit change takes effect today at the latest (`moves.moved_on_to_come_problem`)."""
    if problem := moved_on_to_come_problem(day):
        raise forms.ValidationError(problem, code="moved_on_future")
    return day


class MemberForm(forms.Form):
    """A member's details. A plain form: saving goes through `services.member_update`."""

    real_name = VisibleCharField(label=_("real name"), max_length=50)
    employee_no = forms.CharField(label=_("employee number"), max_length=32, required=False)
    phone = forms.CharField(label=_("phone"), max_length=20, required=False, validators=[phone_validator])
    is_party_member = forms.BooleanField(label=_("party member"), required=False)
    reason = forms.CharField(label=_("Reason for a unit change"), max_length=200, required=False)

    def __init__(self, *args, user, member: User, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "real_name": member.real_name,
                "employee_no": member.employee_no or "",
                "phone": member.phone,
                "is_party_member": member.is_party_member,
                "unit": member.unit_id,
            },
        )
        super().__init__(*args, **kwargs)
        self.fields["unit"] = UnitChoiceField(user=user, label=_("unit"))
        self.member = member
        self.order_fields(["real_name", "employee_no", "unit", "moved_on", "phone", "is_party_member", "reason"])

    moved_on = moved_on_field()

    def clean_moved_on(self):
        return check_moved_on_not_to_come(self.cleaned_data.get("moved_on"))

    def moved_at(self) -> datetime | None:
        """The moment a unit change takes effect: the local midnight (TIME_ZONE) starting the day
        chosen, or None (now)."""
        return moved_at(self.cleaned_data.get("moved_on"))

    def clean(self):
        cleaned = super().clean()
        at = self.moved_at() if not self.has_error("moved_on") else None
        unit = cleaned.get("unit")
        if at is not None and unit is not None and unit.pk != self.member.unit_id:
            if problem := moved_before_placement([self.member], at):
                self.add_error("moved_on", problem)
        return cleaned


class MemberNewForm(forms.Form):
    """One new member, the fields of a row of the member import. Saving goes through
    `services.member_create`."""

    real_name = VisibleCharField(label=_("real name"), max_length=50)
    employee_no = forms.CharField(label=_("employee number"), max_length=32)
    username = forms.CharField(
        label=_("username"),
        max_length=150,
        required=False,
        validators=[User.username_validator],
        help_text=_("Empty: the employee number."),
    )
    phone = forms.CharField(label=_("phone"), max_length=20, required=False, validators=[phone_validator])
    is_party_member = forms.BooleanField(label=_("party member"), required=False, initial=True)
    password = forms.CharField(
        label=_("initial password"),
        required=False,
        widget=forms.PasswordInput(render_value=True, attrs={"autocomplete": "new-password"}),
        help_text=_("Empty: the member cannot sign in until a password is set."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"] = UnitChoiceField(user=user, label=_("unit"))
        self.order_fields(["real_name", "employee_no", "unit", "username", "phone", "is_party_member", "password"])


class OwnPasswordChangeForm(PasswordChangeForm):
    """Django's password change, refusing a new password equal to the current one: a temporary
    password "changed" to itself would clear the mark while the organiser who set it still knows it."""

    def clean(self):
        cleaned_data = super().clean()
        new_password = cleaned_data.get("new_password2")
        if new_password and "new_password2" not in self.errors and self.user.check_password(new_password):
            if self.user.must_change_password:
                message = _(
                    "Choose a password different from the temporary one: the organiser who gave it to you knows it."
                )
            else:
                message = _("The new password is the same as your current one. Choose a different password.")
            self.add_error("new_password2", forms.ValidationError(message, code="password_unchanged"))
        return cleaned_data


class SignInForm(AuthenticationForm):
    """Django's sign-in form, telling a deactivated member so, but only one who gave the right
    password: a wrong password gets the same answer whether or not the account exists."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "inactive": DEACTIVATED_MESSAGE,
    }

    def clean(self):
        try:
            return super().clean()
        except forms.ValidationError as error:
            if error.code == "invalid_login" and self._deactivated_with_right_password():
                raise self.get_inactive_user_error() from None
            raise

    def get_inactive_user_error(self):
        return forms.ValidationError(self.error_messages["inactive"], code="inactive")

    def _deactivated_with_right_password(self) -> bool:
        return deactivated_with_right_password(
            self.request, self.cleaned_data.get("username"), self.cleaned_data.get("password")
        )


class MemberImportForm(forms.Form):
    file = forms.FileField(
        label=_("Workbook (.xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
    )


GRANTING_ACTIONS = ("grant", "revoke")


class MemberBulkForm(forms.Form):
    """The member list's bulk bar: one action for the ticked members."""

    ACTIONS = [
        ("", _("Choose an action…")),
        ("move", _("Move to a unit")),
        ("deactivate", _("Deactivate")),
        ("reactivate", _("Reactivate")),
        ("grant", _("Grant a role")),
        ("revoke", _("Revoke a role")),
        ("passwords", _("Set temporary passwords (a spreadsheet)")),
    ]
    ROLES = [("organiser", Role.ORGANISER.label), ("administrator", Role.ADMINISTRATOR.label)]

    member = forms.ModelMultipleChoiceField(
        queryset=User.objects.none(),
        error_messages={
            "required": _("Select at least one member."),
            "invalid_choice": _("Some selected members are outside the units you manage; nothing was changed."),
            "invalid_pk_value": _("Some selected members are outside the units you manage; nothing was changed."),
        },
    )
    action = forms.ChoiceField(
        label=_("Action"),
        choices=ACTIONS,
        error_messages={"required": _("Choose what to do with the selected members.")},
    )
    role = forms.ChoiceField(label=_("Role"), choices=ROLES, required=False)
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)
    moved_on = moved_on_field()

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = access.managed_members(user).select_related("unit")
        self.fields["unit"] = UnitChoiceField(
            user=user, label=_("Unit"), required=False, empty_label=_("Choose a unit…")
        )
        self.order_fields(["member", "action", "unit", "moved_on", "role", "reason"])
        # Granting and revoking take an administrator of the unit (the services check it again):
        # an organiser is not offered them, an administrator only in the units they administer.
        administered = access.managed_units(user).filter(access.subtree_q(user, roles=access.ADMINISTERING))
        self.grant_units = frozenset(str(pk) for pk in administered.values_list("pk", flat=True))
        self.offered_actions = [
            (value, label) for value, label in self.ACTIONS if value not in GRANTING_ACTIONS or self.grant_units
        ]

    def clean_moved_on(self):
        return check_moved_on_not_to_come(self.cleaned_data.get("moved_on"))

    def clean(self):
        cleaned = super().clean()
        at = moved_at(cleaned.get("moved_on"))
        unit, members = cleaned.get("unit"), cleaned.get("member")
        if cleaned.get("action") == "move" and at is not None and unit is not None and members:
            if problem := moved_before_placement([m for m in members if m.unit_id != unit.pk], at):
                self.add_error("moved_on", problem)
        return cleaned

    def moved_at(self) -> datetime | None:
        """When a bulk move takes effect: the chosen day's local midnight, or None (now)."""
        return moved_at(self.cleaned_data.get("moved_on")) if self.cleaned_data.get("action") == "move" else None


class UnitFieldsForm(forms.Form):
    """A unit's own fields. A plain form: saving goes through `services.unit_create` / `unit_update`."""

    name = forms.CharField(label=_("name"), max_length=100)
    name_en = Unit._meta.get_field("name_en").formfield()
    kind = forms.ChoiceField(
        label=_("kind"),
        choices=Unit.Kind.choices,
        help_text=_(
            "Organ > office / bureau > department > general Party branch > party branch: a unit goes under one"
            " of its own level or a higher one (levels may be skipped); a general Party branch holds party"
            " branches only; a party branch has no subunits."
        ),
    )
    ends_on = forms.DateField(
        label=_("ends on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_(
            "Only for a temporary party branch (for example an audit team's): its last day. Other units"
            " end with “Close as of today” on their page."
        ),
    )

    def __init__(self, *args, current_ends_on=None, **kwargs):
        super().__init__(*args, **kwargs)
        # The end date already saved: a branch that has ended can still be renamed, its own date
        # kept, but no unit is given a new end date that has already passed.
        self.current_ends_on = current_ends_on

    def clean_ends_on(self):
        ends_on = self.cleaned_data.get("ends_on")
        today = timezone.localdate()
        if ends_on and ends_on < today and ends_on != self.current_ends_on:
            raise forms.ValidationError(
                _("The end date %(date)s has already passed: choose today (%(today)s) or a later date."),
                code="ends_on_past",
                params={"date": ends_on.isoformat(), "today": today.isoformat()},
            )
        return ends_on


def _parent_field(user, **kwargs) -> UnitChoiceField:
    """Parents by full path, only inside the user's subtree and not party branches (they hold no
    units); only a superuser may leave it empty (a new top-level unit)."""
    return UnitChoiceField(
        user=user,
        parents_only=True,
        label=_("Parent unit"),
        required=not user.is_superuser,
        empty_label=_("(top level)") if user.is_superuser else _("Choose a unit…"),
        error_messages={
            "required": _("Choose the unit it belongs under."),
            "invalid_choice": _("This unit is outside the units you manage."),
        },
        **kwargs,
    )


class UnitAddForm(UnitFieldsForm):
    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"] = _parent_field(user)
        self.order_fields(["parent", "name", "name_en", "kind", "ends_on"])


def can_add_unit(user) -> bool:
    """Whether `user` may add a unit anywhere: a superuser (a top-level unit), or someone who
    manages an open unit that may hold one (a party branch holds none: a branch's secretary adds
    nothing). The unit tree offers "Add a unit" only then."""
    return user.is_superuser or _parent_field(user).offers_any


class UnitEditForm(UnitFieldsForm):
    """Editing a unit. Its kind and end date take the right to move or close it
    (`access.check_restructure_unit`): for anyone else they are shown read-only with the reason
    (`locked`), and a posted change to them is refused, not silently dropped, so nothing is saved."""

    reason = forms.CharField(label=_("Reason for a rename"), max_length=200, required=False)

    LOCKED_FIELDS = ("kind", "ends_on")

    def __init__(self, *args, locked: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.locked = locked
        if locked:
            for name in self.LOCKED_FIELDS:
                self.fields[name].disabled = True
                self.fields[name].help_text = locked

    def clean(self):
        cleaned = super().clean()
        if self.locked:
            for name in self.LOCKED_FIELDS:
                if name not in self.data:  # a browser posts no disabled field
                    continue
                field = self.fields[name]
                try:
                    posted = field.clean(self.data.get(name))
                except forms.ValidationError:
                    posted = object()  # anything unreadable differs from what is saved
                if posted != self.get_initial_for_field(field, name):
                    self.add_error(name, self.locked)
        return cleaned


class UnitMoveForm(forms.Form):
    """Moving `unit`: the new parents offered are those that may hold its kind
    (`Unit.Kind.may_hold`: no department under a 党总支), not the unit itself nor its subunits; the
    services refuse any other posted (`unit_move`)."""

    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)

    def __init__(self, *args, user, unit: Unit, **kwargs):
        super().__init__(*args, **kwargs)

        def offered(parent: Unit) -> bool:
            return not parent.path.startswith(unit.path) and Unit.Kind.may_hold(parent.kind, unit.kind)

        self.fields["parent"] = _parent_field(user, offered=offered)
        self.fields["parent"].label = _("New parent unit")
        self.order_fields(["parent", "reason"])


STAY = ""


class UnitCloseForm(forms.Form):
    """Closing a unit: for each of its members, where they go (`member_<id>`): back to the unit
    they came from (offered first and chosen), another open unit, or nowhere (they stay in the
    closed unit, as every member did before this step)."""

    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)

    def __init__(self, *args, user, unit: Unit, members: list[User], previous: dict[int, Unit], **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        units = [u for u in access.managed_units(user).order_by("path") if u.pk != unit.pk and u.is_open_for_new(today)]
        paths = unit_paths(units + list(previous.values()))
        self.rows = []
        for member in members:
            home = previous.get(member.pk)
            choices = [(STAY, _("Stay in the closed unit"))]
            if not access.can_manage_member(user, member):
                field = forms.ChoiceField(choices=choices, required=False, disabled=True, initial=STAY)
            else:
                if home is not None and home in units:
                    choices.insert(0, (str(home.pk), _("Back to %(path)s") % {"path": paths[home.pk]}))
                choices += [(str(u.pk), paths[u.pk]) for u in units if home is None or u.pk != home.pk]
                field = forms.ChoiceField(choices=choices, required=False, initial=choices[0][0])
            field.label = member.display_name
            self.fields[f"member_{member.pk}"] = field
            self.rows.append((member, home, self[f"member_{member.pk}"]))
        self._units = {str(u.pk): u for u in units}
        self._members = members

    def moves(self) -> dict[User, Unit]:
        """{member: the unit they go to} for the members not staying."""
        return {
            member: self._units[self.cleaned_data[f"member_{member.pk}"]]
            for member in self._members
            if self.cleaned_data.get(f"member_{member.pk}")
        }


class ActivityFilterForm(forms.Form):
    """The activity page's filters: a kind, and a range of local calendar days (either end open)."""

    kind = forms.ChoiceField(label=_("What"), required=False, choices=[("", _("Everything")), *Activity.Kind.choices])
    since = forms.DateField(
        label=_("From"),
        required=False,
        widget=forms.DateInput(attrs=LOCAL_DAY_ATTRS, format="%Y-%m-%d"),
        error_messages={"invalid": _("Enter a date such as 2026-12-06.")},
        validators=[check_local_day],
    )
    until = forms.DateField(
        label=_("Through"),
        required=False,
        widget=forms.DateInput(attrs=LOCAL_DAY_ATTRS, format="%Y-%m-%d"),
        error_messages={"invalid": _("Enter a date such as 2026-12-06.")},
        validators=[check_local_day],
    )

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            self.add_error("until", _("The last day comes before the first: swap them or clear one."))
        return data
