from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CallsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "calls"
    verbose_name = _("Calls for entries")

    def ready(self) -> None:
        from lessons.services.videos import register_upload_finisher

        from . import judges  # noqa: F401  (registers the judging reminder's notification kind)
        from .services import UPLOAD_PURPOSE, entry_upload_finish

        # Large video entries arrive through the micro-class library's resumable upload.
        register_upload_finisher(UPLOAD_PURPOSE, entry_upload_finish)
