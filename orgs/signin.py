"""Sign-in throttling with two limits: one for a username, a higher one for an address.

A whole office often reaches the platform through one NAT address, so an address shared by
hundreds of colleagues must not be locked by the handful of typos that lock one account; it is
still locked when failures from it pile up across usernames (a script trying one password on many
accounts)."""

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit
from django.conf import settings
from django.db.models import Sum


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
