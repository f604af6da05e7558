"""Start-up checks: say at deploy time what would otherwise surface when someone asks for a certificate."""

from pathlib import Path

from django.conf import settings
from django.core.checks import Warning


def certificate_font(app_configs, **kwargs) -> list[Warning]:
    path = settings.RANKINGS_CERTIFICATE_FONT
    if Path(path).is_file():
        return []
    return [
        Warning(
            f"The certificate font {path} is missing: certificates will be refused.",
            hint="Install Debian's fonts-wqy-microhei or set RANKINGS_CERTIFICATE_FONT to a TrueType CJK font.",
            id="rankings.W001",
        )
    ]
