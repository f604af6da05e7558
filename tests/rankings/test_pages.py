"""Leaderboard pages, exports, certificates and the console, through the test client."""

import re
from datetime import timedelta
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from orgs.models import User
from quizsite.pagination import PageNumberPagination
from rankings.models import RankingRule, RankingRun, Snapshot
from rankings.services import snapshot_approve, snapshot_publish
from tests import factories
from tests.rankings.test_services import compute, member_rule
from tests.spreadsheets import FORMULA, assert_written_as_text


@pytest.fixture
def study(module_study):
    """`study`, built once for this file's rolled-back tests (tests/rankings/conftest.py)."""
    return module_study


@pytest.fixture
def board(study):
    admin = factories.administrator(study["tree"]["audit"], username="boss")
    rule = member_rule(
        study,
        prize_mode="count",
        prize_tiers=[{"name": "一等奖", "value": 1}, {"name": "二等奖", "value": 2}],
    )
    snapshot = compute(rule).snapshot
    return {"admin": admin, "rule": rule, "snapshot": snapshot, **study}


def publish(board):
    snapshot_publish(snapshot=snapshot_approve(snapshot=board["snapshot"], by=board["admin"]), by=board["admin"])


def test_members_see_only_published_results_and_administrators_see_provisional_ones(client, board):
    url = reverse("rankings:board", args=[board["rule"].slug])
    client.force_login(board["people"]["a"])
    assert client.get(url).status_code == 404
    client.force_login(board["admin"])
    page = client.get(url)
    assert page.status_code == 200 and 'id="provisional-banner"' in page.content.decode()
    publish(board)
    client.force_login(board["people"]["a"])
    page = client.get(url).content.decode()
    assert 'id="provisional-banner"' not in page and "F" in page and "一等奖" in page


def test_someone_outside_the_rules_unit_does_not_find_it(client, board):
    publish(board)
    outsider = factories.member(board["tree"]["budget"], username="outsider")
    client.force_login(outsider)
    page = client.get(reverse("rankings:board", args=[board["rule"].slug]))
    assert page.status_code == 404 and "审计署" not in page.content.decode()


def test_drill_down_shows_ranks_within_the_chosen_unit_and_search_filters(client, board):
    publish(board)
    client.force_login(board["people"]["a"])
    url = reverse("rankings:board", args=[board["rule"].slug])
    page = client.get(url, {"group": board["tree"]["gz"].pk})
    rows = list(page.context["page"])
    assert [row.label for row in rows] == ["D", "E", "A", "B", "C"]
    assert [row.rank_in_group for row in rows] == [1, 2, 3, 4, 5]
    assert [row.label for row in client.get(url, {"q": "E"}).context["page"]] == ["E"]


def test_export_carries_the_snapshot_hash(client, board):
    client.force_login(board["admin"])
    response = client.get(reverse("rankings:export", args=[board["rule"].slug]))
    book = load_workbook(BytesIO(response.content))
    sheet = book.active
    assert sheet["B3"].value == board["snapshot"].input_hash
    assert board["snapshot"].input_hash in book.properties.keywords
    assert response["X-Snapshot-Hash"] == board["snapshot"].input_hash


def test_certificates_exist_only_for_published_prize_winners(client, board):
    f = board["people"]["f"]
    url = reverse("rankings:certificate", args=[board["rule"].slug, f.pk])
    client.force_login(f)
    assert client.get(url).status_code == 404  # not published yet
    publish(board)
    response = client.get(url)
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    c = board["people"]["c"]
    client.force_login(board["admin"])
    assert client.get(reverse("rankings:certificate", args=[board["rule"].slug, c.pk])).status_code == 404


