"""A member's open sockets close when their sign-in ends: deactivated, given a temporary password,
their password changed in another session, or the session signed out. One `error` frame saying
why, in the socket's language, then close 4401 (docs/protocol.md, "A sign-in that ends"); other
members' sockets, and the member's sockets that the ending does not end, go on. Closing is not
leaving: a reactivated member connects again to their team. (Across processes:
tests/contests/test_processes.py.)"""

import asyncio
import json
import time

import pytest
from asgiref.sync import sync_to_async
from django.conf import settings
from django.test import Client
from rest_framework.test import APIClient

from contests import access, fanout, services
from contests.models import TeamMember
from orgs import services as org_services
from orgs.models import User
from quizsite.asgi import application
from tests import factories
from tests.contests.test_api import client_for, open_socket
from tests.contests.test_contest_socket import build_hall, connect, receive
from tests.sockets import FRAME_WAIT_S, Communicator

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

MESSAGES = {
    "account_deactivated": "This account has been deactivated; this connection has ended.",
    "password_reset": "An organiser set a temporary password for this account; sign in with it to continue.",
    "password_changed": (
        "This account's password was changed in another session; sign in with the new password to continue."
    ),
    "signed_out": "You signed out; sign in again to continue.",
    "account_deleted": "This account has been deleted; this connection has ended.",
    "device_signed_out": "This device was signed out of the account from elsewhere; sign in again to continue.",
}
# A ticket's socket has no language cookie: Chinese.
IN_CHINESE = {
    "signed_out": "您已退出登录，请重新登录后继续。",
    "device_signed_out": "此设备已在别处被退出登录，请重新登录后继续。",
}
DEACTIVATED_ZH = "此账号已被停用，本连接已结束。"


async def subscribed() -> None:
    """With Redis, until this process's subscription is in place (an ending published before it
    would not reach this process's sockets)."""
    if settings.REDIS_URL:
        await asyncio.wait_for(fanout.HUB.subscribed.wait(), FRAME_WAIT_S)


@sync_to_async
def user(username: str) -> User:
    return User.objects.get(username=username)


@sync_to_async
def deactivate(*usernames: str, active: bool = False) -> int:
    """As an administrator of the audit office does on the member list (its bulk action)."""
    boss = User.objects.filter(username="boss").first() or factories.administrator(
        factories.unit_at("审计署", kind="organ"), username="boss"
    )
    action = org_services.BulkAction.REACTIVATE if active else org_services.BulkAction.DEACTIVATE
    members = list(User.objects.filter(username__in=usernames))
    return org_services.members_bulk_apply(by=boss, members=members, action=action)


async def reactivate(*usernames: str) -> int:
    return await deactivate(*usernames, active=True)


async def assert_ended(socket, code: str, message: str | None = None) -> None:
    """The socket's next `error` frame is `code` (with `message`, the English one by default),
    and then it is closed with 4401."""
    frame = await receive(socket, kind="error")
    assert (frame["code"], frame["message"]) == (code, message or MESSAGES[code])
    assert "ref" not in frame
    assert await socket.receive_output() == {"type": "websocket.close", "code": 4401}


async def assert_open(socket) -> None:
    """The socket still answers (a clock sync), with no frame about an ending before that."""
    await socket.send_to(text_data=json.dumps({"type": "time.sync", "client_sent_at": 1}))
    frame = await receive(socket, kind="time.synced")
    assert frame["client_sent_at"] == 1


@pytest.mark.parametrize(("who", "role"), [("red0", "player"), ("watcher", "screen"), ("host", "host")])
async def test_deactivating_a_member_closes_their_socket_of_each_role_with_a_frame_saying_why(who, role):
    hall = await build_hall()
    code = hall["contest"].join_code
    cookie = {"red0": hall["red"][0], "watcher": hall["screen"], "host": hall["host"]}[who]
    socket = await connect(code, cookie, role, language="en")
    other = await connect(code, hall["blue"][0], language="en")
    for each in (socket, other):
        await receive(each)  # the snapshot: joined
    await subscribed()

    assert await deactivate(who) == 1

    await assert_ended(socket, "account_deactivated")
    await assert_open(other)
    await other.disconnect()


