"""Contest set-up in the admin (scoped to the organiser's units); facts are read-only."""

from django.contrib import admin
from django.db import transaction
from django.db.models import Q

from lessons.models import QuestionVersion
from lessons.selectors import questions_usable_by
from orgs.admin import FactAdmin, ScopedAdmin, ScopedInline

from . import access
from .models import AuditEntry, Contest, ContestAnswer, Round, RoundQuestion, ScoreEvent, Team, TeamMember


class TeamInline(ScopedInline):
    model = Team
    extra = 0


class RoundInline(ScopedInline):
    model = Round
    extra = 0
    show_change_link = True


@admin.register(Contest)
class ContestAdmin(ScopedAdmin):
    list_display = ["title", "unit", "join_code", "status", "started_at"]
    list_filter = ["status"]
    readonly_fields = ["join_code", "status", "current", "started_at", "finished_at"]
    inlines = [TeamInline, RoundInline]

    # A superuser's deletion (rehearsals go with their contest): every process forgets the
    # rosters and closes the phones, as a rehearsal reset does.
    @transaction.atomic  # the processes act once the deletion has committed
    def delete_model(self, request, obj):
        access.places_forget_deleted(Contest.objects.filter(Q(pk=obj.pk) | Q(rehearsal_of=obj.pk)))
        super().delete_model(request, obj)

    @transaction.atomic
    def delete_queryset(self, request, queryset):
        ids = list(queryset.values_list("pk", flat=True))
        access.places_forget_deleted(Contest.objects.filter(Q(pk__in=ids) | Q(rehearsal_of__in=ids)))
        super().delete_queryset(request, queryset)


class TeamMemberInline(ScopedInline):
    model = TeamMember
    extra = 0
    raw_id_fields = ["member"]
    readonly_fields = ["unit_at_start"]
    exclude = ["contest"]


@admin.register(Team)
class TeamAdmin(ScopedAdmin):
    unit_prefix = "contest__unit__"
    list_display = ["name", "contest", "unit"]
    inlines = [TeamMemberInline]

    def save_formset(self, request, form, formset, change):
        for place in formset.save(commit=False):
            place.contest = place.team.contest
            place.save()
        formset.save_m2m()


class RoundQuestionInline(ScopedInline):
    """A round may ask questions of the banks its organiser may see, as a paper may."""

    model = RoundQuestion
    extra = 0
    raw_id_fields = ["version"]

    def relation_choices(self, request, db_field):
        if db_field.name == "version" and not request.user.is_superuser:
            return QuestionVersion.objects.filter(question__in=questions_usable_by(request.user))
        return super().relation_choices(request, db_field)


@admin.register(Round)
class RoundAdmin(ScopedAdmin):
    unit_prefix = "contest__unit__"
    list_display = ["__str__", "contest", "position", "type", "points", "penalty", "time_limit_s"]
    inlines = [RoundQuestionInline]


@admin.register(ScoreEvent)
class ScoreEventAdmin(FactAdmin):
    unit_prefix = "contest__unit__"
    list_display = ["team", "points", "reason", "note", "created_by", "created_at"]
    list_filter = ["reason"]


@admin.register(AuditEntry)
class AuditEntryAdmin(FactAdmin):
    unit_prefix = "contest__unit__"
    list_display = ["contest", "action", "actor", "at"]


@admin.register(ContestAnswer)
class ContestAnswerAdmin(FactAdmin):
    unit_prefix = "opening__contest__unit__"
    list_display = ["team", "member", "response", "is_correct", "received_at"]
