"""Project middleware."""

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
