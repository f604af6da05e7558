"""API tokens: one per device, expiring after API_TOKEN_DAYS, revocable by their owner and by
whoever manages the owner (`orgs.access.check_manage_member`). The key is shown once, when
issued; only its SHA-256 is stored, so a copy of the database signs no one in."""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from .models import ApiToken, User

# A token's use is written at most this often: a phone polling every few seconds should not
# write a row on every request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def token_issue(*, user: User, device: str) -> tuple[ApiToken, str]:
    """A new token for `user` on `device`, and its key (shown only now). The device's previous
    live token, if any, is revoked: one live token per device."""
    now = timezone.now()
    ApiToken.objects.filter(user=user, device=device, revoked_at__isnull=True).update(revoked_at=now, revoked_by=user)
    key = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        device=device,
        key_hash=key_hash(key),
        expires_at=now + timedelta(days=settings.API_TOKEN_DAYS),
    )
    return token, key


def token_revoke(*, token: ApiToken, by: User) -> ApiToken:
    """Revoke `token` now (revoking a revoked token changes nothing). The caller has checked
    that `by` is its owner or manages its owner."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.revoked_by = by
        token.save(update_fields=["revoked_at", "revoked_by"])
    return token


def live_tokens(user: User):
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True, expires_at__gt=timezone.now())


class ApiTokenAuthentication(authentication.TokenAuthentication):
    """`Authorization: Token <key>` (or `Bearer <key>`): a live token of an active user."""

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if header and header[0].lower() == b"bearer":
            header[0] = b"Token"
            request.META["HTTP_AUTHORIZATION"] = b" ".join(header).decode("latin-1")
        return super().authenticate(request)

    def authenticate_credentials(self, key: str):
        token = ApiToken.objects.select_related("user").filter(key_hash=key_hash(key)).first()
        now = timezone.now()
        if token is None or token.revoked_at is not None:
            raise exceptions.AuthenticationFailed(_("This token is not valid: sign in again."), code="token_invalid")
        if token.expires_at <= now:
            raise exceptions.AuthenticationFailed(_("This token has expired: sign in again."), code="token_expired")
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("This account is deactivated."), code="account_inactive")
        if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
        return token.user, token
