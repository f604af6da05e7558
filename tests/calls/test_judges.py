"""Judge-only accounts, declared conflicts with reassignment, reminders, the scores export and the
bad scores the issue lists (out of range, twice, after the lock, not assigned, conflicted)."""

import io
from decimal import Decimal

import pytest
from django.contrib.auth.hashers import check_password
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from rest_framework.test import APIClient

from calls import judges, services
from calls.models import Assignment, Call, Conflict, JudgeAccount, JudgeReminder, ScoreEvent
from calls.services import CallRejected
from notifications.models import Notification
from orgs.tokens import token_issue
from tests import factories

from .conftest import signed_in
from .test_review_judging import finalists, scores


def api(user) -> APIClient:
    _token, key = token_issue(user=user, device="评委手机")
    return APIClient(HTTP_AUTHORIZATION=f"Token {key}", HTTP_ACCEPT_LANGUAGE="zh-hans")


@pytest.fixture
def outside_judge(tree, gz_organiser):
    account, password = judges.judge_account_create(
        by=gz_organiser, unit=tree["gz"], name="外聘专家", contact="expert@example.org"
    )
    return account, password


def _choose_password(client, account, password, new="Judge-own-9pass"):
    client.post(
        reverse("password_change"),
        {"old_password": password, "new_password1": new, "new_password2": new},
    )
    account.user.refresh_from_db()
    return new


def test_an_organiser_creates_a_judge_account_with_a_printed_password(client, tree, gz_organiser):
    client.force_login(gz_organiser)
    response = client.post(
        reverse("calls:judge_accounts"), {"name": "外聘专家", "contact": "13800000000", "unit": tree["gz"].pk}
    )
    account = judges.managed_judge_accounts(gz_organiser).get()
    password = response.context["slip"][1]
    assert (account.user.real_name, account.user.phone, account.user.unit) == ("外聘专家", "13800000000", None)
    assert account.user.username.startswith("judge-") and len(password) == 10
    assert check_password(password, account.user.password)
    assert password in response.content.decode()
    assert password not in client.get(reverse("calls:judge_accounts")).content.decode()  # shown once
    outsider = factories.organiser(tree["budget"])
    with pytest.raises(CallRejected):
        judges.judge_account_reset(account=account, by=outsider)


def test_a_judge_only_account_must_replace_the_printed_password_then_sees_only_assignments(
    client, tree, essay_call, panel, gz_organiser, outside_judge
):
    account, password = outside_judge
    (entry,) = finalists(essay_call, [tree["gz2"]], 1)
    panel.judges.set([account.user])
    essay_call.judges_per_entry = 1
    services.assignment_run(call=essay_call, panel=panel, by=gz_organiser, seed="j")
    assignment = Assignment.objects.get()
    signed_in = client.post(reverse("login"), {"username": account.user.username, "password": password})
    assert signed_in.status_code == 302
    assert client.get(reverse("calls:judging")).url == reverse("password_change")
    _choose_password(client, account, password)
    assert not judges.must_choose_password(account)
    assert client.get(reverse("calls:judging")).status_code == 200
    assert client.get(reverse("calls:judging_entry", args=[assignment.pk])).status_code == 200
    assert client.get("/").url == reverse("calls:judging")
    for refused in (
        reverse("calls:list"),
        reverse("calls:entry", args=[entry.pk]),
        reverse("calls:entry_file", args=[entry.pk, entry.files.get().pk]),
        reverse("calls:manage_list"),
        reverse("me"),
        reverse("orgs:member_list"),
        reverse("contests:list"),
        reverse("rankings:list"),
        reverse("lessons:library"),
        "/admin/",
    ):
        assert client.get(refused).status_code == 403, refused
    # The blind copy is theirs to read, under its neutral name.
    blind = client.get(reverse("calls:judging_file", args=[assignment.pk, "file-0"]))
    assert blind.status_code == 200
    assert f"entry-{assignment.token}-0.docx" in blind["Content-Disposition"]


