from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class QuizsiteConfig(AppConfig):
    """The project package as an app: shared template tags and management commands."""

    default = True
    name = "quizsite"


class PlatformAdminConfig(admin_apps.AdminConfig):
    default = False
    default_site = "quizsite.admin_site.PlatformAdminSite"
