from datetime import timedelta
from decimal import Decimal
from io import StringIO

from django.conf import settings as django_settings
from django.core.management import call_command
from django.utils import timezone

from calls.models import Assignment, Call, Entry, Review, ScoreEvent
from lessons import video
from orgs import access
from orgs.models import MemberPlacement, RoleGrant, Unit, User
from orgs.selectors import unit_by_path
from tests.lessons.videos import ffmpeg_steps_once, need_ffmpeg


def snapshot():
    return (
        Unit.objects.count(),
        User.objects.count(),
        MemberPlacement.objects.count(),
        RoleGrant.objects.count(),
        sorted(User.objects.values_list("employee_no", "real_name", "unit__path")),
        sorted(Call.objects.values_list("title", "closes_at", "scores_locked_at", "results_published_at")),
        sorted(Entry.objects.values_list("title", "status", "author__username")),
        Review.objects.count(),
        Assignment.objects.count(),
        ScoreEvent.objects.count(),
    )


def test_seed_demo_builds_a_realistic_tree_and_is_idempotent(db, client, settings, monkeypatch):
    if not video.tools_missing():
        # The micro-class call's four entries are one clip: ffmpeg's steps run for it once and are
        # copied to the other three (`processed_once`, tests/lessons/videos.py). This tests the
        # seeding; lesson_process and entry_video_process run ffmpeg every time in their own tests.
        ffmpeg_steps_once(monkeypatch)
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
    secretary = User.objects.get(username="secretary")
    assert secretary.unit.path == unit_by_path("审计署/广州特派办/第一党支部").path
    assert {(g.role, g.unit.name) for g in secretary.role_grants.all()} == {("organiser", "第一党支部")}
    assert all("\u4e00" <= ch <= "\u9fff" for ch in secretary.real_name)
    for username in ("admin", "organiser", "member", "secretary"):
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
    check_demo_calls(client)


