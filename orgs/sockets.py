"""Signing in WebSockets from the Django session."""

from channels.auth import AuthMiddleware, get_user
from channels.db import database_sync_to_async
from channels.sessions import CookieMiddleware, SessionMiddleware


class PooledAuthMiddleware(AuthMiddleware):
    """Channels' AuthMiddleware, but the session and user are read on the thread pool rather
    than on Django's one sync thread, so a hall of phones reconnecting at once signs in in
    parallel instead of in single file."""

    async def resolve_scope(self, scope) -> None:
        # `get_user` is Channels' own lookup (session key, backend, session hash check) wrapped
        # for the sync thread; `.func` is the plain function underneath.
        scope["user"]._wrapped = await database_sync_to_async(get_user.func, thread_sensitive=False)(scope)


def SocketAuthStack(inner):  # noqa: N802 (named like Channels' AuthMiddlewareStack, which it replaces)
    return CookieMiddleware(SessionMiddleware(PooledAuthMiddleware(inner)))
