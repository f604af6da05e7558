"""Project middleware."""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponseRedirect, QueryDict
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import resolve_url
from django.urls import Resolver404, resolve
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _


class RequestLocaleMiddleware(LocaleMiddleware):
    """Django's LocaleMiddleware, but the request's language is active only while the request is
    handled: Django's activates it for the thread and leaves it there, so whatever runs next in
    that thread outside a request (the test client runs pages in the test's own thread: a test
    after one that fetched a page in English) spoke the last visitor's language."""

    def process_request(self, request):
        request.language_before = translation.get_language()
        super().process_request(request)

    def process_response(self, request, response):
        response = super().process_response(request, response)
        before = getattr(request, "language_before", None)
        if before:
            translation.activate(before)
        return response


class QueryNulMiddleware:
    """A query string's NUL characters are dropped before any view reads it: PostgreSQL takes no
    NUL in a text parameter, so a search for 'a%00b' on the member list or the API was a server
    error. Nobody types one; the rest of the search stays as it was sent. (Forms refuse NUL
    themselves: Django's CharField validator.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        query = request.GET
        if any("\x00" in key or any("\x00" in value for value in values) for key, values in query.lists()):
            cleaned = QueryDict(mutable=True)
            for key, values in query.lists():
                cleaned.setlist(key.replace("\x00", ""), [value.replace("\x00", "") for value in values])
            cleaned._mutable = False
            request.GET = cleaned
        return self.get_response(request)


# Where a form sent while signed out comes back to after the sign-in, so that page can say so.
RESUBMIT_KEY = "signed_out_post_page"


class FormPagesMiddleware:
    """Forms post to addresses that take nothing but POST (start a paper, check a notebook entry,
    remove it, send an entry...): in one place, none of them is ever a dead end.

    - A form sent after the session expired went to the sign-in page with `next` = the address it
      posted to, which the browser then asked for with GET: a blank 405 and the answer lost. The
      sign-in now sends the member back to the page the form was on (its `next` field, else the
      page it came from), which says they were signed out and should send it again.
    - A GET of a POST-only address (a bookmark, that old sign-in link, Back) goes to its page: the
      nearest address above it that is a page (/study/notebook/5/review/ -> /study/notebook/).
    The API (/api/) answers for itself in JSON."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/api/"):
            return self.get_response(request)
        user = getattr(request, "user", None)
        if request.method == "GET" and user is not None and user.is_authenticated and RESUBMIT_KEY in request.session:
            if request.session.pop(RESUBMIT_KEY) == request.path:
                messages.warning(
                    request,
                    _("You had been signed out, so what you last sent was not saved. Please send it again."),
                )
        response = self.get_response(request)
        if request.method == "POST" and not (user and user.is_authenticated) and self._to_sign_in(request, response):
            page = self._form_page(request)
            # Only a page the browser went to: a script's request (a heartbeat) leaves no note.
            if request.headers.get("Sec-Fetch-Mode", "navigate") == "navigate":
                request.session[RESUBMIT_KEY] = urlsplit(page).path
            return redirect_to_login(page)
        if request.method in ("GET", "HEAD") and response.status_code == 405:
            return HttpResponseRedirect(self._page_above(request.path))
        return response

    @staticmethod
    def _to_sign_in(request, response) -> bool:
        """Whether the view sent the signed-out request to sign in first, to come back to it
        (`login_required`: `next` is the address posted to). A form whose own place to go is the
        sign-in page (the language switch on it) is not a form lost to an ended session."""
        if response.status_code != 302:
            return False
        location = urlsplit(response["Location"])
        return (
            location.path == resolve_url(settings.LOGIN_URL)
            and QueryDict(location.query).get(REDIRECT_FIELD_NAME) == request.get_full_path()
        )

    def _form_page(self, request) -> str:
        """The page the form was posted from: its `next` field or the Referer when they are this
        site's (and not the POST-only address itself), else the page above the address."""
        for candidate in (request.POST.get("next", ""), request.headers.get("Referer", "")):
            if candidate and url_has_allowed_host_and_scheme(
                candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
            ):
                parts = urlsplit(candidate)
                if parts.path and parts.path != request.path:
                    return parts._replace(scheme="", netloc="").geturl()
        return self._page_above(request.path)

    @staticmethod
    def _page_above(path: str) -> str:
        """The nearest address above `path` that this site serves (at worst the home page)."""
        segments = [segment for segment in path.split("/") if segment]
        while segments:
            segments.pop()
            candidate = "/" + "".join(f"{segment}/" for segment in segments)
            try:
                resolve(candidate)
            except Resolver404:
                continue
            return candidate
        return "/"
