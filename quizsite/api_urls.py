"""Every app's API under /api/v1/, on one router."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from lessons import api as lessons_api
from orgs import api as orgs_api
from rankings import api as rankings_api

router = DefaultRouter()
router.register("units", orgs_api.UnitViewSet, basename="unit")
router.register("members", orgs_api.MemberViewSet, basename="member")

urlpatterns = [
    path("auth/token/", orgs_api.SignInTokenView.as_view(), name="api-token"),
    path("auth/tokens/", orgs_api.TokenListView.as_view(), name="api-tokens"),
    path("auth/tokens/<int:token_id>/", orgs_api.TokenRevokeView.as_view(), name="api-token-revoke"),
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
