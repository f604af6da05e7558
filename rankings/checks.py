"""Start-up checks: say at deploy time what would otherwise surface when someone asks for a certificate."""

from pathlib import Path

from django.conf import settings
from django.core.checks import Warning


def certificate_font(app_configs, **kwargs) -> list[Warning]:
    warnings = []
    path = settings.RANKINGS_CERTIFICATE_FONT
    if not Path(path).is_file():
        warnings.append(
            Warning(
                f"The certificate font {path} is missing: certificates will be refused.",
                hint="Install Debian's fonts-wqy-microhei or set RANKINGS_CERTIFICATE_FONT to a TrueType CJK font.",
                id="rankings.W001",
            )
        )
    latin = settings.RANKINGS_CERTIFICATE_LATIN_FONT
    if not Path(latin).is_file():
        warnings.append(
            Warning(
                f"The certificate Latin font {latin} is missing: the CJK font will draw English text, "
                "its quotes full-width.",
                hint="Install Debian's fonts-dejavu-core or set RANKINGS_CERTIFICATE_LATIN_FONT to a TrueType font.",
                id="rankings.W002",
            )
        )
    return warnings
