"""Every app's API under /api/v1/, on one router."""

from django.urls import include, path, re_path
from rest_framework.routers import DefaultRouter

from calls import api as calls_api
from contests import api as contests_api
from contests.online import api as online_api
from contests.relay import api as relay_api
from lessons import api as lessons_api
from lessons import api_videos
from notifications import api as notifications_api
from orgs import api as orgs_api
from quizsite import api as home_api
from quizsite import api_errors
from rankings import api as rankings_api

router = DefaultRouter()
router.register("units", orgs_api.UnitViewSet, basename="unit")
router.register("members", orgs_api.MemberViewSet, basename="member")

urlpatterns = [
    path("auth/token/", orgs_api.SignInTokenView.as_view(), name="api-token"),
    path("auth/tokens/", orgs_api.TokenListView.as_view(), name="api-tokens"),
    path("auth/tokens/<int:token_id>/", orgs_api.TokenRevokeView.as_view(), name="api-token-revoke"),
    path("me/", orgs_api.MeView.as_view(), name="api-me"),
    path("home/", home_api.HomeView.as_view(), name="api-home"),
    path("notifications/", notifications_api.NotificationListView.as_view(), name="api-notifications"),
    path("notifications/unread/", notifications_api.UnreadView.as_view(), name="api-notifications-unread"),
    path("notifications/read-all/", notifications_api.ReadAllView.as_view(), name="api-notifications-read-all"),
    path(
        "notifications/<int:notification_id>/read/",
        notifications_api.ReadView.as_view(),
        name="api-notification-read",
    ),
    path("study/papers/", lessons_api.PaperListView.as_view(), name="api-papers"),
    path("study/papers/<int:paper_id>/attempts/", lessons_api.AttemptStartView.as_view(), name="api-attempt-start"),
    path("study/attempts/<int:attempt_id>/", lessons_api.AttemptView.as_view(), name="api-attempt"),
    path(
        "study/attempts/<int:attempt_id>/items/<int:position>/",
        lessons_api.ItemSaveView.as_view(),
        name="api-item-save",
    ),
    path(
        "study/attempts/<int:attempt_id>/items/<int:position>/answer/",
        lessons_api.ItemAnswerView.as_view(),
        name="api-item-answer",
    ),
    path("study/attempts/<int:attempt_id>/submit/", lessons_api.SubmitView.as_view(), name="api-attempt-submit"),
    path("study/notebook/", lessons_api.notebook_list, name="api-notebook"),
    path("study/notebook/<int:entry_id>/review/", lessons_api.ReviewView.as_view(), name="api-notebook-review"),
    path("study/points/", lessons_api.points_view, name="api-points"),
    path("banks/<slug:slug>/imports/", lessons_api.BankImportView.as_view(), name="api-bank-import"),
    path("banks/<slug:slug>/export/", lessons_api.bank_export_view, name="api-bank-export"),
    path("import-jobs/<int:job_id>/", lessons_api.import_job_view, name="api-import-job"),
    path("lessons/series/", api_videos.SeriesListView.as_view(), name="api-series"),
    path("lessons/", api_videos.LessonListView.as_view(), name="api-lessons"),
    path("lessons/<int:lesson_id>/", api_videos.LessonView.as_view(), name="api-lesson"),
    path("lessons/<int:lesson_id>/stream/", api_videos.StreamView.as_view(), name="api-lesson-stream"),
    path("lessons/<int:lesson_id>/heartbeats/", api_videos.HeartbeatView.as_view(), name="api-lesson-heartbeat"),
    # Not an API view (no schema entry): the media behind a signed stream URL.
    path(
        "lessons/<int:lesson_id>/media/<str:signed>/<path:name>",
        api_videos.signed_media,
        name="api-lesson-media",
    ),
    path("study/hours/", api_videos.StudyHoursView.as_view(), name="api-study-hours"),
    path("contests/", contests_api.ContestListView.as_view(), name="api-contests"),
    path("contests/join/", contests_api.JoinView.as_view(), name="api-contest-join"),
    path("contests/<str:code>/", contests_api.ContestView.as_view(), name="api-contest"),
    path("contests/<str:code>/ticket/", contests_api.TicketView.as_view(), name="api-contest-ticket"),
    path("contests/<str:code>/results/", contests_api.ResultsView.as_view(), name="api-contest-results"),
    path("contests/<str:code>/results/export/", contests_api.ResultsExportView.as_view(), name="api-contest-export"),
    path("online/", online_api.ContestListView.as_view(), name="api-online-contests"),
    path("online/<int:contest_id>/", online_api.ContestView.as_view(), name="api-online-contest"),
    path("online/<int:contest_id>/attempts/", online_api.StartView.as_view(), name="api-online-start"),
    path("online/attempts/<int:attempt_id>/", online_api.AttemptView.as_view(), name="api-online-attempt"),
    path(
        "online/attempts/<int:attempt_id>/items/<int:position>/",
        online_api.ItemSaveView.as_view(),
        name="api-online-item-save",
    ),
    path(
        "online/attempts/<int:attempt_id>/items/<int:position>/open/",
        online_api.ItemOpenView.as_view(),
        name="api-online-item-open",
    ),
    path("online/attempts/<int:attempt_id>/events/", online_api.EventView.as_view(), name="api-online-event"),
    path("online/attempts/<int:attempt_id>/submit/", online_api.SubmitView.as_view(), name="api-online-submit"),
    path("online/relays/", relay_api.RelayListView.as_view(), name="api-relays"),
    path("online/relays/<int:relay_id>/", relay_api.RelayView.as_view(), name="api-relay"),
    path(
        "online/relays/<int:relay_id>/teams/<int:team_id>/legs/",
        relay_api.LegStartView.as_view(),
        name="api-relay-leg-start",
    ),
    path(
        "online/relays/<int:relay_id>/legs/<int:leg_id>/skip/", relay_api.LegSkipView.as_view(), name="api-relay-skip"
    ),
    path(
        "online/relays/<int:relay_id>/legs/<int:leg_id>/replace/",
        relay_api.LegReplaceView.as_view(),
        name="api-relay-replace",
    ),
    path("calls/", calls_api.OpenCallListView.as_view(), name="api-calls"),
    path("calls/entries/", calls_api.MyEntryListView.as_view(), name="api-call-entries"),
    path("calls/<int:call_id>/entries/", calls_api.EntryCreateView.as_view(), name="api-call-entry-create"),
    path("calls/entries/<int:entry_id>/file/", calls_api.EntryFileView.as_view(), name="api-call-entry-file"),
    path("calls/entries/<int:entry_id>/submit/", calls_api.EntrySubmitView.as_view(), name="api-call-entry-submit"),
    path(
        "calls/entries/<int:entry_id>/withdraw/", calls_api.EntryWithdrawView.as_view(), name="api-call-entry-withdraw"
    ),
    path("calls/assignments/", calls_api.AssignmentListView.as_view(), name="api-call-assignments"),
    path(
        "calls/assignments/<int:assignment_id>/",
        calls_api.AssignmentView.as_view(),
        name="api-call-assignment",
    ),
    path(
        "calls/assignments/<int:assignment_id>/scores/",
        calls_api.ScoresView.as_view(),
        name="api-call-assignment-scores",
    ),
    path("rankings/", rankings_api.RuleListView.as_view(), name="api-rankings"),
    path("rankings/<slug:slug>/", rankings_api.LeaderboardView.as_view(), name="api-leaderboard"),
    path("rankings/<slug:slug>/runs/", rankings_api.RunListView.as_view(), name="api-ranking-runs"),
    path("rankings/<slug:slug>/runs/<int:run_id>/", rankings_api.RunView.as_view(), name="api-ranking-run"),
    path(
        "rankings/<slug:slug>/versions/<int:version>/approve/",
        rankings_api.ApproveView.as_view(),
        name="api-snapshot-approve",
    ),
    path(
        "rankings/<slug:slug>/versions/<int:version>/publish/",
        rankings_api.PublishView.as_view(),
        name="api-snapshot-publish",
    ),
    path("", include(router.urls)),
    # Last: anything else under /api/v1/ answers in the API's error shape.
    re_path(r"", api_errors.not_found),
]
