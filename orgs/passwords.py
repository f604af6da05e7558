"""A temporary password must be replaced: an account an organiser gave one
(`services.member_password_reset`, `User.must_change_password`) is sent to the password change
page from every page, and everything else answers it `password_change_required` until the member
has chosen their own password (`User.set_password` clears the mark): the API (the permission
below), the JSON endpoints the pages' scripts call (the middleware), and the live sockets
(`contests.consumers.refuse_sign_in`: an `error` frame, then close 4403). Sockets already open
when the temporary password is set close then (`orgs.sockets.member_sockets_end`)."""

from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

# Besides the change page itself: signing out, static files, the health check, the language switch,
# and the API, whose permission below answers (a token is read there, not here). The API's
# documentation pages and schema, outside /api/v1/, are refused here.
OPEN_PREFIXES = ("/static/", "/i18n/", "/jsi18n/", "/api/v1/")
OPEN_URL_NAMES = ("password_change", "password_change_done", "logout", "healthz")
# The API a marked account still reaches: signing in and out, revoking its tokens.
OPEN_API_URLS = {"api-token", "api-token-revoke"}
PASSWORD_CHANGE_REQUIRED = _("This account has a temporary password: choose your own on the website first.")


def must_change_password(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "must_change_password", False))


def wants_page(request) -> bool:
    """Whether a request is for a page: a browser's link or form asks for HTML; a script's fetch
    asks for anything (`*/*`) or JSON. A request with no Accept header is taken as a page's."""
    accept = request.headers.get("Accept", "")
    return not accept or "text/html" in accept


class PasswordChangeRequiredMiddleware:
    """Sends an account with a temporary password to the change page when it asks for a page
    (`wants_page`), and answers anything else (a script's fetch, an
    autosave, an upload chunk, a big screen's poll) 403 `password_change_required` in the API's
    error shape, which a script can act on where it could not on a redirect to a page. The API
    itself: the permission below."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.open_paths: set[str] | None = None

    def __call__(self, request):
        if must_change_password(request.user):
            if self.open_paths is None:
                self.open_paths = {reverse(name) for name in OPEN_URL_NAMES}
            path = request.path_info
            if path not in self.open_paths and not path.startswith(OPEN_PREFIXES):
                if wants_page(request):
                    return redirect("password_change")
                from quizsite.api_errors import error_response  # it imports DRF's views, which load this module

                return error_response("password_change_required", PASSWORD_CHANGE_REQUIRED, status=403)
        return self.get_response(request)


class PasswordChangedPermission(BasePermission):
    """The API answers an account with a temporary password `password_change_required` (403)."""

    def has_permission(self, request, view) -> bool:
        if must_change_password(request.user):
            match = request.resolver_match
            if not (match and match.url_name in OPEN_API_URLS):
                from quizsite.api_errors import ApiError  # it imports DRF's views, which load this module

                raise ApiError("password_change_required", PASSWORD_CHANGE_REQUIRED, status_code=403)
        return True
