"""Signing in WebSockets from the Django session, and speaking the socket's language.

A hall of phones reconnects at once when a server process goes away: 2,000 sign-ins within a
second or two. Channels' own AuthMiddleware reads each socket's session and user with a query
each, in single file on Django's one sync thread. Here the sign-ins that arrive while a batch is
being read wait for the next one, and a batch costs two queries however many sockets it holds
(a lone sign-in is read at once). The checks are Channels' and Django's: an unknown or expired
session, a backend no longer configured, an inactive user or a session from before a password
change signs in no one.
"""

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
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare

from quizsite.batching import Batches

from .tokens import socket_ticket_user

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
        ticket = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("ticket")
        if ticket:  # an API client's one-time ticket (orgs.tokens), instead of a session cookie
            user = await database_sync_to_async(socket_ticket_user, thread_sensitive=False)(
                ticket[0], path=scope["path"]
            )
            scope["user"]._wrapped = user or AnonymousUser()
            return
        scope["user"]._wrapped = await signed_in_user(scope)


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
