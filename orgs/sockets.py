"""Signing in WebSockets from the Django session, and speaking the socket's language.

A hall of phones reconnects at once when a server process goes away: 2,000 sign-ins within a
second or two. Channels' own AuthMiddleware reads each socket's session and user with a query
each, in single file on Django's one sync thread. Here the sign-ins that arrive while a batch is
being read wait for the next one, and a batch costs two queries however many sockets it holds
(a lone sign-in is read at once). The checks are Channels' and Django's: an unknown or expired
session, a backend no longer configured, an inactive user or a session from before a password
change signs in no one.

A socket already open when its sign-in ends (the account is deactivated or deleted, given a
temporary password, its password changed elsewhere, or the session or API token signed out) is
closed too, in whichever
process holds it: `member_sockets_end` publishes one message after the commit, and each process
closes its own sockets of those users (`EndsWithSignIn`). Signing in costs nothing more for it.
"""

import logging
import time
from types import SimpleNamespace
from urllib.parse import parse_qs

from channels.auth import AuthMiddleware, _get_user_session_key, get_user
from channels.db import database_sync_to_async
from channels.middleware import BaseMiddleware
from channels.sessions import CookieMiddleware, SessionMiddleware
from django.conf import settings
from django.contrib.auth import (
    BACKEND_SESSION_KEY,
    HASH_SESSION_KEY,
    get_user_model,
    load_backend,
)
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.cached_db import SessionStore as CachedDatabaseSessionStore
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext_lazy as _

from contests import fanout, protocol
from quizsite.batching import Batches

from .tokens import socket_ticket_sign_in

log = logging.getLogger(__name__)
MAX_BATCH = 200
# The session stores whose sessions a batch reads together (settings.SESSION_ENGINE: cached_db
# with Redis, db otherwise); any other is read by Channels one by one.
BATCHED_STORES = (DatabaseSessionStore, CachedDatabaseSessionStore)


def users_of(scopes: list[dict]) -> list:
    """Each scope's signed-in user, or AnonymousUser: what Channels' `get_user` returns for it,
    with one cache round trip for the sessions (cached_db), one query for those not in the cache
    and one for all the users. Sessions kept elsewhere than Django's database stores, and backends
    other than Django's ModelBackend, are read one by one by Channels' own lookup."""
    # Channels' SessionMiddleware puts each store in the scope behind a LazyObject.
    sessions = [getattr(scope["session"], "_wrapped", scope["session"]) for scope in scopes]
    _load_sessions([s for s in sessions if type(s) in BATCHED_STORES])
    wanted: dict[int, list[int]] = {}  # user id -> indexes of the scopes that name it
    users: list = [None] * len(scopes)
    for index, session in enumerate(sessions):
        if type(session) not in BATCHED_STORES:
            users[index] = get_user.func(scopes[index])
            continue
        try:
            user_id = _get_user_session_key(session)
            backend_path = session[BACKEND_SESSION_KEY]
        except (KeyError, ValidationError):  # Channels lets a malformed id fail the socket
            users[index] = AnonymousUser()
            continue
        if backend_path not in settings.AUTHENTICATION_BACKENDS:
            users[index] = AnonymousUser()
        elif type(load_backend(backend_path)) is ModelBackend:
            wanted.setdefault(user_id, []).append(index)
        else:
            users[index] = get_user.func(scopes[index])
    found = {user.pk: user for user in get_user_model()._default_manager.filter(pk__in=wanted)} if wanted else {}
    for user_id, indexes in wanted.items():
        for index in indexes:
            users[index] = _verified(sessions[index], found.get(user_id))
    return users


def _load_sessions(sessions: list[DatabaseSessionStore]) -> None:
    """Fill each session store's cache as its own `load()` would: the cached_db stores from the
    cache in one round trip, then the rest from the database in one query. (A session found only
    in the database is not written back to the cache here: its next page does that.)"""
    found = {}  # session key -> its data, decoded (from the cache) or encoded (from the database)
    cached = [s for s in sessions if s.session_key and type(s) is CachedDatabaseSessionStore]
    if cached:
        try:
            hits = cached[0]._cache.get_many([s.cache_key for s in cached])
        except Exception:  # as load() does: an unreachable cache falls back to the database
            hits = {}
        found = {s.session_key: hits[s.cache_key] for s in cached if s.cache_key in hits}
    keys = {s.session_key for s in sessions if s.session_key and s.session_key not in found}
    if keys:
        model = DatabaseSessionStore.get_model_class()
        rows = model.objects.filter(session_key__in=keys, expire_date__gt=timezone.now())
        found.update(rows.values_list("session_key", "session_data"))
    for session in sessions:
        data = found.get(session.session_key)
        if data is None:
            session._session_key = None  # as load() does for a session that is gone or expired
            session._session_cache = {}
        else:
            session._session_cache = session.decode(data) if isinstance(data, str) else data