def test_a_blind_judge_only_account_cannot_reach_the_author_through_the_api(
    tree, essay_call, panel, gz_organiser, outside_judge
):
    account, password = outside_judge
    (entry,) = finalists(essay_call, [tree["gz2"]], 1)
    panel.judges.set([account.user])
    essay_call.judges_per_entry = 1
    services.assignment_run(call=essay_call, panel=panel, by=gz_organiser, seed="j")
    assignment = Assignment.objects.get()
    account.user.set_password("Judge-own-9pass")
    account.user.save()
    client = api(account.user)
    detail = client.get(f"/api/v1/calls/assignments/{assignment.pk}/")
    assert detail.status_code == 200
    for secret in (entry.author.display_name, entry.author.username, entry.unit.name, "essay.docx"):
        assert secret not in detail.content.decode()
    for path in (
        "/api/v1/me/",
        "/api/v1/home/",
        "/api/v1/calls/",
        "/api/v1/calls/entries/",
        f"/api/v1/members/{entry.author_id}/",
        "/api/v1/members/",
        "/api/v1/units/",
        "/api/v1/rankings/",
    ):
        response = client.get(path)
        assert response.status_code == 403, path
        assert entry.author.display_name not in response.content.decode()
    # Still holding the printed password: nothing, not even the assignments, until it is replaced.
    judges.judge_account_reset(account=account, by=gz_organiser)
    account.user.refresh_from_db()
    assert api(account.user).get("/api/v1/calls/assignments/").status_code == 403


def test_members_and_organisers_are_not_restricted(client, tree, gz_organiser):
    client.force_login(gz_organiser)
    assert client.get(reverse("calls:manage_list")).status_code == 200
    assert api(gz_organiser).get("/api/v1/me/").status_code == 200


def test_a_declared_conflict_passes_the_entry_to_the_least_loaded_free_judge(essay_call, tree, panel, gz_organiser):
    entries = finalists(essay_call, [tree["gz2"]], 2)
    essay_call.judges_per_entry = 2
    essay_call.save()
    services.assignment_run(call=essay_call, panel=panel, by=gz_organiser, seed="c")
    # Four judges, two entries, two each: loads 1, 1, 1, 1.
    loads = {j.pk: Assignment.objects.filter(judge=j).count() for j in panel.judges.all()}
    assert sorted(loads.values()) == [1, 1, 1, 1]
    held = Assignment.objects.filter(entry=entries[0]).order_by("judge_id").first()
    holders = set(Assignment.objects.filter(entry=entries[0]).values_list("judge_id", flat=True))
    conflict, replacement = judges.conflict_record(
        entry=entries[0], judge=held.judge, by=held.judge, reason="作者是我的同学"
    )
    assert (conflict.judge, conflict.by) == (held.judge, held.judge)
    # Free: the two judges not holding entry 0, each with one assignment; one of them takes it.
    free = {j.pk for j in panel.judges.all()} - holders
    assert replacement.judge_id in free
    assert not Assignment.objects.filter(entry=entries[0], judge=held.judge).exists()
    assert Assignment.objects.filter(entry=entries[0]).count() == 2
    with pytest.raises(CallRejected) as refused:
        services.score_record(assignment=held, by=held.judge, values=scores(essay_call, 50, 50))
    assert refused.value.code in ("not_assigned", "conflicted")
    assert essay_call.audit_events.filter(action="conflict").count() == 1


def test_the_same_facts_give_the_same_replacement(essay_call, tree, panel, gz_organiser):
    finalists(essay_call, [tree["gz2"]], 2)
    essay_call.judges_per_entry = 2
    essay_call.save()
    services.assignment_run(call=essay_call, panel=panel, by=gz_organiser, seed="same")
    held = Assignment.objects.order_by("id").first()
    first = judges._replacement(held)
    assert first == judges._replacement(held)


