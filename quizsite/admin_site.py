from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


class PlatformAdminSite(admin.AdminSite):
    """The Django admin, for superusers only. Organisers and administrators have the product's own
    pages for everything they manage (units, members, banks, contests, lessons, calls, rankings);
    the admin's model names and raw ids are not for them."""

    site_header = gettext_lazy("Knowledge contest platform administration")
    site_title = gettext_lazy("Platform administration")
    index_title = gettext_lazy("Administration")

    def has_permission(self, request) -> bool:
        user = request.user
        return user.is_active and user.is_superuser

    def login(self, request, extra_context=None):
        """A signed-in organiser sent here (any /admin/ page redirects to this login) is told the
        site is not theirs, on the product's refusal page, rather than offered another sign-in."""
        if request.user.is_authenticated and not self.has_permission(request):
            raise PermissionDenied(
                _(
                    "The administration site is for the platform's superusers. Everything you manage"
                    " has its own page here: start from the home page or the menu."
                )
            )
        return super().login(request, extra_context)