def _verified(session, user):
    """The user, if active and the session's hash still matches theirs (as Channels checks)."""
    if user is None or not ModelBackend().user_can_authenticate(user):
        return AnonymousUser()
    session_hash = session.get(HASH_SESSION_KEY)
    if not (session_hash and constant_time_compare(session_hash, user.get_session_auth_hash())):
        session.flush()
        return AnonymousUser()
    return user


async def _read(_key, scopes: list[dict]) -> list:
    return await database_sync_to_async(users_of, thread_sensitive=False)(scopes)


_sign_ins = Batches(_read, max_batch=MAX_BATCH)


async def signed_in_user(scope: dict):
    """The scope's user, read in this process's next batch of sign-ins."""
    return await _sign_ins.submit(None, scope)


class BatchedAuthMiddleware(AuthMiddleware):
    """Channels' AuthMiddleware, with the sessions and users of sockets connecting at the same
    time read together on the thread pool (see the module's docstring); or an API client's
    socket ticket."""

    async def resolve_scope(self, scope) -> None:
        # Taken before the sign-in is read: a sign-in that ends after this may have been read as
        # it was, so the socket checks the endings heard since (`EndsWithSignIn.keep_signed_in`).
        scope["signed_in_at"] = time.monotonic()
        scope["signed_in_session"] = None  # the session's key, if signed in by one
        scope["signed_in_token"] = None  # the API token's id, if signed in by one of its tickets
        ticket = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("ticket")
        if ticket:  # an API client's one-time ticket (orgs.tokens), instead of a session cookie
            sign_in = await database_sync_to_async(socket_ticket_sign_in, thread_sensitive=False)(
                ticket[0], path=scope["path"]
            )
            scope["user"]._wrapped = sign_in.user if sign_in else AnonymousUser()
            if sign_in:  # it ends with the sign-in the ticket was asked with
                scope["signed_in_session"], scope["signed_in_token"] = sign_in.session_key, sign_in.token_id
            return
        scope["user"]._wrapped = await signed_in_user(scope)
        scope["signed_in_session"] = scope["session"].session_key


def socket_language(scope: dict) -> str:
    """The language a socket speaks, chosen as Django's LocaleMiddleware chooses a page's: the
    language cookie (the site's language switch), else the handshake's Accept-Language, else
    LANGUAGE_CODE. Call after CookieMiddleware."""
    accept = dict(scope.get("headers", ())).get(b"accept-language", b"").decode("latin-1")
    handshake = SimpleNamespace(COOKIES=scope.get("cookies", {}), META={"HTTP_ACCEPT_LANGUAGE": accept})
    return translation.get_language_from_request(handshake)


class SocketLocaleMiddleware(BaseMiddleware):
    """Every message a socket is sent (errors, refusals) in the socket's language, for the whole
    connection: the consumer's task, and the threads it calls, run inside this override."""

    async def __call__(self, scope, receive, send):
        with translation.override(socket_language(scope)):
            return await self.inner(scope, receive, send)


def SocketAuthStack(inner):  # noqa: N802 (named like Channels' AuthMiddlewareStack, which it replaces)
    return CookieMiddleware(SessionMiddleware(BatchedAuthMiddleware(SocketLocaleMiddleware(inner))))


class SignInEnded:
    """Why a member's open sockets were closed (`member_sockets_end`): the `error` frame's code.
    Deactivation, deletion and a temporary password an organiser set close every socket of the
    account; the member's own password change those of their other sessions, and those signed in
    by their API tokens' tickets (the tokens stop with the password); signing out the
    session's, or, for an API token the app itself revoked (it signed out), those signed in by the
    token's tickets; a token revoked from elsewhere (the device signed out by the member or an
    organiser on another screen, or replaced by a new sign-in on that device) likewise, with its
    own reason: the person holding that device did not sign out."""

    DEACTIVATED = "account_deactivated"
    DELETED = "account_deleted"
    PASSWORD_RESET = "password_reset"  # noqa: S105 (a reason, not a password)
    PASSWORD_CHANGED = "password_changed"  # noqa: S105 (a reason, not a password)
    SIGNED_OUT = "signed_out"
    DEVICE_SIGNED_OUT = "device_signed_out"