def test_an_organiser_records_a_conflict_and_the_assignment_avoids_it(
    client, essay_call, tree, panel, gz_organiser, owner
):
    (entry,) = finalists(essay_call, [tree["gz2"]], 1)
    jjj_judges = list(panel.judges.filter(unit=tree["jjj1"]).order_by("pk"))
    judges.conflict_record(entry=entry, judge=jjj_judges[0], by=owner, reason="师徒关系")
    services.assignment_run(call=essay_call, panel=panel, by=gz_organiser, seed="a")
    assert not Assignment.objects.filter(entry=entry, judge=jjj_judges[0]).exists()
    assert Assignment.objects.filter(entry=entry).count() == 3  # the three others
    stranger = factories.member(tree["jjj1"])
    with pytest.raises(CallRejected) as refused:
        judges.conflict_record(entry=entry, judge=jjj_judges[1], by=stranger, reason="?")
    assert refused.value.code == "not_allowed"
    # Through the organiser's page, picked from the list: the judge's assignment passes on.
    holder = Assignment.objects.filter(entry=entry).order_by("judge_id").first().judge
    client.force_login(owner)
    client.post(
        reverse("calls:conflict_record", args=[essay_call.pk]),
        {"conflict-entries": [entry.pk], "conflict-judge": holder.pk, "conflict-reason": "同一课题组"},
    )
    assert Conflict.objects.filter(entry=entry, judge=holder).exists()
    assert not Assignment.objects.filter(entry=entry, judge=holder).exists()
    # Nobody is free any more (four judges, two conflicted, two holding): it stays with two.
    assert Assignment.objects.filter(entry=entry).count() == 2


def test_a_conflict_after_scoring_is_refused_and_the_scores_stay(essay_call, tree, panel, gz_organiser, owner):
    finalists(essay_call, [tree["gz2"]], 1)
    services.assignment_run(call=essay_call, panel=panel, by=gz_organiser, seed="s")
    assignment = Assignment.objects.first()
    services.score_record(assignment=assignment, by=assignment.judge, values=scores(essay_call, 80, 80))
    with pytest.raises(CallRejected) as refused:
        judges.conflict_record(entry=assignment.entry, judge=assignment.judge, by=owner, reason="迟报")
    assert refused.value.code == "already_scored"
    assert ScoreEvent.objects.filter(assignment=assignment).count() == 2
    assert not Conflict.objects.exists()


def test_a_judge_declares_a_conflict_from_the_judging_page(client, essay_call, tree, panel, gz_organiser):
    finalists(essay_call, [tree["gz2"]], 1)
    services.assignment_run(call=essay_call, panel=panel, by=gz_organiser, seed="p")
    assignment = Assignment.objects.first()
    client.force_login(assignment.judge)
    page = client.get(reverse("calls:judging_entry", args=[assignment.pk]))
    assert 'id="conflict-declare"' in page.content.decode()
    empty = client.post(reverse("calls:conflict_declare", args=[assignment.pk]), {"reason": " "})
    assert empty.status_code == 302 and not Conflict.objects.exists()
    client.post(reverse("calls:conflict_declare", args=[assignment.pk]), {"reason": "是我指导的作品"})
    assert Conflict.objects.get().reason == "是我指导的作品"
    assert client.get(reverse("calls:judging_entry", args=[assignment.pk])).status_code == 404


