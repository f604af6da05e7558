"""A temporary password must be replaced: an account an organiser gave one
(`services.member_password_reset`, `User.must_change_password`) is sent to the password change
page from every page, and the API answers it `password_change_required`, until the member has
chosen their own password (`User.set_password` clears the mark)."""

from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

# Besides the change page itself: signing out, static files, the health check, the language switch.
OPEN_PREFIXES = ("/static/", "/i18n/", "/jsi18n/", "/api/")
OPEN_URL_NAMES = ("password_change", "password_change_done", "logout", "healthz")
# The API a marked account still reaches: signing in and out, revoking its tokens.
OPEN_API_URLS = {"api-token", "api-token-revoke"}
# What the API and the sockets answer such an account (`password_change_required`).
CHOOSE_YOUR_OWN = _("This account has a temporary password: choose your own on the website first.")


def must_change_password(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "must_change_password", False))


class PasswordChangeRequiredMiddleware:
    """Sends an account with a temporary password to the change page (the API: the permission below)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.open_paths: set[str] | None = None

    def __call__(self, request):
        if must_change_password(request.user):
            if self.open_paths is None:
                self.open_paths = {reverse(name) for name in OPEN_URL_NAMES}
            path = request.path_info
            if path not in self.open_paths and not path.startswith(OPEN_PREFIXES):
                return redirect("password_change")
        return self.get_response(request)


class PasswordChangedPermission(BasePermission):
    """The API answers an account with a temporary password `password_change_required` (403)."""

    def has_permission(self, request, view) -> bool:
        if must_change_password(request.user):
            match = request.resolver_match
            if not (match and match.url_name in OPEN_API_URLS):
                from quizsite.api_errors import ApiError  # it imports DRF's views, which load this module

                raise ApiError("password_change_required", CHOOSE_YOUR_OWN, status_code=403)
        return True
