"""Admin for every orgs model, scoped by `orgs.access` so organisers see only their subtree."""

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import FieldDoesNotExist
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from . import access, services
from .forms import UnitChoiceField
from .models import MemberPlacement, RoleGrant, Unit, UnitPlacement, User


class ScopedRelations:
    """Every relation in a form offers, and accepts, only rows the actor may access.

    A relation to a model registered with a `ScopedAdmin` (units and members included) is
    narrowed to that admin's `get_queryset`; a model registered with a plain admin is shared
    reference data (tags); an unregistered one offers nothing to anyone but a superuser. The
    choices narrow select lists, raw-id and autocomplete fields alike, and the form checks the
    posted values against them again, so a hand-written POST naming another subtree's question,
    contest or member gets a form error and saves nothing.
    """

    def relation_choices(self, request, db_field) -> QuerySet | None:
        """The rows `db_field` may point to for this request; None leaves Django's default."""
        if request.user.is_superuser:
            return None
        related_admin = self.admin_site._registry.get(db_field.related_model)
        if isinstance(related_admin, ScopedAdmin):
            return related_admin.get_queryset(request)
        if related_admin is None:
            return db_field.related_model._default_manager.none()
        return None

    def get_field_queryset(self, db, db_field, request):
        choices = self.relation_choices(request, db_field)
        return choices if choices is not None else super().get_field_queryset(db, db_field, request)

    def scoped_form(self, request, form_class: type[forms.BaseForm]) -> type[forms.BaseForm]:
        """`form_class` with a clean() that refuses related rows outside `relation_choices`."""
        admin_ = self
        model = form_class._meta.model

        class ScopedForm(form_class):
            def clean(self):
                data = super().clean()
                for name, value in list(data.items()):
                    try:
                        db_field = model._meta.get_field(name)
                    except FieldDoesNotExist:
                        continue
                    if not db_field.is_relation or value is None:
                        continue
                    choices = admin_.relation_choices(request, db_field)
                    # An unsaved row is the parent an inline is being added with, not a foreign one.
                    ids = {row.pk for row in (value if db_field.many_to_many else [value]) if row.pk is not None}
                    if choices is not None and choices.filter(pk__in=ids).count() != len(ids):
                        self.add_error(name, _("This is outside what you may access."))
                return data

        return ScopedForm


