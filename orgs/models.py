"""The unit tree, members and the roles that scope what each person may manage.

Placement history is append-only (DESIGN invariant 1): a move adds a row and never edits one, so
"which unit was this member in on date D" and "where did this unit sit on date D" always have an
answer. Writes go through `orgs.services`.
"""

import re

from django.contrib.auth.models import AbstractUser
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node

from quizsite.naming import in_language

from .sorting import NAME_SORT_MAX_LENGTH, name_sort_key, person_sort_key

UNIT_PATH_SEPARATOR = "/"


class Unit(MP_Node):
    """A node of the organisation tree (materialised path: a subtree is one prefix query)."""

    class Kind(models.TextChoices):
        ORGAN = "organ", _("Organ")
        OFFICE = "office", _("Office / bureau")
        DEPARTMENT = "department", _("Department")
        GENERAL_BRANCH = "general_branch", _("General Party branch")
        BRANCH = "branch", _("Party branch")
        TEMPORARY_BRANCH = "temporary_branch", _("Temporary party branch")

        @staticmethod
        def may_hold(parent_kind: str, child_kind: str) -> bool:
            """Whether a unit of `parent_kind` may hold one of `child_kind`: the tree runs organ >
            office / bureau > department > general Party branch (党总支) > (temporary) party branch,
            and a child ranks at its parent's level or below. Levels may be skipped (an organ's
            机关党委 branches sit under the organ) and repeat (中央和国家机关 holds ministries, an
            office its sub-offices), but a 党总支 holds party branches only, never another 党总支;
            a (temporary) party branch holds no units."""
            if parent_kind in UNIT_KINDS_HOLDING_NONE:
                return False
            child_level, parent_level = UNIT_KIND_LEVELS[child_kind], UNIT_KIND_LEVELS[parent_kind]
            if parent_kind in UNIT_KINDS_HOLDING_BRANCHES_ONLY:
                return child_level > parent_level
            return child_level >= parent_level

    name = models.CharField(_("name"), max_length=100)
    # Optional, for pages in English (quizsite.naming): "National Audit Office" beside 审计署.
    name_en = models.CharField(
        _("English name"),
        max_length=100,
        blank=True,
        help_text=_("Shown to people who use the site in English. Leave it empty to show the name as typed."),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    ends_on = models.DateField(
        _("ends on"),
        null=True,
        blank=True,
        help_text=_("Temporary branches (for example an audit team's) end on this date."),
    )
    # When someone closed the unit (`services.unit_close`): from then on it is not offered as a
    # parent or a member's unit, although its end date (that day) is its last. A unit only reaching
    # its end date is offered through that day (`is_open_for_new`).
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, editable=False)
    # The name as lists order it (pinyin; see orgs.sorting), kept by `save`.
    name_sort = models.CharField(max_length=NAME_SORT_MAX_LENGTH, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind="temporary_branch") | models.Q(ends_on__isnull=False),
                name="temporary_branch_has_end_date",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.name_sort = name_sort_key(self.name)
        kwargs["update_fields"] = _with_sort_key(kwargs.get("update_fields"), sources={"name"})
        super().save(*args, **kwargs)

    @property
    def display_name(self) -> str:
        """The English name on an English page when there is one; the name as typed otherwise."""
        return in_language(self.name, self.name_en)

    def is_open_for_new(self, today) -> bool:
        """Whether new members, subunits or contests may be placed in the unit on `today`: not
        once someone closed it, nor after its end date (its last day)."""
        return self.closed_at is None and (self.ends_on is None or self.ends_on >= today)

    def child_units(self):
        """Direct children by path and depth (treebeard's get_children trusts a cached numchild)."""
        return Unit.objects.filter(path__startswith=self.path, depth=self.depth + 1)

    def lineage_paths(self) -> list[str]:
        """The tree paths of this unit and of every unit above it, root first, without a query:
        "belongs to one of these units" is `unit__path__in=unit.lineage_paths()`."""
        return [self.path[:i] for i in range(self.steplen, len(self.path) + 1, self.steplen)]

    @property
    def full_path(self) -> str:
        """The unit's names from the root down, as typed, like 审计署/广州特派办/第一党支部."""
        names = [unit.name for unit in Unit.objects.get_ancestors(self)] + [self.name]
        return UNIT_PATH_SEPARATOR.join(names)

    @property
    def display_path(self) -> str:
        """`full_path` with each name in the page's language (`display_name`)."""
        return UNIT_PATH_SEPARATOR.join(unit.display_name for unit in [*Unit.objects.get_ancestors(self), self])