# The `error` frame's message for each reason (docs/protocol.md, "A sign-in that ends").
SIGN_IN_ENDINGS = {
    SignInEnded.DEACTIVATED: _("This account has been deactivated; this connection has ended."),
    SignInEnded.PASSWORD_RESET: _(
        "An organiser set a temporary password for this account; sign in with it to continue."
    ),
    SignInEnded.PASSWORD_CHANGED: _(
        "This account's password was changed in another session; sign in with the new password to continue."
    ),
    SignInEnded.SIGNED_OUT: _("You signed out; sign in again to continue."),
    SignInEnded.DELETED: _("This account has been deleted; this connection has ended."),
    SignInEnded.DEVICE_SIGNED_OUT: _(
        "This device was signed out of the account from elsewhere; sign in again to continue."
    ),
}
# The close code after the frame: the socket has no sign-in any more, as one that never had (4401).
SIGN_IN_ENDED_CLOSE = 4401
# Which sockets of the users an ending closes, by reason: all, only the sign-in's (a session, or
# an API token's tickets), or all but those of the session it names (one's own password change:
# the session it was made in goes on; the account's API tokens stop with the password, and so do
# the sockets of their tickets).
ENDING_SOCKETS = {
    SignInEnded.DEACTIVATED: "all",
    SignInEnded.PASSWORD_RESET: "all",
    SignInEnded.PASSWORD_CHANGED: "other_sessions",
    SignInEnded.SIGNED_OUT: "sign_in",
    SignInEnded.DELETED: "all",
    SignInEnded.DEVICE_SIGNED_OUT: "sign_in",
}


def member_sockets_end(*, user_ids, reason: str, session_key: str | None = None, token_id: int | None = None) -> None:
    """Once the current transaction commits (at once outside one), close the open sockets of
    `user_ids` that `reason` ends, in every process (one published message: `fanout`). For
    SIGNED_OUT, `session_key` is the session signed out, or `token_id` the API token revoked (for
    DEVICE_SIGNED_OUT, the token);
    for PASSWORD_CHANGED, `session_key` is the session kept."""
    users = sorted(set(user_ids))
    if not users or (ENDING_SOCKETS[reason] == "sign_in" and not (session_key or token_id)):
        return
    ending = {"users": users, "reason": reason, "session": session_key, "token": token_id}
    transaction.on_commit(lambda: fanout.publish_sign_ins_ended(ending))


def ending_applies(ending: dict, *, signed_in_session: str | None, signed_in_token: int | None = None) -> bool:
    """Whether `ending` ends a socket of one of its users signed in with `signed_in_session`
    (None: by the ticket of an API token, `signed_in_token`)."""
    which = ENDING_SOCKETS[ending["reason"]]
    if which == "sign_in":
        if ending.get("token") is not None:
            return signed_in_token == ending["token"]
        return signed_in_session is not None and signed_in_session == ending["session"]
    if which == "other_sessions":
        return signed_in_token is not None or (signed_in_session is not None and signed_in_session != ending["session"])
    return True


class EndsWithSignIn:
    """For a signed-in socket's consumer: closed when its sign-in ends while it is open, with one
    `error` frame saying why (in the socket's language) and close code SIGN_IN_ENDED_CLOSE.

    Call `keep_signed_in` once accepted (and stop connecting if it answers False), and
    `forget_sign_in` when the socket goes. Closing is not leaving: whatever the socket joined
    (a team, a panel) is the member's as before, when they sign in and connect again."""

    sign_in_over = False

    async def keep_signed_in(self) -> bool:
        """Track the socket in this process; False if its sign-in has already ended (then closed)."""
        self.language = translation.get_language()
        return await fanout.HUB.track(
            self, user_id=self.scope["user"].pk, signed_in_at=self.scope.get("signed_in_at", 0.0)
        )

    def forget_sign_in(self) -> None:
        if "user" in self.scope and self.scope["user"].is_authenticated:
            fanout.HUB.untrack(self, user_id=self.scope["user"].pk)

    def stop_deliveries(self) -> None:
        """Stop the broadcasts this socket takes from the hub (a consumer that joins groups says how)."""

    async def end_sign_in(self, ending: dict) -> bool:
        """Close the socket if `ending` ends its sign-in; say whether it did. Runs on the hub's
        task: no database."""
        signed_in_with = {key: self.scope.get(key) for key in ("signed_in_session", "signed_in_token")}
        if self.sign_in_over or not ending_applies(ending, **signed_in_with):
            return False
        self.sign_in_over = True  # from now on `send` drops what this socket would still be sent
        self.forget_sign_in()
        self.stop_deliveries()
        reason = ending["reason"]
        with translation.override(self.language):
            text = protocol.error_message(reason, SIGN_IN_ENDINGS[reason])
        try:
            await self.base_send({"type": "websocket.send", "text": text})
            await self.base_send({"type": "websocket.close", "code": SIGN_IN_ENDED_CLOSE})
        except Exception:  # the client went meanwhile
            log.debug("a socket whose sign-in ended had gone", exc_info=True)
        return True

    async def send(self, text_data=None, bytes_data=None, close=False) -> None:
        if not self.sign_in_over:
            await super().send(text_data=text_data, bytes_data=bytes_data, close=close)
