"""Every app's API under /api/v1/, on one router."""

from django.urls import include, path
from rest_framework.authtoken.views import obtain_auth_token
from rest_framework.routers import DefaultRouter

from orgs import api as orgs_api

router = DefaultRouter()
router.register("units", orgs_api.UnitViewSet, basename="unit")
router.register("members", orgs_api.MemberViewSet, basename="member")

urlpatterns = [
    path("auth/token/", obtain_auth_token, name="api-token"),
    path("me/", orgs_api.MeView.as_view(), name="api-me"),
    path("", include(router.urls)),
]