def test_no_conflict_is_declared_or_recorded_once_the_scores_are_locked(
    client, essay_call, tree, panel, gz_organiser, owner
):
    """The pages hide the conflict forms on a locked call; a POST by URL still passed an unscored
    entry to another judge after the lock (a call locked with a score missing, as calls were
    before the lock checked)."""
    finalists(essay_call, [tree["gz2"]], 1)
    services.assignment_run(call=essay_call, panel=panel, by=gz_organiser, seed="p")
    assignment = Assignment.objects.first()
    Call.objects.filter(pk=essay_call.pk).update(scores_locked_at=timezone.now())
    client.force_login(assignment.judge)
    client.cookies["django_language"] = "zh-hans"
    page = client.get(reverse("calls:judging_entry", args=[assignment.pk])).content.decode()
    assert 'id="conflict-declare"' not in page
    answer = client.post(
        reverse("calls:conflict_declare", args=[assignment.pk]), {"reason": "是我指导的作品"}, follow=True
    )
    assert "评分已锁定，不能再修改。" in answer.content.decode()
    with pytest.raises(CallRejected) as refused:
        judges.conflict_record(entry=assignment.entry, judge=assignment.judge, by=owner, reason="同事")
    assert refused.value.code == "locked"
    assert not Conflict.objects.exists()
    assert Assignment.objects.filter(pk=assignment.pk, judge=assignment.judge).exists()
    assert Assignment.objects.filter(entry=assignment.entry).count() == 3


def test_bad_scores_twice_unassigned_and_conflicted_over_the_api(essay_call, tree, panel, gz_organiser, owner):
    (entry,) = finalists(essay_call, [tree["gz2"]], 1)
    services.assignment_run(call=essay_call, panel=panel, by=gz_organiser, seed="b")
    assignment = Assignment.objects.order_by("id").first()
    content, style = essay_call.criteria.values_list("pk", flat=True)
    url = f"/api/v1/calls/assignments/{assignment.pk}/scores/"
    client = api(assignment.judge)
    twice = client.post(
        url, {"scores": [{"criterion": content, "score": 50}, {"criterion": content, "score": 60}]}, format="json"
    )
    assert twice.status_code == 400
    over = client.post(
        url, {"scores": [{"criterion": content, "score": 101}, {"criterion": style, "score": 50}]}, format="json"
    )
    assert (over.status_code, over.json()["error"]["code"]) == (400, "out_of_range")
    # A string must spell a plain decimal, as on the judging page: "1e2" is not read as 100.
    for spelled in ("1e2", "1_0", "0x10", " inf", "NaN"):
        odd = client.post(
            url,
            {"scores": [{"criterion": content, "score": spelled}, {"criterion": style, "score": 50}]},
            format="json",
        )
        assert odd.status_code == 400, spelled
    assert not ScoreEvent.objects.exists()
    good = {"scores": [{"criterion": content, "score": "80"}, {"criterion": style, "score": 90}]}
    assert client.post(url, good, format="json").status_code == 200
    assert services.current_scores(assignment) == scores(essay_call, 80, 90)
    assert client.post(url, good, format="json").status_code == 200  # the same again: no new row
    assert ScoreEvent.objects.count() == 2
    other = Assignment.objects.exclude(judge=assignment.judge).first()
    stranger = client.post(f"/api/v1/calls/assignments/{other.pk}/scores/", good, format="json")
    assert (stranger.status_code, stranger.json()["error"]["code"]) == (404, "not_assigned")
    # A conflict recorded for a judge who holds an unscored assignment: it is gone, so refused.
    judges.conflict_record(entry=entry, judge=other.judge, by=owner, reason="亲属")
    conflicted = api(other.judge).post(f"/api/v1/calls/assignments/{other.pk}/scores/", good, format="json")
    assert (conflicted.status_code, conflicted.json()["error"]["code"]) == (404, "not_assigned")
    for held in Assignment.objects.exclude(pk=assignment.pk):  # the lock waits for every score
        services.score_record(assignment=held, by=held.judge, values=scores(essay_call, 70, 70))
    services.scores_lock(call=essay_call, by=gz_organiser, close_now=True)
    lowered = {"scores": [{"criterion": content, "score": 10}, {"criterion": style, "score": 10}]}
    locked = client.post(url, lowered, format="json")
    assert (locked.status_code, locked.json()["error"]["code"]) == (409, "locked")
    assert services.current_scores(assignment) == scores(essay_call, 80, 90)


