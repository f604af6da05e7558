from django.apps import AppConfig
from django.core import checks
from django.utils.translation import gettext_lazy as _


class RankingsConfig(AppConfig):
    name = "rankings"
    verbose_name = _("Rankings")

    def ready(self) -> None:
        from .checks import certificate_font

        checks.register(certificate_font)
