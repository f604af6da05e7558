"""How every list under /api/v1/ is paged: `?page=N&page_size=M`, the same everywhere."""

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import pagination
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request

from .api_errors import ApiError


class PageNumberPagination(pagination.PageNumberPagination):
    """`page_size` defaults to PAGE_SIZE and is cut to `max_page_size`; a page past the end (or
    not a number) is a 404 `no_such_page`."""

    page_size = settings.REST_FRAMEWORK["PAGE_SIZE"]
    page_size_query_param = "page_size"
    max_page_size = 500

    def paginate_queryset(self, queryset, request: Request, view=None):
        try:
            return super().paginate_queryset(queryset, request, view)
        except NotFound:
            message = _("There is no page %(page)s.") % {"page": request.query_params.get(self.page_query_param, "")}
            raise ApiError("no_such_page", message, field=self.page_query_param, status_code=404) from None

    def get_page_size(self, request: Request) -> int:
        """The page size asked for, at most `max_page_size`. Anything but a whole number from 1
        up is a 400 naming the parameter: DRF would quietly use the default, and a client that
        asked for 0 or "abc" should learn that it was wrong."""
        asked = request.query_params.get(self.page_size_query_param, "")
        if asked == "":
            return self.page_size
        try:
            size = int(asked)
        except ValueError:
            size = 0
        if size < 1:
            raise ValidationError(
                {
                    self.page_size_query_param: [
                        _("page_size must be a whole number from 1 to %(max)d.") % {"max": self.max_page_size}
                    ]
                }
            )
        return min(size, self.max_page_size)
