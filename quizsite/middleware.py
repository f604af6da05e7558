"""Project middleware."""

from django.http import QueryDict
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


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
