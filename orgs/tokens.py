"""API tokens: one per device, expiring after API_TOKEN_DAYS, revocable by their owner and by
whoever manages the owner (`orgs.access.check_manage_member`). The key is shown once, when
issued; only its SHA-256 is stored, so a copy of the database signs no one in."""

import hashlib
import secrets
from datetime import datetime, timedelta
from importlib import import_module
from typing import NamedTuple

from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY
from django.core import signing
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare
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
    live token, if any, is revoked (`token_revoke`): one live token per device."""
    now = timezone.now()
    for replaced in ApiToken.objects.filter(user=user, device=device, revoked_at__isnull=True):
        token_revoke(token=replaced, by=user)  # the app there did not sign out: signed out from here
    key = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        device=device,
        key_hash=key_hash(key),
        auth_hash=user.get_session_auth_hash(),
        expires_at=now + timedelta(days=settings.API_TOKEN_DAYS),
    )
    return token, key


def token_revoke(*, token: ApiToken, by: User, by_itself: bool = False, close_sockets: bool = True) -> ApiToken:
    """Revoke `token` now (revoking a revoked token changes nothing) and, after the commit, close
    the live sockets signed in by its tickets: `signed_out` when `by_itself` (the app holding the
    token signed out with it), else `device_signed_out` (signed out from elsewhere: another
    device, the devices pages, or replaced by a new sign-in on the device). `close_sockets=False`
    for a caller that closes the owner's sockets itself, for its own reason. The caller has
    checked that `by` is its owner or manages its owner."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.revoked_by = by
        token.save(update_fields=["revoked_at", "revoked_by"])
        if close_sockets:
            _token_sockets_end(token, by_itself=by_itself)
    return token


def _token_sockets_end(token: ApiToken, *, by_itself: bool) -> None:
    # orgs.sockets reads tickets with this module: imported here, where it is needed, not above.
    from .sockets import SignInEnded, member_sockets_end

    reason = SignInEnded.SIGNED_OUT if by_itself else SignInEnded.DEVICE_SIGNED_OUT
    member_sockets_end(user_ids=[token.user_id], reason=reason, token_id=token.pk)


def live_tokens(user: User):
    """The tokens that still sign `user` in: not revoked, not expired, issued since their password."""
    return ApiToken.objects.filter(
        user=user, revoked_at__isnull=True, expires_at__gt=timezone.now(), auth_hash=user.get_session_auth_hash()
    )


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
        if not constant_time_compare(token.auth_hash, token.user.get_session_auth_hash()):
            raise exceptions.AuthenticationFailed(
                _("The password has changed: sign in again."), code="password_changed"
            )
        if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
        return token.user, token


# WebSocket tickets: a client that signs in with a token (not a session cookie) asks the API for
# a ticket and puts it in the socket URL's query (`?ticket=`). A ticket names the user and the
# socket path, lasts API_SOCKET_TICKET_S seconds and signs in one socket: a URL that leaks into a
# log is of no use afterwards. It also names the sign-in it was asked with (the token, or the
# session of a client signed in by cookie), so that the socket closes when that sign-in ends
# (`orgs.sockets`): signing out of an app revokes its token, and closes the token's sockets.
TICKET_SALT = "orgs.tokens.socket-ticket"


class TicketSignIn(NamedTuple):
    """Whom a socket ticket signs in, and with which sign-in: a token's id or a session's key."""

    user: User
    token_id: int | None
    session_key: str | None


def socket_ticket_issue(
    *, user: User, path: str, token: ApiToken | None = None, session_key: str | None = None
) -> tuple[str, datetime]:
    """A ticket that signs `user` in on the socket at `path`, once, and when it expires; `token`
    or `session_key` is the sign-in the ticket was asked with."""
    expires_at = timezone.now() + timedelta(seconds=settings.API_SOCKET_TICKET_S)
    claim = {
        "user": user.pk,
        "path": path,
        "nonce": secrets.token_urlsafe(12),
        "until": expires_at.timestamp(),
        "token": token.pk if token is not None else None,
        "session": None if token is not None else session_key,
    }
    return signing.dumps(claim, salt=TICKET_SALT), expires_at


def socket_ticket_sign_in(ticket: str, *, path: str) -> TicketSignIn | None:
    """The active user `ticket` signs in on `path`, with the sign-in it was asked with, or None:
    forged, expired, for another path, used before (the cache remembers a used nonce for as long
    as it could be valid), or asked with a token that no longer signs in (revoked, expired, or
    issued before the password changed), or a session that has ended since (signed out, or its
    password changed)."""
    try:
        claim = signing.loads(ticket, salt=TICKET_SALT)
    except signing.BadSignature:
        return None
    if claim.get("path") != path or claim.get("until", 0) < timezone.now().timestamp():
        return None
    if not cache.add(f"socket-ticket:{claim['nonce']}", 1, settings.API_SOCKET_TICKET_S + 1):
        return None
    token_id = claim.get("token")
    user = User.objects.filter(pk=claim.get("user"), is_active=True).first()
    if user is None or (token_id is not None and not live_tokens(user).filter(pk=token_id).exists()):
        return None
    if claim.get("session") and not _session_signs_in(claim["session"], user):
        return None
    return TicketSignIn(user, token_id, claim.get("session"))


def _session_signs_in(session_key: str, user: User) -> bool:
    """Whether the session `session_key` still signs `user` in, as Django's own check of a
    request's session does: there, for this user, with the hash of their current password."""
    session = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    return session.get(SESSION_KEY) == str(user.pk) and constant_time_compare(
        session.get(HASH_SESSION_KEY, ""), user.get_session_auth_hash()
    )
