from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CallsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "calls"
    verbose_name = _("Calls for entries")

    def ready(self) -> None:
        from . import judges  # noqa: F401  (registers the judging reminder's notification kind)
