"""Ranking rules in the admin, for administrators of the rule's unit; snapshots read-only.

Computing, approving and publishing happen on the rule's console page (`rankings:manage`),
which goes through `rankings.services`; a published snapshot cannot be changed or deleted here.
"""

from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from orgs import access
from orgs.admin import ScopedAdmin, ScopedInline

from . import services
from .models import RankingRule, RuleSource, Snapshot


class RuleSourceInline(ScopedInline):
    """Sources are part of the rule: whoever may edit the rule may edit them."""

    model = RuleSource
    extra = 1
    raw_id_fields = ["contest", "paper"]


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
    inlines = [RuleSourceInline]
    fieldsets = [
        (None, {"fields": ["title", "slug", "unit", "is_active"]}),
        (_("Who is ranked"), {"fields": ["subject", "unit_level", "group_level"]}),
        (
            _("Metric and eligibility"),
            {"fields": ["metric", "top_k", "composite", "min_participants", "min_participation"]},
        ),
        (_("Order"), {"fields": ["tie_breaks", "rank_style"]}),
        (_("Prizes"), {"fields": ["prize_mode", "prize_tiers", "boundary_ties", "percent_rounding"]}),
        (_("Period of self-study facts"), {"fields": ["period_starts_on", "period_ends_on"]}),
        (_("Record"), {"fields": ["version", "population_frozen_at"]}),
    ]

    @admin.display(description=_("console"))
    def console(self, rule: RankingRule) -> str:
        from django.urls import reverse

        return format_html('<a href="{}">{}</a>', reverse("rankings:manage", args=[rule.slug]), _("Compute / publish"))

    def save_model(self, request, obj, form, change):
        services.rule_save(rule=obj, by=request.user)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if any(formset.has_changed() for formset in formsets):
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
            obj is not None
            and obj.status not in Snapshot.FROZEN
            and access.can_administer_unit(request.user, obj.rule.unit)
        )
