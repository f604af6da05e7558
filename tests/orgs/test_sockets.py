"""Sockets sign in from the Django session, many at once in one batch, as Channels would one by one."""

import asyncio
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from channels.auth import get_user
from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.sessions.backends.cached_db import SessionStore as CachedSessionStore
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.utils import timezone
from django.utils.functional import LazyObject

from orgs import sockets
from quizsite.asgi import application
from tests import factories
from tests.processes import session_cookie, session_value
from tests.sockets import Communicator

pytestmark = pytest.mark.django_db


def scope_of(session_key: str | None, store=SessionStore) -> dict:
    """A socket's scope as Channels' SessionMiddleware leaves it: the store behind a LazyObject."""
    session = LazyObject()
    session._wrapped = store(session_key=session_key)
    return {"session": session}


@pytest.fixture
def sessions():
    """Session keys of every case a sign-in meets, by name."""
    unit = factories.unit_at("审计署", kind="organ")
    member, other, inactive, changed = (factories.member(unit, username=name) for name in ("m", "o", "i", "c"))
    keys = {name: session_value(user) for name, user in [("member", member), ("other", other)]}
    keys["member again"] = session_value(member)  # a second phone of the same member
    keys["inactive"] = session_value(inactive)
    inactive.is_active = False
    inactive.save()
    keys["password changed"] = session_value(changed)
    changed.set_password("a new one, so old sessions end")
    changed.save()
    keys["expired"] = session_value(other)
    Session.objects.filter(pk=keys["expired"]).update(expire_date=timezone.now() - timedelta(seconds=1))
    cache.delete(CachedSessionStore(session_key=keys["expired"]).cache_key)  # as its timeout would
    keys["unknown"] = "x" * 32
    keys["no cookie"] = None
    anonymous = SessionStore()
    anonymous["language"] = "en"
    anonymous.save()
    keys["anonymous"] = anonymous.session_key
    gone_backend = SessionStore(session_key=session_value(other))
    gone_backend[BACKEND_SESSION_KEY] = "orgs.backends.NoLongerConfigured"
    gone_backend.save()
    keys["backend not configured"] = gone_backend.session_key
    # Changed in the database only: the copy a cached_db sign-in left in the cache goes too, as a
    # save through cached_db would have replaced it.
    cache.delete(CachedSessionStore(session_key=gone_backend.session_key).cache_key)
    return keys, {"member": member, "other": other}


def test_a_batch_signs_in_each_socket_as_channels_would_with_two_queries(sessions, django_assert_num_queries):
    keys, users = sessions
    names = list(keys)
    expected = [get_user.func(scope_of(keys[name])) for name in names]  # Channels, one by one

    with django_assert_num_queries(2):
        signed_in = sockets.users_of([scope_of(keys[name]) for name in names])

    assert [user.pk for user in signed_in] == [user.pk for user in expected]
    by_name = dict(zip(names, signed_in, strict=True))
    assert by_name["member"] == by_name["member again"] == users["member"]
    assert by_name["other"] == users["other"]
    refused = {name for name, user in by_name.items() if not user.is_authenticated}
    assert refused == {
        "inactive",
        "password changed",
        "expired",
        "unknown",
        "no cookie",
        "anonymous",
        "backend not configured",
    }


def test_a_batch_of_cached_db_sessions_signs_in_as_channels_would_with_a_cache_call_and_two_queries(
    sessions, django_assert_max_num_queries
):
    keys, users = sessions
    names = list(keys)
    expected = [get_user.func(scope_of(keys[name], CachedSessionStore)) for name in names]
    cache.delete(CachedSessionStore(session_key=keys["member"]).cache_key)  # one only in the database

    with django_assert_max_num_queries(2):
        signed_in = sockets.users_of([scope_of(keys[name], CachedSessionStore) for name in names])

    assert [user.pk for user in signed_in] == [user.pk for user in expected]
    by_name = dict(zip(names, signed_in, strict=True))
    assert by_name["member"] == by_name["member again"] == users["member"]
    assert by_name["other"] == users["other"]
    assert sum(user.is_authenticated for user in signed_in) == 3


def test_a_socket_keeps_its_session_readable_after_a_batch(sessions):
    keys, _users = sessions
    anonymous, unknown = scope_of(keys["anonymous"]), scope_of(keys["unknown"])
    sockets.users_of([anonymous, unknown])
    assert anonymous["session"]["language"] == "en"  # the batch filled the store's cache
    assert unknown["session"].session_key is None  # as Django's own load() leaves a session that is gone


@sync_to_async
def members_signed_in(count: int) -> list:
    unit = factories.unit_at("审计署", kind="organ")
    return [factories.member(unit, username=f"p{n}") for n in range(count)]


@pytest.fixture
def batches(monkeypatch) -> list[int]:
    """The size of each batch of sign-ins read."""
    sizes, real = [], sockets.users_of
    monkeypatch.setattr(sockets, "users_of", lambda scopes: sizes.append(len(scopes)) or real(scopes))
    return sizes


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_sockets_connecting_at_once_are_read_in_batches_each_with_its_own_user(batches):
    members = await members_signed_in(30)
    keys = [await sync_to_async(session_value)(member) for member in members]

    signed_in = await asyncio.gather(*(sockets.signed_in_user(scope_of(key)) for key in keys))

    assert [user.pk for user in signed_in] == [member.pk for member in members]
    assert sum(batches) == 30 and len(batches) < 30, batches  # together, not one by one


class _NotOneByOne:
    def func(self, scope):
        raise AssertionError("a socket was signed in by Channels' one-by-one lookup")


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_the_real_socket_stack_signs_in_through_the_batches(monkeypatch, batches):
    cookies = [await sync_to_async(session_cookie)(member) for member in await members_signed_in(12)]
    monkeypatch.setattr(sockets, "get_user", _NotOneByOne())  # the fallback for other session stores

    async def open_clock(cookie):
        headers = [(b"origin", b"http://localhost"), (b"cookie", cookie.encode())]
        socket = Communicator(application, "/ws/clock/", headers=headers)
        connected, _code = await socket.connect()
        await socket.disconnect()
        return connected

    assert await asyncio.gather(*(open_clock(cookie) for cookie in cookies)) == [True] * 12  # signed in
    assert sum(batches) == 12 and len(batches) < 12, batches