def test_reminders_go_to_judges_with_unscored_assignments_only(
    client, essay_call, tree, panel, gz_organiser, owner, eager_tasks, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_HOST = ""
    finalists(essay_call, [tree["gz2"]], 2)
    services.assignment_run(call=essay_call, panel=panel, by=gz_organiser, seed="r")
    # Each of the four judges holds at most two of the six assignments; one judge scores all theirs.
    done = Assignment.objects.order_by("judge_id").first().judge
    for assignment in Assignment.objects.filter(judge=done):
        services.score_record(assignment=assignment, by=done, values=scores(essay_call, 70, 70))
    waiting = set(Assignment.objects.exclude(judge=done).values_list("judge_id", flat=True))
    client.force_login(owner)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("calls:judges_remind", args=[essay_call.pk]))
    reminded = Notification.objects.filter(kind="judging_reminder")
    assert set(reminded.values_list("recipient_id", flat=True)) == waiting
    note = reminded.first()
    assert note.url == reverse("calls:judging") and note.params["call"] == essay_call.title
    assert JudgeReminder.objects.get().judges == len(waiting)
    # Locked (as a call could be before the lock waited for every score): nobody is reminded.
    type(essay_call).objects.filter(pk=essay_call.pk).update(scores_locked_at=timezone.now())
    assert judges.judges_remind(call_id=essay_call.pk) == 0


def test_reminders_are_emailed_where_smtp_is_configured(
    essay_call, tree, panel, gz_organiser, eager_tasks, settings, django_capture_on_commit_callbacks
):
    from django.core import mail

    settings.EMAIL_HOST = "smtp.example.org"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    account, _password = judges.judge_account_create(
        by=gz_organiser, unit=tree["gz"], name="外聘专家", contact="expert@example.org"
    )
    panel.judges.set([account.user])
    essay_call.judges_per_entry = 1
    essay_call.save()
    finalists(essay_call, [tree["gz2"]], 1)
    services.assignment_run(call=essay_call, panel=panel, by=gz_organiser, seed="m")
    with django_capture_on_commit_callbacks(execute=True):
        assert judges.judges_remind(call_id=essay_call.pk) == 1
    assert Notification.objects.filter(recipient=account.user, kind="judging_reminder").count() == 1
    assert [message.to for message in mail.outbox] == [["expert@example.org"]]


def test_the_scores_export_marks_dropped_totals_and_hides_authors_when_blind(
    client, essay_call, tree, gz_organiser, owner
):
    """Five judges on one entry, weights 0.6 and 0.4, both criteria the same value: totals 60, 70,
    80, 90, 100. drop_extremes_from 5: 60 and 100 dropped, final (70+80+90)/3 = 80.00, rank 1."""
    from calls.models import Panel

    (entry,) = finalists(essay_call, [tree["gz2"]], 1)
    five = [factories.member(tree["jjj1"], real_name=f"评委{i}") for i in range(5)]
    panel = Panel.objects.create(call=essay_call, name="终评组")
    panel.judges.set(five)
    essay_call.judges_per_entry = 5
    essay_call.save()
    services.assignment_run(call=essay_call, panel=panel, by=gz_organiser, seed="x")
    for value, assignment in zip((60, 70, 80, 90, 100), Assignment.objects.order_by("judge_id"), strict=True):
        services.score_record(assignment=assignment, by=assignment.judge, values=scores(essay_call, value, value))
    client.force_login(owner)
    response = client.get(reverse("calls:scores_export", args=[essay_call.pk]))
    book = load_workbook(io.BytesIO(response.content))
    sheet = book.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[2] == ("作品", "标题", "评审组", "评委", "内容", "文采", "总分", "去掉", "评语")
    assert [(row[0], row[3], row[4], row[6], row[7]) for row in rows[3:]] == [
        ("作品 001", "评委0", 60, 60, "已去掉"),
        ("作品 001", "评委1", 70, 70, None),
        ("作品 001", "评委2", 80, 80, None),
        ("作品 001", "评委3", 90, 90, None),
        ("作品 001", "评委4", 100, 100, "已去掉"),
    ]
    text = "".join(str(cell) for row in rows for cell in row if cell)
    assert entry.author.display_name not in text and entry.unit.name not in text
    results = list(book.worksheets[1].iter_rows(values_only=True))
    assert results[1][0] == "作品 001" and results[1][2:] == (80.0, 1, "一等奖")
    essay_call.blind = False
    essay_call.save()
    named = load_workbook(io.BytesIO(client.get(reverse("calls:scores_export", args=[essay_call.pk])).content))
    assert named.worksheets[1]["C2"].value == entry.author.display_name
    assert Decimal(80) == Decimal(named.worksheets[1]["E2"].value)


