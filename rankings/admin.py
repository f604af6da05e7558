"""Ranking rules in the admin, for administrators of the rule's unit; snapshots read-only.

Computing, approving and publishing happen on the rule's console page (`rankings:manage`),
which goes through `rankings.services`; a published snapshot cannot be changed or deleted here.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from orgs import access
from orgs.admin import ScopedAdmin, ScopedInline
from orgs.forms import UnitChoiceField
from orgs.models import Unit

from . import selectors, services
from .models import RankingRule, RuleScope, RuleSource, Snapshot
from .params import TIE_BREAKS, check_tie_breaks
from .rule_forms import check_scope

TIE_BREAK_LABELS = {
    "accuracy_desc": _("Accuracy (rate of right answers), higher first"),
    "right_desc": _("Number of right answers, more first"),
    "time_used_asc": _("Time used, less first"),
    "finished_at_asc": _("Finish time, earlier first"),
    "participants_desc": _("Participants, more first"),
}
TIE_BREAK_SLOTS = 3
TIE_BREAK_SLOT_LABELS = {1: _("First tie-break"), 2: _("Second tie-break"), 3: _("Third tie-break")}


def _tie_break_field(slot: int) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=TIE_BREAK_SLOT_LABELS[slot],
        choices=[("", "---------"), *((key, TIE_BREAK_LABELS[key]) for key in TIE_BREAKS)],
        required=False,
        help_text=_("Suggested: accuracy, then time used.") if slot == 1 else "",
    )


class RuleForm(forms.ModelForm):
    """The rule with its tie-breaks as plain selects, one per position, instead of a JSON list."""

    tie_break_1 = _tie_break_field(1)
    tie_break_2 = _tie_break_field(2)
    tie_break_3 = _tie_break_field(3)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for slot, key in enumerate(list(self.instance.tie_breaks or [])[:TIE_BREAK_SLOTS], start=1):
            self.fields[f"tie_break_{slot}"].initial = key

    def clean(self):
        cleaned = super().clean()
        keys = [cleaned.get(f"tie_break_{slot}") for slot in range(1, TIE_BREAK_SLOTS + 1)]
        self.instance.tie_breaks = [key for key in keys if key]
        # The inline formset checks the tie-breaks against the sources being saved with the rule.
        self.instance.pending_source_kinds = None
        return cleaned


class RuleSourceFormSet(BaseInlineFormSet):
    def clean(self):
        """Refuse tie-breaks that need data none of the sources being saved provides."""
        super().clean()
        kinds = [
            form.cleaned_data["kind"]
            for form in self.forms
            if getattr(form, "cleaned_data", None)
            and form.cleaned_data.get("kind")
            and not self._should_delete_form(form)
        ]
        error = check_tie_breaks(self.instance.tie_breaks, subject=self.instance.subject, source_kinds=kinds or None)
        if error:
            raise ValidationError(error)
        # The rule is saved before its sources: rule_save checks against these, not the old ones.
        self.instance.pending_source_kinds = kinds or None


class RuleSourceInline(ScopedInline):
    """Sources are part of the rule: whoever may edit the rule may edit them."""

    model = RuleSource
    formset = RuleSourceFormSet
    extra = 1
    raw_id_fields = ["contest", "paper"]


class RuleScopeFormSet(BaseInlineFormSet):
    def clean(self):
        """Refuse units the rule builder would refuse together (`check_scope`), by path."""
        super().clean()
        units = [
            form.cleaned_data["unit"]
            for form in self.forms
            if getattr(form, "cleaned_data", None)
            and form.cleaned_data.get("unit")
            and not self._should_delete_form(form)
        ]
        check_scope(sorted(units, key=lambda unit: unit.path), lambda unit: unit.display_path)


class RuleScopeInline(admin.TabularInline):
    """The units a rule covers (none: its own unit). Django's model permissions keep it to
    superusers, as is the whole admin; administrators choose them on the rule builder's page."""

    model = RuleScope
    formset = RuleScopeFormSet
    extra = 0

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model is Unit:
            return UnitChoiceField(user=request.user, label=db_field.verbose_name)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class AdministratorScoped(ScopedAdmin):
    """Rankings belong to administrators (organisers prepare contests, administrators publish)."""

    def get_queryset(self, request):
        return admin.ModelAdmin.get_queryset(self, request).filter(
            access.subtree_q(request.user, prefix=self.unit_prefix, roles=access.ADMINISTERING)
        )

    def has_module_permission(self, request) -> bool:
        return access.is_administrator(request.user)

    def has_view_permission(self, request, obj=None) -> bool:
        return access.is_administrator(request.user) and self.in_scope(request, obj)

    def has_add_permission(self, request) -> bool:
        return access.is_administrator(request.user)


@admin.register(RankingRule)
class RankingRuleAdmin(AdministratorScoped):
    list_display = ["title", "slug", "unit", "subject", "metric", "version", "dirty", "console"]
    list_filter = ["subject", "metric", "prize_mode"]
    search_fields = ["title", "slug"]
    readonly_fields = ["version", "population_frozen_at"]
    inlines = [RuleSourceInline, RuleScopeInline]
    form = RuleForm
    fieldsets = [
        (None, {"fields": ["title", "slug", "unit", "is_active"]}),
        (_("Who is ranked"), {"fields": ["subject", "unit_level", "unit_kinds", "group_level"]}),
        (
            _("Metric and eligibility"),
            {"fields": ["metric", "top_k", "composite", "min_participants", "min_participation"]},
        ),
        (_("Order"), {"fields": [*(f"tie_break_{n}" for n in range(1, TIE_BREAK_SLOTS + 1)), "rank_style"]}),
        (_("Prizes"), {"fields": ["prize_mode", "prize_tiers", "boundary_ties", "percent_rounding"]}),
        (_("Period of self-study facts"), {"fields": ["period_starts_on", "period_ends_on"]}),
        (
            _("Headcount"),
            {"fields": ["headcount_on", "party_members_only", "count_deactivated", "mover_credit"]},
        ),
        (_("Record"), {"fields": ["version", "population_frozen_at"]}),
    ]

    @admin.display(description=_("console"))
    def console(self, rule: RankingRule) -> str:
        from django.urls import reverse

        return format_html('<a href="{}">{}</a>', reverse("rankings:manage", args=[rule.slug]), _("Compute / publish"))

    def save_model(self, request, obj, form, change):
        services.rule_save(rule=obj, by=request.user, source_kinds=obj.pending_source_kinds)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if any(formset.has_changed() for formset in formsets):
            # Its own unit alone is no scope (`rule_scope_set`); either change is a new version.
            services.rule_scope_set(rule=form.instance, units=form.instance.scope_units())
            services.rule_sources_changed(rule=form.instance)

    def has_delete_permission(self, request, obj=None) -> bool:
        # A rule with snapshots is part of the record; one without may go.
        return self.has_change_permission(request, obj) and (obj is None or not obj.snapshots.exists())


@admin.register(Snapshot)
class SnapshotAdmin(AdministratorScoped):
    unit_prefix = "rule__unit__"
    list_display = ["rule", "version", "status", "row_count", "computed_at", "published_at", "short_hash"]
    list_filter = ["status"]
    readonly_fields = [field.name for field in Snapshot._meta.fields]

    @admin.display(description=_("input hash"))
    def short_hash(self, snapshot: Snapshot) -> str:
        return snapshot.input_hash[:12]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        # Drafts may be thrown away; published and superseded snapshots are the record.
        return (
            obj is not None and obj.status not in Snapshot.FROZEN and selectors.can_administer(request.user, obj.rule)
        )