# The levels of the tree from the top (`Unit.Kind.may_hold`): a temporary branch is a branch.
UNIT_KIND_LEVELS = {
    Unit.Kind.ORGAN: 0,
    Unit.Kind.OFFICE: 1,
    Unit.Kind.DEPARTMENT: 2,
    Unit.Kind.GENERAL_BRANCH: 3,
    Unit.Kind.BRANCH: 4,
    Unit.Kind.TEMPORARY_BRANCH: 4,
}
UNIT_KINDS_HOLDING_NONE = frozenset({Unit.Kind.BRANCH, Unit.Kind.TEMPORARY_BRANCH})
# A 党总支 groups party branches under a 党委; organs do not nest one 党总支 in another.
UNIT_KINDS_HOLDING_BRANCHES_ONLY = frozenset({Unit.Kind.GENERAL_BRANCH})


# Employee numbers as organs issue them and as they serve for usernames (100001, A1, MOF001,
# GZ-0012): letters and digits, with - or _ between them. "-5", "1.5" or "示例001" are not numbers
# anybody holds, so the member template's examples use the last form and can never match a person.
EMPLOYEE_NO_FORM = re.compile(r"[0-9A-Za-z]+(?:[-_][0-9A-Za-z]+)*")
# A phone number someone can be called on: a mainland mobile (11 digits from 13…19, +86 optional),
# a landline with its area code (010-12345678, 0755 1234 5678, (021)6234567), or + and a country
# code with at least 7 digits in all; a landline or an international number may end in an extension
# (-123, 转123, ext 123). "12345" passed the earlier form (any 5 to 20 digits).
PHONE_FORM = (
    r"^(?:"
    r"(?:\+86[ -]?)?1[3-9][0-9](?:[ -]?[0-9]{4}){2}"
    r"|(?:(?:0[1-9][0-9]{1,2}|\(0[1-9][0-9]{1,2}\))[ -]?[0-9]{3,4}[ -]?[0-9]{4}"
    r"|\+(?=(?:[ -]?[0-9]){7})[1-9][0-9]{0,3}(?:[ -]?[0-9]{2,}){1,5})"
    r"(?:(?:-|转| ?ext\.? ?| ?x ?|#)[0-9]{1,6})?"
    r")$"
)
phone_validator = RegexValidator(
    PHONE_FORM,
    _(
        "Enter a phone number someone can be called on: a mobile like 13800000001, a landline with its"
        " area code like 010-12345678, or + and the country code like +852 2123 4567."
    ),
)


class User(AbstractUser):
    """A person who signs in: a member of one unit, and perhaps an organiser or administrator."""

    real_name = models.CharField(_("real name"), max_length=50, blank=True)
    employee_no = models.CharField(_("employee number"), max_length=32, unique=True, null=True, blank=True)
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
    )
    is_party_member = models.BooleanField(_("party member"), default=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True, validators=[phone_validator])
    # Set with a temporary password an organiser gave out (`services.member_password_reset`):
    # every page sends the member to change it, the API answers `password_change_required`.
    must_change_password = models.BooleanField(_("must change password"), default=False)
    # The language the member last chose on the site ("" before any choice): set when they switch
    # (`services.member_language_set`), applied when they sign in, on any browser.
    language = models.CharField(_("language"), max_length=10, blank=True)
    # The display name as lists order it (pinyin, surname read as one; see orgs.sorting), kept by
    # `save` and set by `services.member_bulk_create` for rows inserted without it.
    name_sort = models.CharField(max_length=NAME_SORT_MAX_LENGTH, blank=True, editable=False, db_index=True)

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        indexes = [models.Index(fields=["unit", "real_name"])]

    def __str__(self) -> str:
        return self.real_name or self.username

    def save(self, *args, **kwargs) -> None:
        self.name_sort = self.sort_key()
        kwargs["update_fields"] = _with_sort_key(
            kwargs.get("update_fields"), sources={"real_name", "first_name", "last_name", "username"}
        )
        super().save(*args, **kwargs)

    def sort_key(self) -> str:
        """`name_sort` for the name shown (`display_name`)."""
        return person_sort_key(self.display_name)

    @property
    def display_name(self) -> str:
        return self.real_name or self.get_full_name() or self.username

    def set_password(self, raw_password) -> None:
        """Any password chosen clears the mark of a temporary one (the reset sets it again after)."""
        super().set_password(raw_password)
        self.must_change_password = False


def _with_sort_key(update_fields, *, sources: set[str]):
    """`update_fields` plus "name_sort" when it saves a field the key is made from."""
    if update_fields is None or not sources.intersection(update_fields):
        return update_fields
    return {*update_fields, "name_sort"}


class Role(models.TextChoices):
    MEMBER = "member", _("Member")
    ORGANISER = "organiser", _("Organiser")
    ADMINISTRATOR = "administrator", _("Administrator")