def test_console_computes_approves_and_publishes_and_refuses_a_reasonless_replacement(
    client, board, django_capture_on_commit_callbacks, eager_tasks
):
    client.force_login(board["admin"])
    slug = board["rule"].slug
    client.post(reverse("rankings:approve", args=[slug, 1]))
    client.post(reverse("rankings:publish", args=[slug, 1]))
    assert Snapshot.objects.get(rule=board["rule"], version=1).status == "published"
    from tests.rankings.test_services import points

    points(board["people"]["c"], 99, "c-late")
    with django_capture_on_commit_callbacks(execute=True):
        computed = client.post(reverse("rankings:compute", args=[slug]))  # eager Celery: computed on commit
    assert Snapshot.objects.filter(rule=board["rule"], version=2).exists()
    # The run's card tells whoever started it what came of it (the redirect's address), once.
    assert 'id="run-card"' in client.get(computed["Location"]).content.decode()
    # Four eyes: whoever computed v2 cannot approve it; a second administrator can.
    refused = client.post(reverse("rankings:approve", args=[slug, 2]), follow=True).content.decode()
    assert "another administrator must approve" in refused or "须由另一位管理员审核" in refused
    assert Snapshot.objects.get(rule=board["rule"], version=2).status == "draft"
    client.force_login(factories.administrator(board["tree"]["audit"], username="second"))
    client.post(reverse("rankings:approve", args=[slug, 2]))
    client.force_login(board["admin"])
    assert 'id="run-card"' not in client.get(reverse("rankings:manage", args=[slug])).content.decode()
    page = client.post(reverse("rankings:publish", args=[slug, 2]), follow=True)
    assert "say why" in page.content.decode() or "说明" in page.content.decode()
    assert Snapshot.objects.get(rule=board["rule"], version=2).status == "approved"


def test_approving_and_publishing_say_on_the_console_that_they_went_through(client, board):
    client.force_login(board["admin"])
    slug = board["rule"].slug
    with translation.override("zh-hans"):
        approved = client.post(reverse("rankings:approve", args=[slug, 1]), follow=True).content.decode()
        assert "v1 已审核通过，现在可以发布。" in approved
        published = client.post(reverse("rankings:publish", args=[slug, 1]), follow=True).content.decode()
        assert "v1 已发布，成员现在可以在排行榜、大屏和光荣榜上看到。" in published
        # A refusal still says only why: publishing v1 again is not a success.
        again = client.post(reverse("rankings:publish", args=[slug, 1]), follow=True).content.decode()
        assert "已发布，成员现在" not in again


def test_the_console_says_how_many_rows_a_version_lists_and_how_many_take_a_place(client, board):
    # "6 / 6 ranked" read like a score; listed and ranked are now told apart.
    client.force_login(board["admin"])
    with translation.override("zh-hans"):
        page = client.get(reverse("rankings:manage", args=[board["rule"].slug])).content.decode()
    assert "列出 6 个，6 个参加名次" in page


def test_the_place_within_a_group_reads_as_chinese_on_the_chinese_board(client, board):
    # "广州特派办 #1" is no way to write a place in Chinese.
    client.force_login(board["admin"])
    with translation.override("zh-hans"):
        page = client.get(reverse("rankings:board", args=[board["rule"].slug])).content.decode()
    assert "广州特派办 第 1 名" in page and "#1" not in page
    page = client.get(reverse("rankings:board", args=[board["rule"].slug]), HTTP_ACCEPT_LANGUAGE="en")
    assert "广州特派办: no. 1" in page.content.decode()


def test_the_honour_list_writes_a_place_as_chinese_does(client, board):
    # "名次 1" read as a label and a number, and broke between them on a phone.
    publish(board)
    client.force_login(board["people"]["a"])
    page = client.get(reverse("rankings:honours", args=[board["rule"].slug])).content.decode()
    assert '<span class="small text-nowrap">第 1 名' in page and "名次 1" not in page


def test_a_member_sees_their_own_place_and_a_link_to_their_row(client, board):
    # A is 4th of 6 (F 50, D 40, E 35, A 30): on a phone, 50 rows a page, they had to search.
    publish(board)
    client.force_login(board["people"]["a"])
    url = reverse("rankings:board", args=[board["rule"].slug])
    page = client.get(url).content.decode()
    assert "您的名次：第 4 名" in page and "30</b>" in page
    a = board["people"]["a"].pk
    link = re.search(r'id="my-place-link" href="([^"]*)"', page).group(1).replace("&amp;", "&")
    assert link == f"?mine=1&highlight={a}#board-row-{a}"
    found = client.get(url + link.partition("#")[0])
    assert a in [row.subject_id for row in found.context["page"]] and "qs-mine" in found.content.decode()
    client.force_login(board["admin"])  # not ranked here: no card
    assert 'id="my-place"' not in client.get(url).content.decode()