async def test_the_frame_is_in_each_sockets_own_language():
    hall = await build_hall()
    code = hall["contest"].join_code
    english = await connect(code, hall["red"][0], language="en")
    chinese = await connect(code, hall["red"][0])  # no language chosen: Chinese
    for each in (english, chinese):
        await receive(each)
    await subscribed()

    await deactivate("red0")

    await assert_ended(english, "account_deactivated")
    await assert_ended(chinese, "account_deactivated", DEACTIVATED_ZH)


async def test_a_reactivated_member_connects_again_to_their_team_as_before():
    hall = await build_hall()
    contest = hall["contest"]
    await sync_to_async(services.contest_start)(contest=contest, by=None)
    socket = await connect(contest.join_code, hall["red"][0], language="en")
    before = (await receive(socket, kind="state"))["you"]
    await subscribed()

    await deactivate("red0")
    await assert_ended(socket, "account_deactivated")
    refused = await connect(contest.join_code, hall["red"][0])  # while deactivated: no sign-in
    assert await refused.receive_output() == {"type": "websocket.close", "code": 4401}
    assert await reactivate("red0") == 1

    again = await connect(contest.join_code, hall["red"][0], language="en")
    after = (await receive(again, kind="state"))["you"]
    assert (after["team"], after["team_name"]) == (before["team"], "红队")
    assert after == before
    roster = await sync_to_async(
        lambda: list(TeamMember.objects.filter(team_id=before["team"]).values_list("member__username", "leg"))
    )()
    assert roster == [("red0", 1), ("red1", 2)]
    await assert_open(again)
    await again.disconnect()


async def test_a_temporary_password_closes_every_socket_of_the_member_a_tickets_too():
    hall = await build_hall()
    code = hall["contest"].join_code
    red0 = await user("red0")
    ticket = await sync_to_async(client_for(red0).post)(f"/api/v1/contests/{code}/ticket/", {"role": "player"})
    by_ticket = await open_socket(ticket.json()["url"])
    by_session = await connect(code, hall["red"][0], language="en")
    teammate = await connect(code, hall["red"][1], language="en")
    for each in (by_ticket, by_session, teammate):
        await receive(each)
    await subscribed()

    host = await user("host")
    await sync_to_async(org_services.member_password_reset)(member=red0, by=host)

    await assert_ended(by_session, "password_reset")
    # The ticket's socket has no language cookie: Chinese.
    frame = await receive(by_ticket, kind="error")
    assert frame["code"] == "password_reset"
    assert await by_ticket.receive_output() == {"type": "websocket.close", "code": 4401}
    await assert_open(teammate)
    await teammate.disconnect()


def signed_in_browser(username: str) -> tuple[Client, str]:
    """A browser signed in as `username`, and the Cookie header of its session."""
    browser = Client()
    browser.force_login(User.objects.get(username=username))
    return browser, f"{settings.SESSION_COOKIE_NAME}={browser.cookies[settings.SESSION_COOKIE_NAME].value}"