def check_demo_calls(client):
    """An open essay call the member may enter, and a closed micro-class call of four entries,
    recommended by 广州特派办, scored by a panel of three from other offices, scores locked and
    results not yet published."""
    from calls import services
    from calls.selectors import results

    now = timezone.now()
    member = User.objects.get(username="member")
    essay = Call.objects.get(kind="essay")
    assert essay.unit.name == "广州特派办" and essay.opens_at < now
    assert essay.closes_at - now > timedelta(weeks=3)
    assert services.may_enter(member, essay) and services.entries_left(essay, member) == 1
    # One essay of 第一党支部 waits for its secretary's recommendation, which the secretary may give.
    (waiting,) = essay.entries.all()
    assert waiting.status == "submitted" and waiting.at_unit.name == "第一党支部" and waiting.level == 0
    assert waiting.unit.name == "第一党支部" and waiting.author.username not in {"member", "secretary"}
    services.check_reviewer(User.objects.get(username="secretary"), waiting)

    micro = Call.objects.get(kind="micro_class")
    assert micro.unit.name == "广州特派办" and micro.closes_at <= now
    entries = list(micro.entries.select_related("author", "unit"))
    assert len(entries) == 4 and {e.status for e in entries} == {"finalist"}
    assert member in {e.author for e in entries}
    assert {e.video_status for e in entries} == {"ready"}
    assert all(e.files.get().size > 0 for e in entries)
    assert all(e.submitted_at <= micro.closes_at for e in entries)
    assert Review.objects.filter(entry__call=micro, decision="forward", by__username="organiser").count() == 4
    (panel,) = micro.panels.all()
    judges = list(panel.judges.all())
    assert len(judges) == 3 and not any(services.is_conflicted(j, e) for j in judges for e in entries)
    assert Assignment.objects.filter(entry__call=micro).count() == 12
    assert micro.scores_locked_at and not micro.results_published_at

    # Worked out by hand from calls/demo.py (weights 0.5 / 0.3 / 0.2, three judges, no dropping):
    # 一张审计底稿里的党性: 86.9, 88.1, 86.8 -> 87.27; 红船精神永放光芒: 86.5, 89, 85 -> 86.83;
    # 守好国家“钱袋子”: 76.5, 77.4, 78 -> 77.30; 廉洁从审 从我做起: 69.6, 72.1, 70.4 -> 70.70.
    assert [(r.entry.title, r.final, r.rank, r.prize) for r in results(micro)] == [
        ("一张审计底稿里的党性", Decimal("87.27"), 1, "一等奖"),
        ("红船精神永放光芒", Decimal("86.83"), 2, "二等奖"),
        ("守好国家“钱袋子”", Decimal("77.30"), 3, "三等奖"),
        ("廉洁从审 从我做起", Decimal("70.70"), 4, ""),
    ]

    # The pages: the member's list and entry form, the organiser's management page.
    client.force_login(member)
    listed = client.get("/calls/").content.decode()
    assert essay.title in listed and micro.title in listed
    assert client.get(f"/calls/{essay.pk}/").status_code == 200
    client.force_login(User.objects.get(username="organiser"))
    managed = client.get(f"/calls/manage/{micro.pk}/").content.decode()
    assert 'id="publish-button"' in managed and "87.27" in managed

    # The secretary finds the essay with its recommendation form on the call's page.
    client.force_login(User.objects.get(username="secretary"))
    assert essay.title in client.get("/calls/manage/").content.decode()
    reviewing = client.get(f"/calls/manage/{essay.pk}/").content.decode()
    assert f'id="entry-{waiting.pk}"' in reviewing and "review-form" in reviewing

    # A judge of the panel signs in with the demo password (the panel's members had none, so no
    # one could try the judge's pages) and finds the four entries scored.
    client.logout()
    signed_in = client.post("/accounts/login/", {"username": "100001", "password": django_settings.DEMO_PASSWORD})
    assert signed_in.status_code == 302
    judging = client.get("/calls/judging/").content.decode()
    assert micro.title in judging and judging.count('class="badge text-bg-success"') == 4

    # Seeded again once the essay call has closed (a demo seeded weeks ago): its waiting essay is
    # not handed in again (a closed call refuses it: seeding failed) and nothing is left half-made.
    waiting.delete()
    Call.objects.filter(pk=essay.pk).update(closes_at=now - timedelta(days=1))
    call_command("seed_demo", stdout=StringIO())
    assert not essay.entries.exists()


def test_the_demo_members_daily_quiz_points_today_come_with_a_finished_daily_quiz(db):
    """The home page offers today's daily quiz as not done unless a daily attempt finished today;
    the demo must not show daily-quiz points earned today without one."""
    from lessons.selectors import points_today
    from quizsite.selectors import today_tasks

    call_command("seed_demo", "--no-video", stdout=StringIO())
    for member in User.objects.filter(username="member") | User.objects.filter(unit__name="第一党支部"):
        (daily,) = [task for task in today_tasks(member) if task.kind == "daily"]
        earned = next(row.earned for row in points_today(member) if row.activity == "daily_correct")
        assert daily.done or earned == 0, (member.username, earned)


def test_a_demo_seeded_before_the_general_branch_has_its_branch_moved_under_it_with_its_members(db):
    """A demo seeded when 核算司党支部 sat right under 国民经济核算司: seeding again moves it, with
    its member, under the new 核算司党总支, rather than adding a second, empty 核算司党支部."""
    from orgs import demo, services

    organ = services.unit_create(name="国家统计局", kind="organ", parent=None)
    office = services.unit_create(name="国民经济核算司", kind="office", parent=organ)
    branch = services.unit_create(name="核算司党支部", kind="branch", parent=office)
    member = services.member_create(username="old-demo", real_name="旧成员", employee_no="OLD1", unit=branch)
    demo.seed(StringIO())
    (moved,) = Unit.objects.filter(name="核算司党支部")
    assert moved.pk == branch.pk
    assert unit_by_path("国家统计局/国民经济核算司/核算司党总支/核算司党支部").pk == branch.pk
    member.refresh_from_db()
    assert member.unit_id == branch.pk
