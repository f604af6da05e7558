"""The member's home over /api/v1/home/: the same selectors as the home page, so a phone client
shows the same tasks, caps, hours, streak and places as the page does."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from lessons import selectors as lesson_selectors

from . import selectors


class TaskSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["lesson", "daily", "exam", "online", "relay", "contest"])
    title = serializers.CharField()
    url = serializers.CharField(help_text="The page for this task (a path on the site).")
    done = serializers.BooleanField(
        help_text="Done today: a task stays on the list, ticked, for the rest of the day it was done."
    )
    deadline_at = serializers.DateTimeField(allow_null=True)
    under_way = serializers.BooleanField(
        help_text="An attempt or relay leg you have started; such tasks come first, soonest end first."
    )
    ends_at = serializers.DateTimeField(allow_null=True, help_text="When the attempt under way ends (its time limit).")
    start_by = serializers.DateTimeField(
        allow_null=True, help_text="For a relay leg waiting for you: start it by then, or it may be skipped."
    )


class PointsTodaySerializer(serializers.Serializer):
    activity = serializers.CharField()
    label = serializers.CharField(help_text="The activity's name in the request's language.")
    earned = serializers.IntegerField()
    cap = serializers.IntegerField(help_text="The most points this activity gives in a day.")


class CorrectionSerializer(serializers.Serializer):
    version = serializers.IntegerField(help_text="The version corrected, no longer shown.")
    reason = serializers.CharField(
        source="supersede_reason", help_text="Why it was corrected, as the publisher gave it."
    )


class PlaceSerializer(serializers.Serializer):
    ranking = serializers.SlugField(source="rule.slug", help_text="The board's slug: GET /rankings/<slug>/.")
    title = serializers.CharField(source="rule.title")
    title_en = serializers.CharField(source="rule.title_en", help_text="The English title; empty: the title as typed.")
    label = serializers.CharField(source="row.label", help_text="You, your team or your unit, as on the board.")
    label_en = serializers.CharField(
        help_text="On a unit board, the unit's English name as the English board gives it; empty: the label as typed."
    )
    rank = serializers.IntegerField(source="row.rank", allow_null=True, help_text="null: not placed.")
    tied = serializers.BooleanField(help_text="Others share this place (the board writes it 18=).")
    group_name = serializers.CharField(
        source="row.group_name", help_text="The unit within which `rank_in_group` counts; empty: none."
    )
    group_name_en = serializers.CharField(help_text="Its English name; empty: the name as typed.")
    rank_in_group = serializers.IntegerField(
        source="row.rank_in_group", allow_null=True, help_text="Your place within that unit; null: none."
    )
    tied_in_group = serializers.BooleanField(help_text="Others of that unit share your place within it.")
    prize = serializers.CharField(source="row.prize")
    metric = serializers.CharField(
        help_text="What `score` measures: the metric the published version ranked by (`total`, `mean`,"
        " `per_capita`, `participation`, `top_k`, `best`, `composite`)."
    )
    score = serializers.DecimalField(
        source="row.metric",
        max_digits=18,
        decimal_places=4,
        allow_null=True,
        help_text="The score counted for your place, as the home page's My place card shows it (a participation"
        " rate as a fraction: 0.9500 is 95%); null: none.",
    )
    published_at = serializers.DateTimeField(
        source="snapshot.published_at",
        allow_null=True,
        help_text="When the board's version your place is from was published: it changes at the next publication.",
    )
    period_starts_on = serializers.DateField(
        source="snapshot.period_starts_on",
        allow_null=True,
        help_text="The first day that version counted, a local calendar day (YYYY-MM-DD); null: no start set.",
    )
    period_ends_on = serializers.DateField(
        source="snapshot.period_ends_on",
        allow_null=True,
        help_text="The last day that version counted, a local calendar day counted whole; null: no end set.",
    )
    corrects = CorrectionSerializer(
        source="replaced",
        allow_null=True,
        help_text='The published version this one corrected (the card\'s "as corrected"); null: not a correction.',
    )


class HomeSerializer(serializers.Serializer):
    tasks = TaskSerializer(many=True)
    tasks_left = serializers.IntegerField(help_text="Tasks not done yet.")
    points_today = PointsTodaySerializer(many=True)
    points_today_total = serializers.IntegerField()
    hours_this_year = serializers.DecimalField(max_digits=10, decimal_places=2, help_text="Study hours granted.")
    streak = serializers.IntegerField(help_text="Days of study in a row, up to today (or yesterday).")
    places = PlaceSerializer(many=True, help_text="Your row on each published board that includes you.")


class HomeView(APIView):
    """What the signed-in member has to do today and how they are doing: the home page's member part."""

    @extend_schema(operation_id="home_retrieve", responses=HomeSerializer)
    def get(self, request):
        user = request.user
        tasks = selectors.today_tasks(user)
        points_today = lesson_selectors.points_today(user)
        return Response(
            HomeSerializer(
                {
                    "tasks": tasks,
                    "tasks_left": sum(1 for task in tasks if not task.done),
                    "points_today": points_today,
                    "points_today_total": sum(row.earned for row in points_today),
                    "hours_this_year": selectors.study_hours_this_year(user),
                    "streak": selectors.study_streak(user),
                    "places": selectors.my_places(user),
                }
            ).data
        )