async def test_changing_ones_own_password_closes_the_sockets_of_ones_other_sessions_and_apps_only():
    hall = await build_hall()
    code = hall["contest"].join_code
    (here, here_cookie), (elsewhere, elsewhere_cookie) = [
        await sync_to_async(signed_in_browser)("red0") for _ in range(2)
    ]
    phone, _token = await app_signed_in("red0", "phone")
    by_app = await ticket_socket(phone, code)
    late_ticket = await sync_to_async(phone.post)(f"/api/v1/contests/{code}/ticket/", {"role": "player"})
    ticket = await sync_to_async(here.post)(f"/api/v1/contests/{code}/ticket/", {"role": "player"})
    by_ticket = await open_socket(ticket.json()["url"])  # asked with this session
    this_session = await connect(code, here_cookie, language="en")
    other_session = await connect(code, elsewhere_cookie, language="en")
    for each in (by_app, by_ticket, this_session, other_session):
        await receive(each)
    await subscribed()

    new = "another-horse-battery-9"
    changed = await sync_to_async(here.post)(
        "/accounts/password/",
        {"old_password": factories.PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert changed.status_code == 302 and changed.url == "/accounts/password/done/"

    await assert_ended(other_session, "password_changed")
    # The app's token stopped with the password (the API refuses it): so does its socket.
    await assert_ended(by_app, "password_changed", "此账号的密码已在别处修改，请用新密码重新登录后继续。")
    assert (await sync_to_async(phone.get)("/api/v1/auth/tokens/")).status_code == 401
    late = await open_socket(late_ticket.json()["url"])  # a ticket it asked before, within its 60 seconds
    assert await late.receive_output() == {"type": "websocket.close", "code": 4401}
    await assert_open(this_session)  # the session the change was made in goes on
    await assert_open(by_ticket)  # and the sockets of the tickets it asked for
    assert (await sync_to_async(here.get)("/contests/")).status_code == 200
    assert (await sync_to_async(elsewhere.get)("/contests/")).status_code == 302  # signed out there
    for each in (this_session, by_ticket):
        await each.disconnect()


async def test_signing_out_closes_that_sessions_sockets_and_no_other():
    hall = await build_hall()
    code = hall["contest"].join_code
    (leaving, leaving_cookie), (_staying, staying_cookie) = [
        await sync_to_async(signed_in_browser)("red0") for _ in range(2)
    ]
    player = await connect(code, leaving_cookie, language="en")
    clock = Communicator(
        application,
        "/ws/clock/",
        headers=[(b"origin", b"http://localhost"), (b"cookie", (leaving_cookie + "; django_language=en").encode())],
    )
    assert (await clock.connect())[0]
    kept = await connect(code, staying_cookie, language="en")
    for each in (player, kept):
        await receive(each)
    await assert_open(clock)  # tracked
    await subscribed()

    signed_out = await sync_to_async(leaving.post)("/accounts/logout/")
    assert signed_out.status_code in (200, 302)

    await assert_ended(player, "signed_out")
    await assert_ended(clock, "signed_out")
    await assert_open(kept)
    await kept.disconnect()


async def test_a_member_on_teams_of_two_contests_loses_both_sockets():
    hall = await build_hall()
    first = hall["contest"]

    @sync_to_async
    def second_contest():
        audit, gz = factories.unit_at("审计署", kind="organ"), factories.unit_at("审计署/广州特派办", kind="office")
        contest = services.contest_create(title="第二场", unit=audit, by=User.objects.get(username="host"))
        services.team_add(contest=contest, name="红二队", unit=gz, legs=[User.objects.get(username="red0")])
        return contest

    second = await second_contest()
    sockets = [await connect(contest.join_code, hall["red"][0], language="en") for contest in (first, second)]
    for each in sockets:
        await receive(each)
    await subscribed()

    await deactivate("red0")

    for each in sockets:
        await assert_ended(each, "account_deactivated")


async def test_deactivating_an_already_inactive_member_ends_nothing_again(monkeypatch):
    hall = await build_hall()
    socket = await connect(hall["contest"].join_code, hall["red"][0], language="en")
    await receive(socket)
    await subscribed()
    published = []
    real = fanout.publish_sign_ins_ended
    monkeypatch.setattr(fanout, "publish_sign_ins_ended", lambda ending: (published.append(ending), real(ending)))

    assert await deactivate("red0") == 1
    await assert_ended(socket, "account_deactivated")
    assert await deactivate("red0", "red1") == 1  # red0 was inactive already: only red1 changes

    red0, red1 = await user("red0"), await user("red1")
    assert published == [
        {"users": [red0.pk], "reason": "account_deactivated", "session": None, "token": None},
        {"users": [red1.pk], "reason": "account_deactivated", "session": None, "token": None},
    ]
    assert await deactivate("red0") == 0  # nothing changed: nothing published
    assert len(published) == 2


async def test_a_temporary_password_for_a_member_with_no_socket_leaves_the_others_open():
    hall = await build_hall()
    other = await connect(hall["contest"].join_code, hall["red"][0], language="en")
    await receive(other)
    await subscribed()
    red1, host = await user("red1"), await user("host")

    password = await sync_to_async(org_services.member_password_reset)(member=red1, by=host)

    assert len(password) == org_services.TEMPORARY_PASSWORD_LENGTH
    await assert_open(other)
    await other.disconnect()


async def test_a_socket_whose_sign_in_was_read_before_the_deactivation_is_closed_when_it_joins(monkeypatch):
    hall = await build_hall()
    code = hall["contest"].join_code
    watcher = await connect(code, hall["host"], "host")  # this process's hub runs on this loop
    await receive(watcher)
    await subscribed()
    real = access.access_contest_seat

    def deactivated_meanwhile(user, *args, **kwargs):
        """The member's sign-in has been read; the deactivation commits before the socket joins."""
        found = real(user, *args, **kwargs)
        if user.username == "red0":
            heard = len(fanout.HUB.endings)
            deactivate_now("red0")
            for _ in range(int(FRAME_WAIT_S / 0.01)):  # until this process has heard it
                if len(fanout.HUB.endings) > heard:
                    break
                time.sleep(0.01)
        return found

    monkeypatch.setattr(access, "access_contest_seat", deactivated_meanwhile)
    monkeypatch.setattr(access, "known_place", lambda code, member_id: None)

    late = await connect(code, hall["red"][0], language="en")

    await assert_ended(late, "account_deactivated")
    await assert_open(watcher)
    await watcher.disconnect()


def deactivate_now(username: str) -> None:
    boss = factories.administrator(factories.unit_at("审计署", kind="organ"), username="boss")
    members = list(User.objects.filter(username=username))
    org_services.members_bulk_apply(by=boss, members=members, action=org_services.BulkAction.DEACTIVATE)


@sync_to_async
def app_signed_in(username: str, device: str) -> tuple[APIClient, int]:
    """An app signed in as `username` on `device` through the API, and its token's id."""
    app = APIClient()
    credentials = {"username": username, "password": factories.PASSWORD, "device": device}
    signed_in = app.post("/api/v1/auth/token/", credentials)
    app.credentials(HTTP_AUTHORIZATION=f"Token {signed_in.json()['token']}")
    return app, signed_in.json()["id"]


async def ticket_socket(app, code: str):
    ticket = await sync_to_async(app.post)(f"/api/v1/contests/{code}/ticket/", {"role": "player"})
    return await open_socket(ticket.json()["url"])


@pytest.mark.parametrize(
    ("how", "reason"),
    [
        ("sign_out", "signed_out"),  # the phone's app signs out
        ("revoke_itself", "signed_out"),  # the phone's app revokes its own token by id: signing out too
        ("revoke_from_tablet", "device_signed_out"),  # the member signs the lost phone out from the tablet
        ("devices_page", "device_signed_out"),  # on the member's "signed in on apps" page
        ("organiser", "device_signed_out"),  # an organiser, on the member's page
        ("signed_in_again", "device_signed_out"),  # a new sign-in on the phone replaces its token
    ],
)
async def test_signing_an_app_out_closes_the_sockets_of_its_tokens_tickets_only_saying_who_signed_out(how, reason):
    hall = await build_hall()
    code = hall["contest"].join_code
    (phone, phone_token), (tablet, _tablet_token) = [
        await app_signed_in("red0", device) for device in ("phone", "tablet")
    ]
    on_phone = await ticket_socket(phone, code)
    on_tablet = await ticket_socket(tablet, code)
    in_browser = await connect(code, hall["red"][0], language="en")
    for each in (on_phone, on_tablet, in_browser):
        await receive(each)
    await subscribed()

    if how == "sign_out":
        ended = await sync_to_async(phone.delete)("/api/v1/auth/token/")
    elif how == "revoke_itself":
        ended = await sync_to_async(phone.delete)(f"/api/v1/auth/tokens/{phone_token}/")
    elif how == "revoke_from_tablet":
        ended = await sync_to_async(tablet.delete)(f"/api/v1/auth/tokens/{phone_token}/")
    elif how == "devices_page":
        browser, _cookie = await sync_to_async(signed_in_browser)("red0")
        ended = await sync_to_async(browser.post)(f"/me/devices/{phone_token}/sign-out/")
    elif how == "organiser":
        browser, _cookie = await sync_to_async(signed_in_browser)("host")
        red0 = await user("red0")
        ended = await sync_to_async(browser.post)(f"/orgs/members/{red0.pk}/devices/{phone_token}/sign-out/")
    else:
        _app, _token = await app_signed_in("red0", "phone")
        ended = None
    assert ended is None or ended.status_code in (204, 302)

    await assert_ended(on_phone, reason, IN_CHINESE[reason])
    await assert_open(on_tablet)
    await assert_open(in_browser)
    for each in (on_tablet, in_browser):
        await each.disconnect()


async def test_a_ticket_asked_with_a_token_revoked_since_signs_in_no_one():
    hall = await build_hall()
    code = hall["contest"].join_code
    phone, _token = await app_signed_in("red0", "phone")
    ticket = await sync_to_async(phone.post)(f"/api/v1/contests/{code}/ticket/", {"role": "player"})
    assert (await sync_to_async(phone.delete)("/api/v1/auth/token/")).status_code == 204

    late = await open_socket(ticket.json()["url"])
    assert await late.receive_output() == {"type": "websocket.close", "code": 4401}


async def test_a_ticket_asked_with_a_session_closes_when_that_session_signs_out():
    hall = await build_hall()
    code = hall["contest"].join_code
    browser, _cookie = await sync_to_async(signed_in_browser)("red0")
    ticket = await sync_to_async(browser.post)(f"/api/v1/contests/{code}/ticket/", {"role": "player"})
    by_ticket = await open_socket(ticket.json()["url"])
    await receive(by_ticket)
    await subscribed()

    assert (await sync_to_async(browser.post)("/accounts/logout/")).status_code == 302

    await assert_ended(by_ticket, "signed_out", IN_CHINESE["signed_out"])


@sync_to_async
def superuser_in_admin() -> tuple[Client, str]:
    """A superuser signed in to /admin/, and the Cookie header of that session."""
    User.objects.create_superuser("root", password=factories.PASSWORD)
    return signed_in_browser("root")


@sync_to_async
def untick_active_in_admin(admin: Client, username: str):
    member = User.objects.get(username=username)
    url = f"/admin/orgs/user/{member.pk}/change/"
    form = admin.get(url).context["adminform"].form
    shown = {k: v for k, v in form.initial.items() if k not in ("password", "last_login", "date_joined")}
    data = {k: v for k, v in shown.items() if v is not None}
    data.pop("is_active")  # unticked
    data["groups"], data["user_permissions"] = [], []
    return admin.post(url, data)


@sync_to_async
def set_password_in_admin(admin: Client, username: str):
    member = User.objects.get(username=username)
    new = "admin-set-horse-battery-5"
    return admin.post(
        f"/admin/orgs/user/{member.pk}/password/",
        {"password1": new, "password2": new, "usable_password": "true", "set-password": ""},
    )


def clock_socket(cookie: str) -> Communicator:
    return Communicator(
        application,
        "/ws/clock/",
        headers=[(b"origin", b"http://localhost"), (b"cookie", (cookie + "; django_language=en").encode())],
    )


async def test_a_superuser_unticking_active_in_the_admin_closes_the_members_sockets():
    hall = await build_hall()
    code = hall["contest"].join_code
    screen = await connect(code, hall["screen"], "screen", language="en")
    other = await connect(code, hall["red"][0], language="en")
    for each in (screen, other):
        await receive(each)
    admin, _cookie = await superuser_in_admin()
    await subscribed()

    saved = await untick_active_in_admin(admin, "watcher")
    assert saved.status_code == 302, saved.context["adminform"].form.errors
    assert not (await user("watcher")).is_active

    await assert_ended(screen, "account_deactivated")
    await assert_open(other)
    await other.disconnect()


async def test_a_password_set_in_the_admin_closes_every_socket_of_the_member_a_tickets_too():
    hall = await build_hall()
    code = hall["contest"].join_code
    phone, _token = await app_signed_in("red0", "phone")
    by_ticket = await ticket_socket(phone, code)
    by_session = await connect(code, hall["red"][0], language="en")
    teammate = await connect(code, hall["red"][1], language="en")
    for each in (by_ticket, by_session, teammate):
        await receive(each)
    admin, _cookie = await superuser_in_admin()
    await subscribed()

    changed = await set_password_in_admin(admin, "red0")
    assert changed.status_code == 302, changed.context["form"].errors

    await assert_ended(by_session, "password_reset")
    frame = await receive(by_ticket, kind="error")
    assert frame["code"] == "password_reset"
    assert await by_ticket.receive_output() == {"type": "websocket.close", "code": 4401}
    await assert_open(teammate)
    await teammate.disconnect()


async def test_ones_own_password_set_in_the_admin_closes_the_sockets_of_ones_other_sessions_only():
    admin, admin_cookie = await superuser_in_admin()
    _elsewhere, elsewhere_cookie = await sync_to_async(signed_in_browser)("root")
    here, there = clock_socket(admin_cookie), clock_socket(elsewhere_cookie)
    for each in (here, there):
        assert (await each.connect())[0]
        await assert_open(each)  # tracked
    await subscribed()

    changed = await set_password_in_admin(admin, "root")
    assert changed.status_code == 302, changed.context["form"].errors

    await assert_ended(there, "password_changed")
    await assert_open(here)  # the session the change was made in goes on
    await here.disconnect()


async def test_a_ticket_asked_with_a_session_signs_in_no_one_once_that_session_signed_out():
    hall = await build_hall()
    code = hall["contest"].join_code
    browser, _cookie = await sync_to_async(signed_in_browser)("red0")
    ticket = await sync_to_async(browser.post)(f"/api/v1/contests/{code}/ticket/", {"role": "player"})
    assert (await sync_to_async(browser.post)("/accounts/logout/")).status_code == 302

    late = await open_socket(ticket.json()["url"])  # within the ticket's 60 seconds
    assert await late.receive_output() == {"type": "websocket.close", "code": 4401}


@sync_to_async
def account_without_facts(username: str) -> str:
    """An account the admin lets a superuser delete (no unit, so no placement history, a fact the
    admin never deletes), signed in: the Cookie header of its session."""
    User.objects.create_user(username, password=factories.PASSWORD)
    return signed_in_browser(username)[1]


async def test_a_superuser_deleting_an_account_in_the_admin_closes_its_sockets():
    hall = await build_hall()
    guest = clock_socket(await account_without_facts("guest"))
    other = await connect(hall["contest"].join_code, hall["red"][0], language="en")
    assert (await guest.connect())[0]
    await assert_open(guest)  # tracked
    await receive(other)
    admin, _cookie = await superuser_in_admin()
    await subscribed()

    deleted = await sync_to_async(admin.post)(f"/admin/orgs/user/{(await user('guest')).pk}/delete/", {"post": "yes"})
    assert deleted.status_code == 302
    assert not await User.objects.filter(username="guest").aexists()

    await assert_ended(guest, "account_deleted")
    await assert_open(other)
    await other.disconnect()


async def test_a_superuser_deleting_selected_accounts_in_the_admin_closes_each_ones_sockets():
    hall = await build_hall()
    guests = [clock_socket(await account_without_facts(name)) for name in ("guest1", "guest2")]
    other = await connect(hall["contest"].join_code, hall["red"][0], language="en")
    for each in guests:
        assert (await each.connect())[0]
        await assert_open(each)  # tracked
    await receive(other)
    admin, _cookie = await superuser_in_admin()
    chosen = [(await user(name)).pk for name in ("guest1", "guest2")]
    await subscribed()

    deleted = await sync_to_async(admin.post)(
        "/admin/orgs/user/", {"action": "delete_selected", "_selected_action": chosen, "post": "yes"}
    )
    assert deleted.status_code == 302
    assert not await User.objects.filter(pk__in=chosen).aexists()

    for each in guests:
        await assert_ended(each, "account_deleted")
    await assert_open(other)
    await other.disconnect()
