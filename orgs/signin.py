"""Sign-in throttling with two limits: one for a username, a higher one for an address.

A whole office often reaches the platform through one NAT address, so an address shared by
hundreds of colleagues must not be locked by the handful of typos that lock one account; it is
still locked when failures from it pile up across usernames (a script trying one password on many
accounts)."""

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit
from django.conf import settings
from django.db.models import Sum
from django.utils.translation import gettext_lazy as _

from .models import User

DEACTIVATED_MESSAGE = _("This account has been deactivated. Please contact an organiser of your unit.")


def deactivated_with_right_password(request, username: str | None, password: str | None) -> bool:
    """True if a refused sign-in was a deactivated member's with their right password, whom the
    sign-in page and the API then tell so. A wrong password gets the same answer whether or not
    the account exists, and a locked-out sign-in (django-axes) learns nothing about the password."""
    if request is not None and getattr(request, "axes_locked_out", False):
        return False
    member = User.objects.filter(username=username, is_active=False).first() if username else None
    return bool(member and password and member.check_password(password))


class SigninThrottle(AxesDatabaseHandler):
    """django-axes' database handler, with `AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]`
    read as: the username's failures against `AXES_FAILURE_LIMIT`, the address's failures (across
    usernames) against `SIGNIN_ADDRESS_FAILURE_LIMIT`."""

    def get_failures(self, request, credentials: dict | None = None) -> int:
        by_username, by_address = (
            attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
        if by_address >= settings.SIGNIN_ADDRESS_FAILURE_LIMIT:
            # axes compares what this returns with the username's limit: report the address as spent.
            return max(by_username, get_failure_limit(request, credentials))
        return by_username