def test_a_new_printed_password_replaces_the_old_one_from_the_page(client, tree, gz_organiser, outside_judge):
    account, old_password = outside_judge
    client.force_login(gz_organiser)
    page = client.post(reverse("calls:judge_accounts"), {"reset": account.pk})
    new_password = page.context["slip"][1]
    account = JudgeAccount.objects.select_related("user").get(pk=account.pk)
    assert check_password(new_password, account.user.password)
    assert not check_password(old_password, account.user.password)
    assert judges.must_choose_password(account)
    assert not page.context["form"].is_bound  # the new-judge form shows no errors


def test_a_deactivated_member_is_neither_put_on_a_panel_nor_assigned_entries(
    client, tree, essay_call, panel, gz_organiser
):
    gone = panel.judges.get(real_name="广州评委")
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    finalists(essay_call, [tree["gz2"]], 2)
    services.assignment_run(call=essay_call, panel=panel, by=gz_organiser, seed="j")
    assert Assignment.objects.exists() and not Assignment.objects.filter(judge=gone).exists()
    client.force_login(gz_organiser)
    client.post(reverse("calls:panel_add", args=[essay_call.pk]), {"name": "第二组", "judges": [gone.pk]})
    assert not essay_call.panels.filter(name="第二组").exists()


def test_a_refused_panel_keeps_its_name_and_judges_on_the_page_and_saves_nothing(client, tree, essay_call, owner):
    # The page used to redirect, emptying both boxes: the organiser retyped every judge.
    signed_in(client, owner)
    judge = factories.member(tree["gz1"], username="judge-a")
    page = client.post(
        reverse("calls:panel_add", args=[essay_call.pk]), {"name": "第一评审组", "judges": [judge.pk, 987654321]}
    )
    assert page.status_code == 200 and "没有工号或用户名为 987654321 的成员。" in page.text
    assert 'value="第一评审组"' in page.text
    assert f'<option value="{judge.pk}" selected data-data=' in page.text  # the picked judge stays picked
    assert not essay_call.panels.exists()


