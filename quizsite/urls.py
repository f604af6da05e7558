from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_replace
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from orgs import views as org_views

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("me/", views.me, name="me"),
    path("me/devices/", org_views.my_devices, name="my_devices"),
    path("me/devices/<int:token_id>/sign-out/", org_views.my_device_sign_out, name="my_device_sign_out"),
    path("healthz", views.healthz, name="healthz"),
    # Browsers and bookmarks ask for /favicon.ico whatever a page declares: the same icon.
    path("favicon.ico", views.favicon),
    path("accounts/login/", org_views.SignInView.as_view(), name="login"),
    path("accounts/logout/", org_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", org_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    # Before Django's own: a member's choice is also kept on their account.
    path("i18n/setlang/", org_views.set_language, name="set_language"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("orgs/", include("orgs.urls")),
    path("", include("lessons.urls")),
    path("contests/", include("contests.urls")),
    path("rankings/", include("rankings.urls")),
    path("notifications/", include("notifications.urls")),
    path("calls/", include("calls.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("quizsite.api_urls")),
    # An intranet platform's API is described to its users only: the schema answers 401/403 like
    # the API (SERVE_PERMISSIONS), the documentation pages send a visitor to sign in.
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", login_required(SpectacularSwaggerView.as_view(url_name="schema")), name="api-docs"),
    # ReDoc's styled-components write <style> elements as it runs, which no nonce reaches.
    path(
        "api/redoc/",
        login_required(
            csp_replace({"style-src": [SELF, UNSAFE_INLINE]})(SpectacularRedocView.as_view(url_name="schema"))
        ),
        name="api-redoc",
    ),
]

if settings.BENCH_FLOOR:  # bench/online.py measures the stack's floor against its hot paths
    urlpatterns.append(path("bench/floor/", views.bench_floor, name="bench-floor"))
