from io import StringIO

from django.core.management import call_command

from orgs import access
from orgs.models import MemberPlacement, RoleGrant, Unit, User
from tests.lessons.videos import need_ffmpeg


def snapshot():
    return (
        Unit.objects.count(),
        User.objects.count(),
        MemberPlacement.objects.count(),
        RoleGrant.objects.count(),
        sorted(User.objects.values_list("employee_no", "real_name", "unit__path")),
    )


def test_seed_demo_builds_a_realistic_tree_and_is_idempotent(db, client, settings):
    call_command("seed_demo", stdout=StringIO())
    first = snapshot()
    call_command("seed_demo", stdout=StringIO())
    assert snapshot() == first

    assert Unit.objects.filter(depth=1).count() == 3
    assert Unit.objects.filter(kind="temporary_branch").exists()
    assert User.objects.filter(unit__isnull=False).count() >= 200
    assert all("\u4e00" <= ch <= "\u9fff" for ch in User.objects.get(employee_no="100001").real_name)

    organiser = User.objects.get(username="organiser")
    assert {u.name for u in access.managed_root_units(organiser)} == {"广州特派办"}
    assert access.is_administrator(User.objects.get(username="admin"))
    assert not access.is_manager(User.objects.get(username="member"))
    for username in ("admin", "organiser", "member"):
        # Through the sign-in page, as a person would: sign-in throttling needs the request.
        signed_in = client.post("/accounts/login/", {"username": username, "password": settings.DEMO_PASSWORD})
        assert signed_in.status_code == 302, username

    # The other apps' demo: a published member ranking, a provisional unit ranking, an online
    # contest and a relay open now (the member holds the first baton of a team), and (with ffmpeg)
    # a ready micro-class.
    from contests.online.models import OnlineContest
    from contests.relay.models import RelayTeam
    from lessons.models import Lesson
    from quizsite.selectors import today_tasks
    from rankings.models import Snapshot

    assert Snapshot.objects.get(rule__slug="demo-study-members").status == "published"
    assert Snapshot.objects.get(rule__slug="demo-study-offices").status == "draft"
    assert OnlineContest.objects.count() == 2  # the preliminary and the relay's contest
    assert RelayTeam.objects.filter(baton__holder__username="member").count() == 1
    assert {t.kind for t in today_tasks(User.objects.get(username="member"))} >= {"online", "relay"}
    need_ffmpeg()
    assert Lesson.objects.get(series__slug="demo-jiangtang").status == "ready"