class RoleGrant(models.Model):
    """Lets a user manage a unit's whole subtree. Every user is a member of their own unit."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_grants")
    role = models.CharField(
        _("role"),
        max_length=20,
        choices=[(Role.ORGANISER, Role.ORGANISER.label), (Role.ADMINISTRATOR, Role.ADMINISTRATOR.label)],
    )
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="role_grants")
    granted_at = models.DateTimeField(auto_now_add=True)
    granted_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("role grant")
        verbose_name_plural = _("role grants")
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "unit"], name="one_grant_per_role_unit"),
            models.CheckConstraint(
                condition=models.Q(role__in=["organiser", "administrator"]),
                name="grant_is_a_managing_role",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.unit}"


class PlacementFact(models.Model):
    """An append-only "from `effective_at` on" record: who recorded it, when and why."""

    effective_at = models.DateTimeField(_("effective at"), db_index=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True


class MemberPlacement(PlacementFact):
    """From `effective_at` on, `member` belonged to `unit`. Rows are never edited."""

    member = models.ForeignKey(User, on_delete=models.CASCADE, related_name="placements")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("member placement")
        verbose_name_plural = _("member placements")
        ordering = ["member_id", "effective_at", "id"]

    def __str__(self) -> str:
        return f"{self.member} → {self.unit} ({self.effective_at:%Y-%m-%d})"


class UnitPlacement(PlacementFact):
    """From `effective_at` on, `unit` was named `name` and sat under `parent` (None: a root)."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="placements")
    parent = models.ForeignKey(Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    name = models.CharField(max_length=100)

    class Meta:
        verbose_name = _("unit placement")
        verbose_name_plural = _("unit placements")
        ordering = ["unit_id", "effective_at", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.effective_at:%Y-%m-%d})"


class ApiToken(models.Model):
    """A signed-in API client on one device. Only the key's SHA-256 is stored: the key itself is
    shown once, when issued. Writes go through `orgs.tokens`."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    device = models.CharField(_("device"), max_length=60)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    # The user's session auth hash when issued (an HMAC of their password hash): a password
    # change ends the token, as it ends the user's sessions.
    auth_hash = models.CharField(max_length=128, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]
        constraints = [
            # One live token per device: signing in again on a device replaces its token.
            models.UniqueConstraint(
                fields=["user", "device"], condition=models.Q(revoked_at__isnull=True), name="one_live_token_per_device"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.device}"


class Activity(models.Model):
    """One change to the organisation, as it happened: who did what, to whom, when (the activity
    page reads these). Rows are written by `orgs.services` in the change's own transaction and
    never edited or deleted; names are kept as they were then, so a later rename or deletion
    leaves the sentence readable."""

    class Kind(models.TextChoices):
        ROLE_GRANTED = "role_granted", _("Role granted")
        ROLE_REVOKED = "role_revoked", _("Role revoked")
        MEMBER_DEACTIVATED = "member_deactivated", _("Member deactivated")
        MEMBER_REACTIVATED = "member_reactivated", _("Member reactivated")
        MEMBER_MOVED = "member_moved", _("Member moved")
        MEMBER_ADDED = "member_added", _("Member added")
        MEMBER_IMPORTED = "member_imported", _("Member imported")
        UNIT_CREATED = "unit_created", _("Unit created")
        UNIT_RENAMED = "unit_renamed", _("Unit renamed")
        UNIT_KIND_CHANGED = "unit_kind_changed", _("Unit type changed")
        UNIT_END_DATE_CHANGED = "unit_end_date_changed", _("Unit end date changed")
        UNIT_MOVED = "unit_moved", _("Unit moved")
        UNIT_CLOSED = "unit_closed", _("Unit closed")
        UNIT_DELETED = "unit_deleted", _("Unit deleted")

    at = models.DateTimeField(_("when"), db_index=True)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    actor = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    member = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # The unit the change is about: the role's, the member's after it, the unit created, renamed,
    # moved or closed (None once deleted: `name` keeps it).
    unit = models.ForeignKey(Unit, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # Where from: a moved member's unit before, a moved unit's parent before, a deleted unit's parent.
    from_unit = models.ForeignKey(Unit, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # Where to: a moved or created unit's parent.
    to_unit = models.ForeignKey(Unit, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    role = models.CharField(_("role"), max_length=20, blank=True, choices=Role.choices)
    member_name = models.CharField(max_length=150, blank=True)  # the member's name then
    name = models.CharField(max_length=100, blank=True)  # `unit`'s name then (a deleted unit's)
    old_name = models.CharField(max_length=100, blank=True)  # a renamed unit's name before
    # A changed unit's kind (its code) or end date (ISO, empty for none), before and after.
    old_value = models.CharField(max_length=40, blank=True)
    new_value = models.CharField(max_length=40, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("activity record")
        verbose_name_plural = _("activity records")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.kind}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise ValueError("Activity rows are never edited.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Activity rows are never deleted.")