def test_a_judge_who_drops_out_keeps_their_scores_and_their_unscored_entries_pass_on(
    client, essay_call, tree, panel, gz_organiser, owner
):
    entries = finalists(essay_call, [tree["gz2"]], 3)
    essay_call.judges_per_entry = 2
    essay_call.save()
    services.assignment_run(call=essay_call, panel=panel, by=gz_organiser, seed="d")
    # Six assignments over four judges: two of them hold two entries.
    leaving = max(panel.judges.all(), key=lambda judge: Assignment.objects.filter(judge=judge).count())
    scored, unscored = Assignment.objects.filter(judge=leaving).order_by("pk")
    services.score_record(assignment=scored, by=leaving, values=scores(essay_call, 80, 70))
    last = Assignment.objects.latest("pk").pk
    client.force_login(owner)
    url = reverse("calls:judge_withdraw", args=[essay_call.pk, leaving.pk])
    client.post(url, {"reason": " "})
    assert panel.judges.filter(pk=leaving.pk).exists()
    page = client.post(url, {"reason": "因病无法参加评审"}, follow=True).content.decode()
    assert "不再评审本征集" in page and "1 件作品转交其他评委" in page
    assert not panel.judges.filter(pk=leaving.pk).exists()
    assert list(Assignment.objects.filter(judge=leaving)) == [scored]
    assert services.current_scores(scored) == scores(essay_call, 80, 70)
    for entry in entries:
        assert Assignment.objects.filter(entry=entry).count() == 2
    taker = Assignment.objects.get(pk__gt=last)
    assert taker.entry_id == unscored.entry_id and taker.judge != leaving
    assert essay_call.audit_events.get(action="judge_withdrawn").detail == f"{leaving.display_name}: 因病无法参加评审"
    assert "已退出" in client.get(reverse("calls:manage", args=[essay_call.pk])).content.decode()
    again = client.post(url, {"reason": "再次"}, follow=True).content.decode()
    assert "不在本征集的评审组中" in again
    # Off the panel, the judge still sees the entry they scored but can no longer change it.
    client.force_login(leaving)
    page = client.get(reverse("calls:judging_entry", args=[scored.pk])).content.decode()
    assert "您已不再评审本征集；已给出的评分保留。" in page and 'id="score-save"' not in page
    with pytest.raises(CallRejected) as refused:
        services.score_record(assignment=scored, by=leaving, values=scores(essay_call, 90, 90))
    assert refused.value.code == "withdrawn"
    content_id, style_id = essay_call.criteria.values_list("pk", flat=True)
    body = {"scores": [{"criterion": content_id, "score": "90"}, {"criterion": style_id, "score": "90"}]}
    answer = api(leaving).post(f"/api/v1/calls/assignments/{scored.pk}/scores/", body, format="json")
    assert (answer.status_code, answer.json()["error"]["code"]) == (409, "withdrawn")
    assert services.current_scores(scored) == scores(essay_call, 80, 70)


def test_withdrawing_someone_who_never_judged_the_call_does_not_name_them(client, essay_call, tree, panel, owner):
    """The judge id in the URL is any account's: answering "<real name> is not on a panel" let an
    organiser read the real name of every account on the platform, one id at a time."""
    stranger = factories.member(tree["budget"], real_name="预算司某人")
    client.force_login(owner)
    url = reverse("calls:judge_withdraw", args=[essay_call.pk, stranger.pk])
    answer = client.post(url, {"reason": "查看姓名"}, follow=True)
    assert answer.status_code == 404
    assert "预算司某人" not in answer.content.decode()
    assert not essay_call.audit_events.filter(action="judge_withdrawn").exists()


@pytest.mark.parametrize(
    ("url_name", "body"),
    [
        ("calls:judge_accounts", {"reset": "abc"}),
        ("calls:judging_action", {"panel": "abc"}),
    ],
)
def test_an_id_that_is_not_a_number_finds_nothing_instead_of_a_server_error(client, essay_call, owner, url_name, body):
    """The entry, panel and account ids were looked up as posted: "abc" raised "Field 'id'
    expected a number" (500)."""
    client.force_login(owner)
    args = {"calls:judging_action": [essay_call.pk, "assign"]}
    answer = client.post(reverse(url_name, args=args.get(url_name, [])), body)
    assert answer.status_code == 404


def test_the_password_form_reads_new_password_while_a_judge_accounts_button_reads_reset(client, tree, gz_organiser):
    """The judge-account button's "重设密码" (reset password) was also the label of the new password
    on every member's password form, above "新密码确认"."""
    signed_in(client, gz_organiser)
    client.post(reverse("calls:judge_accounts"), {"name": "外聘专家", "contact": "", "unit": tree["gz"].pk})
    assert "重设密码" in client.get(reverse("calls:judge_accounts")).content.decode()
    form = client.get(reverse("password_change")).content.decode()
    assert '<label class="form-label" for="id_new_password1">新密码</label>' in form
    assert '<label class="form-label" for="id_new_password2">确认新密码</label>' in form
    assert "重设密码" not in form
