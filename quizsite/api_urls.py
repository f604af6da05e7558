"""Every app's API under /api/v1/, on one router."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from contests.online import api as online_api
from lessons import api as lessons_api
from orgs import api as orgs_api
from rankings import api as rankings_api

router = DefaultRouter()
router.register("units", orgs_api.UnitViewSet, basename="unit")
router.register("members", orgs_api.MemberViewSet, basename="member")

urlpatterns = [
    path("auth/token/", orgs_api.SignInTokenView.as_view(), name="api-token"),
    path("me/", orgs_api.MeView.as_view(), name="api-me"),
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
    path("import-jobs/<int:job_id>/", lessons_api.import_job_view, name="api-import-job"),
    path("online/", online_api.ContestListView.as_view(), name="api-online-contests"),
    path("online/<int:contest_id>/", online_api.ContestView.as_view(), name="api-online-contest"),
    path("online/<int:contest_id>/attempts/", online_api.StartView.as_view(), name="api-online-start"),
    path("online/attempts/<int:attempt_id>/", online_api.AttemptView.as_view(), name="api-online-attempt"),
    path(
        "online/attempts/<int:attempt_id>/items/<int:position>/",
        online_api.ItemSaveView.as_view(),
        name="api-online-item-save",
    ),
    path("online/attempts/<int:attempt_id>/events/", online_api.EventView.as_view(), name="api-online-event"),
    path("online/attempts/<int:attempt_id>/submit/", online_api.SubmitView.as_view(), name="api-online-submit"),
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
]