def test_the_verify_page_says_who_computed_a_version_in_a_chinese_sentence(client, board):
    # "计算于 … 方式 管理员": the lone word "by" was translated as "method".
    client.force_login(board["admin"])
    board["snapshot"].computed_by = board["admin"]
    board["snapshot"].save(update_fields=["computed_by"])
    when = timezone.localtime(board["snapshot"].computed_at).strftime("%Y-%m-%d %H:%M")
    page = client.get(reverse("rankings:verify", args=[board["rule"].slug, 1])).content.decode()
    name = board["admin"].display_name
    assert f"由 {name} 于 {when} 计算" in page and "方式" not in page


def test_members_cannot_reach_the_console_and_admin_cannot_delete_a_published_snapshot(client, board):
    publish(board)
    client.force_login(board["people"]["a"])
    assert client.post(reverse("rankings:compute", args=[board["rule"].slug])).status_code == 403
    # Only superusers enter the admin; even they may not delete a published snapshot there.
    client.force_login(User.objects.create_superuser("root", password="x-long-password-1"))
    delete = reverse("admin:rankings_snapshot_delete", args=[board["snapshot"].pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert Snapshot.objects.filter(pk=board["snapshot"].pk).exists()


def test_api_computes_approves_publishes_and_serves_the_leaderboard(
    client, board, django_capture_on_commit_callbacks, eager_tasks
):
    slug = board["rule"].slug
    client.force_login(board["admin"])
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(f"/api/v1/rankings/{slug}/runs/")
    assert started.status_code == 202
    run = client.get(f"/api/v1/rankings/{slug}/runs/{started.json()['id']}/").json()
    assert run["status"] == "done" and run["outcome"] == "unchanged" and run["snapshot_version"] == 1
    assert client.post(f"/api/v1/rankings/{slug}/versions/1/publish/").json()["error"]["code"] == "not_approved"
    assert client.post(f"/api/v1/rankings/{slug}/versions/1/approve/").status_code == 200
    assert client.post(f"/api/v1/rankings/{slug}/versions/1/publish/").json()["status"] == "published"
    client.force_login(board["people"]["b"])
    body = client.get(f"/api/v1/rankings/{slug}/", {"group": board["tree"]["gz"].pk, "page_size": 2}).json()
    assert body["snapshot"]["provisional"] is False and body["count"] == 5 and body["pages"] == 3
    assert [row["label"] for row in body["results"]] == ["D", "E"]
    assert client.post(f"/api/v1/rankings/{slug}/runs/").status_code == 403


def test_api_says_when_a_run_waits_past_the_patience_with_no_worker(client, board, settings):
    """A broker and no worker: the run requested 601 s ago, the patience 600 s, says so beside
    its status; 60 s ago not yet (a slow test machine's request never takes 540 s); a run a worker
    took (running) never does."""
    settings.CELERY_TASK_ALWAYS_EAGER, settings.BACKGROUND_QUEUE_PATIENCE_S = False, 600
    slug = board["rule"].slug
    client.force_login(board["admin"])
    run = RankingRun.objects.create(rule=board["rule"], requested_by=board["admin"])
    url = f"/api/v1/rankings/{slug}/runs/{run.pk}/"
    RankingRun.objects.filter(pk=run.pk).update(created_at=timezone.now() - timedelta(seconds=60))
    body = client.get(url).json()
    assert (body["status"], body["worker_missing"]) == ("queued", False)
    RankingRun.objects.filter(pk=run.pk).update(created_at=timezone.now() - timedelta(seconds=601))
    assert client.get(url).json()["worker_missing"] is True
    # Asking to compute again returns the run still queued, with the same flag.
    again = client.post(f"/api/v1/rankings/{slug}/runs/")
    assert again.status_code == 200 and again.json()["id"] == run.pk and again.json()["worker_missing"] is True
    RankingRun.objects.filter(pk=run.pk).update(status="running")
    assert client.get(url).json()["worker_missing"] is False


def test_export_writes_formula_like_titles_and_names_as_text(client, study):
    study["people"]["a"].real_name = FORMULA
    study["people"]["a"].save()
    admin = factories.administrator(study["tree"]["audit"], username="boss")
    rule = member_rule(study, title="-排名 @2026")
    compute(rule)
    client.force_login(admin)
    response = client.get(reverse("rankings:export", args=[rule.slug]))
    assert_written_as_text(response.content, FORMULA, "-排名 @2026")
    assert response["Content-Disposition"].startswith(f'attachment; filename="{rule.slug}-v1.xlsx"; filename*=')


@pytest.mark.parametrize("page_size", ["abc", "0", "-1", "1.5", "1e3", "9" * 5000])
def test_leaderboard_api_refuses_a_page_size_that_is_not_a_positive_whole_number(client, board, page_size):
    client.force_login(board["admin"])
    response = client.get(f"/api/v1/rankings/{board['rule'].slug}/", {"page_size": page_size})
    assert response.status_code == 400 and response.json()["error"]["field"] == "page_size"


def test_leaderboard_api_cuts_a_huge_page_size_and_answers_404_past_the_last_page(client, board, monkeypatch):
    monkeypatch.setattr(PageNumberPagination, "max_page_size", 4)
    client.force_login(board["admin"])
    url = f"/api/v1/rankings/{board['rule'].slug}/"
    body = client.get(url, {"page_size": 10**30}).json()
    assert len(body["results"]) == 4 and body["count"] == 6 and body["pages"] == 2
    assert len(client.get(url, {"page_size": 10**30, "page": 2}).json()["results"]) == 2
    assert client.get(url, {"page": 3}).status_code == 404
    assert client.get(url, {"page": "abc"}).status_code == 404


def test_the_board_states_how_people_are_counted(client, board):
    client.force_login(board["admin"])
    page = client.get(reverse("rankings:board", args=[board["rule"].slug]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    # A member board: a member who moved is one row in one unit (tests/rankings/test_member_board_movers.py).
    assert "调动过的成员连同其全部成绩，列在统计应参与人数时其所在的单位。" in page.content.decode()


def test_organisers_verify_a_version_and_see_how_facts_drifted_members_may_not(client, board):
    from tests.rankings.test_services import points

    url = reverse("rankings:verify", args=[board["rule"].slug, 1])
    client.force_login(factories.organiser(board["tree"]["gz"], username="gz-org"))
    assert client.get(url).status_code == 403  # an organiser of 广州 only, not of the rule's 审计署
    client.force_login(factories.organiser(board["tree"]["audit"], username="audit-org"))
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "These results are intact" in page and 'id="no-drift"' in page
    points(board["people"]["c"], 45, "c-2")  # C's total changes
    points(factories.member(board["tree"]["gz1"], username="new"), 5, "new-1")  # a new participant
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "These results are intact" in page
    assert "1 result added" in page and "1 result changed" in page and "0 results gone" in page
    client.force_login(board["people"]["a"])
    assert client.get(url).status_code == 403


def test_the_console_shows_score_changes_and_offers_publishing_as_it_stands(client, board):
    from tests.rankings.test_services import points

    slug = board["rule"].slug
    second = factories.administrator(board["tree"]["audit"], username="second")
    snapshot_approve(snapshot=board["snapshot"], by=second)
    points(board["people"]["c"], 45, "c-2")
    client.force_login(board["admin"])
    page = client.get(reverse("rankings:manage", args=[slug]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Facts changed since computed" in page and "publish-as-it-stands-button" in page
    assert 'class="btn btn-sm btn-primary publish-button"' not in page
    refused = client.post(reverse("rankings:publish", args=[slug, 1]), follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert "compute again, or publish it as it stands" in refused.content.decode()
    assert Snapshot.objects.get(pk=board["snapshot"].pk).status == "approved"
    client.post(reverse("rankings:publish", args=[slug, 1]), {"as_it_stands": "1"})
    assert Snapshot.objects.get(pk=board["snapshot"].pk).status == "published"

    # v2 takes C's late points in: C rises from 6th to 1st, and one score changed.
    board["rule"].refresh_from_db()
    v2 = compute(board["rule"]).snapshot
    assert (v2.diff["moved_up"], v2.diff["score_changes"]) == (1, 1)
    page = client.get(reverse("rankings:manage", args=[slug]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert ", 1 score change" in page and "1 score changes" not in page


def test_the_big_screen_names_each_unit_once(client, study):
    admin = factories.administrator(study["tree"]["audit"], username="boss")
    rule = factories.ranking_rule(
        study["tree"]["audit"], subject="unit", unit_level=3, metric="total", sources=[{"kind": "points"}]
    )
    snapshot = compute(rule).snapshot
    client.force_login(admin)
    page = client.get(reverse("rankings:screen", args=[rule.slug]) + f"?v={snapshot.version}").content.decode()
    # 机关党支部 (京津冀) leads with 50: its own name once, not twice, the unit above it beside it,
    # and its whole path below 审计署 as the lines' tooltip.
    shown = re.sub(r"<[^>]*>", " ", page)
    assert shown.count("机关党支部") == 1 and "京津冀特派办" in shown
    assert 'title="京津冀特派办/机关党支部"' in page


def test_the_honour_list_prints_on_a4(client, board):
    publish(board)
    client.force_login(board["admin"])
    page = client.get(reverse("rankings:honours", args=[board["rule"].slug])).content.decode()
    assert 'class="qs-honours"' in page and "data-print" in page
    from pathlib import Path

    from django.contrib.staticfiles import finders

    css = Path(finders.find("css/app.css")).read_text(encoding="utf-8")
    assert "@page { size: A4;" in css and "body:has(.qs-honours) .qs-navbar" in css


def test_api_refuses_self_approval_and_a_stale_publication_with_codes(client, board):
    from tests.rankings.test_services import points

    slug = board["rule"].slug
    client.force_login(board["admin"])
    run = client.post(f"/api/v1/rankings/{slug}/runs/").json()
    assert run["id"]
    points(board["people"]["c"], 45, "c-2")
    from rankings.services import run_execute

    run_execute(run_id=run["id"])  # computed by board["admin"]: v2
    refused = client.post(f"/api/v1/rankings/{slug}/versions/2/approve/")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "second_approver_required"
    client.force_login(factories.administrator(board["tree"]["audit"], username="second"))
    assert client.post(f"/api/v1/rankings/{slug}/versions/2/approve/").status_code == 200
    points(board["people"]["d"], 1, "d-2")
    stale = client.post(f"/api/v1/rankings/{slug}/versions/2/publish/")
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "facts_changed"
    published = client.post(f"/api/v1/rankings/{slug}/versions/2/publish/", {"as_it_stands": True}, "application/json")
    assert published.json()["status"] == "published"


def test_the_boards_counting_note_joins_chinese_sentences_without_a_space_and_english_ones_with_one(client, board):
    url = reverse("rankings:board", args=[board["rule"].slug])
    client.force_login(board["admin"])
    chinese = client.get(url).content.decode()
    note = chinese.split('id="counting-rules">', 1)[1].split("</p>", 1)[0]
    assert note.startswith("人数计算方法：统计期按本地日历日计算。") and "。 " not in note and "： " not in note
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    note = english.split('id="counting-rules">', 1)[1].split("</p>", 1)[0]
    assert note.startswith("How people are counted: Period days are local calendar days. A member who moved")


def test_publishing_refuses_a_body_that_is_not_an_object_and_a_nul_in_the_reason_in_words(client, board):
    """The API read `request.data.get(...)`: a JSON list or string body was a 500; and a
    replacement's reason with a NUL byte reached PostgreSQL (a 500 on the page and the API)."""
    from rankings.services import run_execute
    from tests.rankings.test_services import points

    publish(board)
    slug = board["rule"].slug
    client.force_login(board["admin"])
    run = client.post(f"/api/v1/rankings/{slug}/runs/").json()
    points(board["people"]["c"], 45, "c-2")
    run_execute(run_id=run["id"])
    client.force_login(factories.administrator(board["tree"]["audit"], username="second"))
    assert client.post(f"/api/v1/rankings/{slug}/versions/2/approve/").status_code == 200
    url = f"/api/v1/rankings/{slug}/versions/2/publish/"
    for body in ("[1, 2]", '"x"', '{"as_it_stands": [1]}'):
        assert client.post(url, body, "application/json").status_code == 400, body
    refused = client.post(url, {"reason": "更正\x00", "as_it_stands": True}, "application/json")
    assert refused.status_code == 400 and refused.json()["error"]["field"] == "reason"
    page = client.post(
        reverse("rankings:publish", args=[slug, 2]), {"reason": "更正\x00", "as_it_stands": "1"}, follow=True
    )
    assert page.status_code == 200 and "空字符" in page.content.decode()
    assert Snapshot.objects.get(rule=board["rule"], version=2).status == Snapshot.Status.APPROVED


def test_a_member_sees_the_board_without_its_input_hash_which_its_administrators_verify(client, board):
    """The hash is what an administrator checks a recomputation against (the Verify page); to a
    member it was a string of hex digits beside the title."""
    publish(board)
    snapshot = Snapshot.objects.get(rule=board["rule"], status="published")
    url = reverse("rankings:board", args=[board["rule"].slug])
    client.force_login(board["people"]["a"])
    page = client.get(url).content.decode()
    assert snapshot.input_hash[:12] not in page and 'id="verification-detail"' not in page
    client.force_login(board["admin"])
    page = client.get(url).content.decode()
    assert f"<code>{snapshot.input_hash[:12]}</code>" not in page


def test_organisers_find_the_fingerprints_only_in_a_collapsed_labelled_verification_detail(board):
    """The board's header and the console's table showed raw hashes as a column of their own;
    now the board folds the certificates' code away under "Fingerprint for verification", the
    console links to Verify, and the Verify page folds the full hashes away under the same label."""
    publish(board)
    snapshot = Snapshot.objects.get(rule=board["rule"], status="published")
    slug = board["rule"].slug
    for language, label in (("en", "Fingerprint for verification"), ("zh-hans", "核验指纹")):
        client = factories.client_in(language, board["admin"])
        page = client.get(reverse("rankings:board", args=[slug])).content.decode()
        header = page[: page.index('id="board-table"')]
        assert snapshot.input_hash[:10] not in header
        detail = re.search(
            r'<details class="[^"]*" id="verification-detail"><summary>(.*?)</summary>(.*?)</details>', page, re.S
        )
        assert detail.group(1) == label
        assert f"{slug} v1 · {snapshot.input_hash[:12]}-{snapshot.rows_hash[:12]}" in detail.group(2)
        console = client.get(reverse("rankings:manage", args=[slug])).content.decode()
        assert snapshot.input_hash[:10] not in console and "<th>Hash</th>" not in console and "哈希" not in console
        assert reverse("rankings:verify", args=[slug, 1]) in console
        verify = client.get(reverse("rankings:verify", args=[slug, 1])).content.decode()
        folded = re.search(
            r'<details class="small" id="fingerprints"><summary>(.*?)</summary>(.*?)</details>', verify, re.S
        )
        assert folded.group(1) == label
        assert snapshot.input_hash in folded.group(2) and snapshot.rows_hash in folded.group(2)
        assert verify.count(snapshot.input_hash) == 1


def test_a_rule_never_computed_says_only_that_it_is_not_computed_yet(study):  # noqa: F811
    """Beside "Not computed yet" the console also said its inputs changed since the last computation."""
    admin = factories.administrator(study["tree"]["audit"], username="boss")
    rule = member_rule(study, slug="fresh")
    rule.refresh_from_db()
    assert rule.dirty
    for language, shown, hidden in (
        ("en", "Not computed yet.", "inputs changed since the last computation"),
        ("zh-hans", "尚未计算", 'id="dirty-flag"'),
    ):
        page = factories.client_in(language, admin).get(reverse("rankings:manage", args=[rule.slug])).content.decode()
        assert shown in page and hidden not in page and 'id="dirty-flag"' not in page
    compute(rule)
    RankingRule.objects.filter(pk=rule.pk).update(dirty=True)  # as the sweep marks it when facts change
    page = factories.client_in("en", admin).get(reverse("rankings:manage", args=[rule.slug])).content.decode()
    assert 'id="dirty-flag"' in page


def test_an_administrator_alone_under_four_eyes_is_told_how_to_get_the_version_approved(client, study):
    from orgs.models import Role, RoleGrant
    from rankings.services import run_execute, run_request

    alice = factories.administrator(study["tree"]["audit"], username="alice")
    rule = member_rule(study)
    run, _created = run_request(rule=rule, by=alice)
    run_execute(run_id=run.pk)
    url = reverse("rankings:manage", args=[rule.slug])
    client.force_login(alice)

    def hint() -> str:
        page = client.get(url).content.decode()
        if "no-other-approver" in page:
            return "alone"
        return "another approves" if "须由另一位管理员审核" in page else "none"

    with translation.override("zh-hans"):
        assert hint() == "alone"
        # Neither an administrator below the rule's unit nor a deactivated one can approve it.
        factories.administrator(study["tree"]["gz"], username="below")
        away = factories.administrator(study["tree"]["audit"], username="away")
        away.is_active = False
        away.save(update_fields=["is_active"])
        organiser = factories.organiser(study["tree"]["audit"], username="organiser-only")
        assert hint() == "alone"
        RoleGrant.objects.create(user=organiser, unit=study["tree"]["audit"], role=Role.ADMINISTRATOR)
        assert hint() == "another approves"


def test_a_members_own_place_reads_as_a_place_in_either_language(client, board):
    publish(board)
    client.force_login(board["people"]["a"])
    url = reverse("rankings:board", args=[board["rule"].slug])
    rank = Snapshot.objects.get(pk=board["snapshot"].pk).rows.get(subject_id=board["people"]["a"].pk).rank
    with translation.override("en"):
        assert f"Your place: No. {rank}" in client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    client.cookies["django_language"] = "zh-hans"
    assert f"您的名次：第 {rank} 名" in client.get(url).content.decode()


def test_the_console_leads_back_to_the_rules_and_on_to_the_board_once_published(client, board):
    client.force_login(board["admin"])
    slug = board["rule"].slug
    manage = reverse("rankings:manage", args=[slug])
    board_link = f'href="{reverse("rankings:board", args=[slug])}" id="board-link"'
    page = client.get(manage).content.decode()
    assert f'href="{reverse("rankings:rule_builder")}"' in page
    assert board_link not in page  # nothing published yet: members would see no board
    publish(board)
    assert board_link in client.get(manage).content.decode()


def test_the_console_offers_nothing_on_a_version_older_than_the_published_one_and_refuses_a_stale_post(
    client,
    board,
):
    from tests.rankings.test_services import points

    rule, admin = board["rule"], board["admin"]
    points(board["people"]["c"], 45, "c-2")
    newer = compute(rule).snapshot
    snapshot_publish(snapshot=snapshot_approve(snapshot=newer, by=admin), by=admin)
    client.force_login(admin)
    url = reverse("rankings:manage", args=[rule.slug])
    with translation.override("en"):
        page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    row = page.split('id="snapshot-v1"')[1].split("</tr>")[0]
    assert "Superseded by version 2, which is published." in row
    assert "approve-button" not in row and "publish-button" not in row
    stale = client.post(
        reverse("rankings:approve", args=[rule.slug, 1]), HTTP_ACCEPT_LANGUAGE="zh-hans", follow=True
    ).content.decode()
    assert "第 1 版已被第 2 版取代" in stale
    assert Snapshot.objects.get(rule=rule, version=1).status == "draft"


def test_the_console_offers_nothing_on_a_draft_older_than_a_newer_draft_and_says_why(client, board):
    """Two drafts: the older row says in words that the newer replaced it, with no button; a
    stale approval posted anyway is refused in the same words and changes nothing."""
    from tests.rankings.test_services import points

    rule = board["rule"]
    points(board["people"]["c"], 45, "c-2")
    compute(rule)
    other = factories.administrator(board["tree"]["audit"], username="second")
    client.force_login(other)
    url = reverse("rankings:manage", args=[rule.slug])
    with translation.override("en"):
        page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    older = page.split('id="snapshot-v1"')[1].split("</tr>")[0]
    newer = page.split('id="snapshot-v2"')[1].split("</tr>")[0]
    assert (
        "Version 1 is out of date: version 2 was computed after it. "
        "Only the newest version can be approved and published: check version 2." in older
    )
    assert "approve-button" not in older and "approve-button" in newer
    stale = client.post(
        reverse("rankings:approve", args=[rule.slug, 1]), HTTP_ACCEPT_LANGUAGE="zh-hans", follow=True
    ).content.decode()
    assert "第 1 版已过时：其后又算出了第 2 版。" in stale
    assert dict(Snapshot.objects.filter(rule=rule).values_list("version", "status")) == {1: "draft", 2: "draft"}


def test_the_board_says_what_the_equals_sign_after_a_place_means_in_both_languages(client, board):
    """The table writes a shared place "3=" (as the export does) while the member's own card says
    "(shared)": a line under the table says what the sign means."""
    url = reverse("rankings:board", args=[board["rule"].slug])
    client.force_login(board["admin"])
    chinese = client.get(url).content.decode()
    assert (
        '<p class="small qs-muted mb-1" id="shared-place-legend">名次后的“=”表示并列，如“3=”为并列第 3 名。</p>'
        in chinese
    )
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "“3=” after a place means it is shared: several tied for 3rd." in english
