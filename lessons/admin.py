"""Admin for self-study models, scoped like the pages: organisers see their units' subtrees."""

from django.contrib import admin

from orgs.admin import FactAdmin, ScopedAdmin, ScopedInline

from .models import (
    Attempt,
    ImportJob,
    Lesson,
    NotebookEntry,
    Paper,
    PaperQuestion,
    PaperRule,
    PointEvent,
    PointRule,
    Question,
    QuestionBank,
    QuestionVersion,
    Series,
    Tag,
)
from .selectors import banks_visible_to, questions_usable_by


@admin.register(QuestionBank)
class QuestionBankAdmin(ScopedAdmin):
    list_display = ["name", "slug", "unit", "created_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Question)
class QuestionAdmin(FactAdmin):
    """Questions are edited on the bank pages, where an answered question gets a new version."""

    unit_prefix = "bank__unit__"
    list_display = ["__str__", "bank", "status"]
    list_filter = ["status", "current__type"]
    search_fields = ["current__stem"]


@admin.register(QuestionVersion)
class QuestionVersionAdmin(FactAdmin):
    unit_prefix = "question__bank__unit__"
    list_display = ["__str__", "type", "number", "difficulty", "created_at"]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ["name"]


class PaperQuestionInline(ScopedInline):
    """A paper may draw on the banks its organiser may see, as on the paper pages."""

    model = PaperQuestion
    extra = 1
    raw_id_fields = ["question"]

    def relation_choices(self, request, db_field):
        if db_field.name == "question" and not request.user.is_superuser:
            return questions_usable_by(request.user)
        return super().relation_choices(request, db_field)


class PaperRuleInline(ScopedInline):
    model = PaperRule
    extra = 1

    def relation_choices(self, request, db_field):
        if db_field.name == "bank" and not request.user.is_superuser:
            return banks_visible_to(request.user)
        return super().relation_choices(request, db_field)


@admin.register(Paper)
class PaperAdmin(ScopedAdmin):
    list_display = ["title", "mode", "unit", "status", "time_limit_s", "opens_at", "closes_at"]
    list_filter = ["mode", "status"]
    search_fields = ["title"]
    inlines = [PaperQuestionInline, PaperRuleInline]


@admin.register(Attempt)
class AttemptAdmin(FactAdmin):
    unit_prefix = "paper__unit__"
    list_display = ["member", "paper", "number", "status", "score", "max_score", "started_at", "finished_at"]
    list_filter = ["status", "paper__mode"]
    search_fields = ["member__real_name", "member__employee_no", "paper__title"]


@admin.register(NotebookEntry)
class NotebookEntryAdmin(FactAdmin):
    unit_prefix = "member__unit__"
    list_display = ["member", "question", "state", "due_at", "wrong_count"]
    list_filter = ["state"]


@admin.register(PointRule)
class PointRuleAdmin(admin.ModelAdmin):
    """The values are changed on the points rules page, which validates them and records who
    changed what (PointRuleChange); here they only show."""

    list_display = ["activity", "label", "points", "daily_cap", "is_active"]

    def get_readonly_fields(self, request, obj=None):
        return ["activity", "points", "daily_cap", "is_active"] if obj else []


@admin.register(PointEvent)
class PointEventAdmin(FactAdmin):
    unit_prefix = "member__unit__"
    list_display = ["member", "activity", "points", "day", "source_key"]
    list_filter = ["activity", "day"]


@admin.register(ImportJob)
class ImportJobAdmin(FactAdmin):
    unit_prefix = "bank__unit__"
    list_display = ["filename", "bank", "status", "created_by", "created_at", "finished_at"]
    list_filter = ["status"]


@admin.register(Series)
class SeriesAdmin(ScopedAdmin):
    list_display = ["title", "slug", "unit"]
    search_fields = ["title", "slug"]


@admin.register(Lesson)
class LessonAdmin(ScopedAdmin):
    """Details, audience, publish window, quiz and subtitles; the video goes through the upload page."""

    list_display = ["title", "series", "unit", "publication", "status", "duration_s", "required"]
    list_filter = ["publication", "status", "required"]
    search_fields = ["title", "speaker"]
    filter_horizontal = ["audience"]
    raw_id_fields = ["paper"]
    # Published from the lesson's own pages, which refuse a lesson with no video or a failed one.
    readonly_fields = ["publication", "status", "progress", "failure", "duration_s", "renditions"]
    exclude = ["source", "poster", "mp4", "hls", "created_by"]
