from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from orgs import access


class PlatformAdminSite(admin.AdminSite):
    """The Django admin, open to organisers too; each model admin scopes them to their subtree."""

    site_header = _("Knowledge contest platform administration")
    site_title = _("Platform administration")
    index_title = _("Administration")

    def has_permission(self, request) -> bool:
        user = request.user
        return user.is_active and (user.is_staff or access.is_manager(user))