class ScopedAdmin(ScopedRelations, admin.ModelAdmin):
    """Rows whose unit (at `unit_prefix`) lies in the user's managed subtrees, and nothing else.

    A `created_by` field is read-only and set to whoever adds the row: a list of it would offer
    every user on the platform.
    """

    unit_prefix = "unit__"

    def get_queryset(self, request):
        return super().get_queryset(request).filter(access.subtree_q(request.user, prefix=self.unit_prefix))

    def in_scope(self, request, obj) -> bool:
        return obj is None or self.get_queryset(request).filter(pk=obj.pk).exists()

    def has_module_permission(self, request) -> bool:
        return access.is_manager(request.user)

    def has_view_permission(self, request, obj=None) -> bool:
        return access.is_manager(request.user) and self.in_scope(request, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return self.has_view_permission(request, obj)

    def has_add_permission(self, request) -> bool:
        return access.is_manager(request.user)

    def has_delete_permission(self, request, obj=None) -> bool:
        # Deleting people or units would erase facts that results depend on: deactivate instead.
        return request.user.is_superuser

    def _has_created_by(self) -> bool:
        return any(field.name == "created_by" for field in self.model._meta.fields)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "created_by"] if self._has_created_by() and "created_by" not in fields else fields

    def get_form(self, request, obj=None, change=False, **kwargs):
        return self.scoped_form(request, super().get_form(request, obj, change=change, **kwargs))

    def save_form(self, request, form, change):
        obj = super().save_form(request, form, change)
        if not change and self._has_created_by():
            obj.created_by = request.user
        return obj

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model is Unit:
            return UnitChoiceField(user=request.user, required=not db_field.null, label=db_field.verbose_name)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ScopedInline(ScopedRelations, admin.TabularInline):
    """Rows that belong to their parent object: whoever may change the parent (within the parent
    admin's scope) may change them. Django's default asks for model permissions, which organisers
    and administrators are not given, and would hide the inline from them."""

    def _parent_allows(self, request, obj=None) -> bool:
        parent = self.admin_site._registry.get(self.parent_model)
        if parent is None:
            return False
        return parent.has_change_permission(request, obj) if obj is not None else parent.has_add_permission(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return self._parent_allows(request, obj)

    def has_add_permission(self, request, obj=None) -> bool:
        return self._parent_allows(request, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return self._parent_allows(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return self._parent_allows(request, obj)

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form = self.scoped_form(request, formset.form)
        return formset


class UnitAdminForm(forms.ModelForm):
    parent = forms.ModelChoiceField(queryset=Unit.objects.none(), required=False, label=_("parent unit"))
    reason = forms.CharField(max_length=200, required=False, label=_("reason"))

    class Meta:
        model = Unit
        fields = ["name", "name_en", "kind", "ends_on"]

    def clean(self):
        data = super().clean()
        unit = self.instance if self.instance.pk else None
        parent = data.get("parent")
        if unit and parent and (parent.pk == unit.pk or parent.is_descendant_of(unit)):
            self.add_error("parent", _("A unit cannot move under itself or its own subunits."))
        elif data.get("name"):
            try:
                services.check_unit_name_free(name=data["name"].strip(), parent=parent, exclude=unit)
            except services.OrgError as error:
                self.add_error("name", error.message)
        try:
            services.check_unit_end_date(kind=data.get("kind"), ends_on=data.get("ends_on"), saved=unit)
        except services.OrgError as error:
            self.add_error("ends_on", error.message)
        if data.get("kind") and not self.has_error("parent"):
            self._check_order(unit, parent, data)
        return data

    def _check_order(self, unit: Unit | None, parent: Unit | None, data) -> None:
        """The kind and the parent as they will be after saving, in the tree's order: as a move
        if the parent changes, as an edit of the kind otherwise (a pair already out of order may
        stay so, `services.check_unit_under`)."""
        parent_before = Unit.objects.get_parent(unit) if unit else None
        kept_parent = unit is not None and (parent_before and parent_before.pk) == (parent and parent.pk)
        name = (data.get("name") or "").strip() or (unit.name if unit else "")
        try:
            services.check_unit_under(
                name=name, kind=data["kind"], parent=parent, kind_before=unit.kind if kept_parent else None
            )
            if unit is not None:
                services.check_unit_holds(unit=unit, kind=data["kind"])
        except services.OrgError as error:
            self.add_error("parent" if error.code == "unit_kind_parent" else "kind", error.message)


@admin.register(Unit)
class UnitAdmin(ScopedAdmin):
    form = UnitAdminForm
    unit_prefix = ""
    list_display = ["indented_name", "kind", "ends_on"]
    list_filter = ["kind"]
    search_fields = ["name", "name_en"]
    ordering = ["path"]

    @admin.display(description=_("name"), ordering="path")
    def indented_name(self, unit: Unit) -> str:
        return "\u3000" * (unit.depth - 1) + unit.name

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        form.base_fields["parent"] = UnitChoiceField(
            user=request.user, required=not request.user.is_superuser, label=_("parent unit")
        )
        if obj is not None:
            parent = Unit.objects.get_parent(obj)
            form.base_fields["parent"].initial = parent.pk if parent else None
        return form

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if not change:
            created = services.unit_create(
                name=data["name"],
                name_en=data["name_en"],
                kind=data["kind"],
                ends_on=data["ends_on"],
                parent=data["parent"],
                by=request.user,
            )
            obj.pk, obj.path, obj.depth = created.pk, created.path, created.depth
            return
        original = Unit.objects.get(pk=obj.pk)
        parent_now = Unit.objects.get_parent(original)
        # The form checked the shape after both steps. A new kind that does not fit under the
        # present parent (a department made an organ and moved to the top) is saved after the move.
        kind_fits_now = (
            parent_now is None
            or Unit.Kind.may_hold(parent_now.kind, data["kind"])
            or not Unit.Kind.may_hold(parent_now.kind, original.kind)
        )
        if kind_fits_now:
            self._update(request, original, data)
            services.unit_move(unit=original, new_parent=data["parent"], by=request.user, reason=data["reason"])
        else:
            moved = services.unit_move(unit=original, new_parent=data["parent"], by=request.user, reason=data["reason"])
            self._update(request, moved, data)

    def _update(self, request, unit: Unit, data) -> None:
        services.unit_update(
            unit=unit,
            name=data["name"],
            name_en=data["name_en"],
            kind=data["kind"],
            ends_on=data["ends_on"],
            by=request.user,
            reason=data["reason"],
        )


@admin.register(User)
class MemberAdmin(ScopedAdmin, UserAdmin):
    list_display = ["username", "real_name", "employee_no", "unit", "is_party_member", "is_active"]
    list_filter = ["is_active", "is_party_member", "is_staff"]
    search_fields = ["username", "real_name", "employee_no", "phone"]
    ordering = ["unit__path", "name_sort", "real_name"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (_("Member"), {"fields": ["real_name", "employee_no", "unit", "is_party_member", "phone", "email"]}),
        (_("Access"), {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"fields": ["username", "password1", "password2", "real_name", "employee_no", "unit"]}),
    ]

    def get_readonly_fields(self, request, obj=None):
        if request.user.is_superuser:
            return ["last_login", "date_joined"]
        return ["is_staff", "is_superuser", "groups", "user_permissions", "last_login", "date_joined"]

    def has_change_permission(self, request, obj=None) -> bool:
        # Covers the password form too: Django's user_change_password asks this.
        return super().has_change_permission(request, obj) and (
            obj is None or access.can_manage_member(request.user, obj)
        )

    def save_model(self, request, obj, form, change):
        before = User.objects.filter(pk=obj.pk).values("unit_id", "is_active").first() or {}
        super().save_model(request, obj, form, change)
        if obj.unit_id != before.get("unit_id"):
            services.member_record_placement(member=obj, by=request.user, reason=str(_("changed in admin")))
        if before.get("is_active") and not obj.is_active:  # as the member pages' deactivation does
            services.member_deactivated(member=obj)

    def delete_model(self, request, obj):
        member_id = obj.pk  # None once deleted
        super().delete_model(request, obj)
        services.members_deleted(member_ids=[member_id])

    def delete_queryset(self, request, queryset):
        """The "delete selected" action's deletion, after which their open live sockets close."""
        member_ids = list(queryset.values_list("pk", flat=True))
        super().delete_queryset(request, queryset)
        services.members_deleted(member_ids=member_ids)

    def user_change_password(self, request, id, form_url=""):
        """Django's password form, after which the member's open live sockets close as after the
        member pages' own password changes (`services.member_password_set`)."""
        session_key = request.session.session_key  # Django cycles it when one sets one's own
        member = self.get_object(request, unquote(id))
        response = super().user_change_password(request, id, form_url)
        if member is not None and User.objects.filter(pk=member.pk).exclude(password=member.password).exists():
            services.member_password_set(member=member, by=request.user, session_key=session_key)
        return response


@admin.register(RoleGrant)
class RoleGrantAdmin(ScopedAdmin):
    list_display = ["user", "role", "unit", "granted_by", "granted_at"]
    list_filter = ["role"]
    search_fields = ["user__real_name", "user__username", "unit__name"]
    autocomplete_fields = ["user"]
    readonly_fields = ["granted_by", "granted_at"]

    def has_add_permission(self, request) -> bool:
        return access.is_administrator(request.user)

    def has_change_permission(self, request, obj=None) -> bool:
        return self.has_view_permission(request, obj) and (
            obj is None
            or (access.can_administer_unit(request.user, obj.unit) and access.can_manage_member(request.user, obj.user))
        )

    def has_delete_permission(self, request, obj=None) -> bool:
        return self.has_change_permission(request, obj)

    def relation_choices(self, request, db_field):
        if db_field.name == "user" and not request.user.is_superuser:
            return access.manageable_members(request.user)
        return super().relation_choices(request, db_field)

    def save_model(self, request, obj, form, change):
        access.check_can_grant(request.user, role=obj.role, unit=obj.unit)
        access.check_manage_member(request.user, obj.user)
        obj.granted_by = obj.granted_by or request.user
        super().save_model(request, obj, form, change)


class FactAdmin(ScopedAdmin):
    """Facts are append-only (history, answers, score events...): viewable, never added, edited or
    deleted by hand. Every app's fact admins use this."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(MemberPlacement)
class MemberPlacementAdmin(FactAdmin):
    list_display = ["member", "unit", "effective_at", "reason", "recorded_by"]
    search_fields = ["member__real_name", "member__employee_no"]
    date_hierarchy = "effective_at"


@admin.register(UnitPlacement)
class UnitPlacementAdmin(FactAdmin):
    list_display = ["unit", "name", "parent", "effective_at", "reason", "recorded_by"]
    search_fields = ["name", "name_en"]
