"""What an administrator's walk through the demo found on the console, the certificate and the
notices: a run's banner shown on every visit, a red bar for a success, an Approve button that
could only fail, "1 score changes", an ungrammatical English certificate with raw hashes, and
members of a ranked unit told to look for a place of their own."""

import re

from django.urls import reverse
from django.utils import translation

from notifications.models import Notification
from rankings.services import run_execute, run_request, snapshot_approve, snapshot_publish
from tests import factories
from tests.rankings import pdfs
from tests.rankings.test_pages import board, publish  # noqa: F401 - fixture
from tests.rankings.test_services import compute, member_rule, points, study  # noqa: F401 - fixture


def _run_card(page: str) -> str:
    found = re.search(r'<div class="card qs-card mb-3" id="run-card".*?</div></div>', page, re.S)
    return found.group(0) if found else ""


def test_a_run_nobody_here_started_shows_no_banner_on_the_console(client, board):  # noqa: F811
    # The fixture's version was computed by the background sweep (by no one) and is provisional.
    client.force_login(board["admin"])
    page = client.get(reverse("rankings:manage", args=[board["rule"].slug])).content.decode()
    assert 'id="snapshot-v1"' in page and not _run_card(page)


def test_computing_shows_the_outcome_once_to_whoever_started_it_in_a_success_colour(
    client,
    board,  # noqa: F811
    django_capture_on_commit_callbacks,
    eager_tasks,
):
    client.force_login(board["admin"])
    slug = board["rule"].slug
    points(board["people"]["c"], 99, "c-late")
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(reverse("rankings:compute", args=[slug]))
    run = board["rule"].runs.first()
    assert answer["Location"] == reverse("rankings:manage", args=[slug]) + f"?run={run.pk}"
    card = _run_card(client.get(answer["Location"]).content.decode())
    assert "progress-bar bg-success" in card and "bg-danger" not in card
    # Another visit, or another administrator on the same address, sees the version table only.
    assert not _run_card(client.get(reverse("rankings:manage", args=[slug])).content.decode())
    client.force_login(factories.administrator(board["tree"]["audit"], username="second"))
    assert not _run_card(client.get(answer["Location"]).content.decode())


def test_the_approve_button_is_disabled_with_the_reason_for_whoever_computed_the_version(client, study):  # noqa: F811
    alice = factories.administrator(study["tree"]["audit"], username="alice")
    factories.administrator(study["tree"]["audit"], username="bob")
    rule = member_rule(study)
    run, _created = run_request(rule=rule, by=alice)
    run_execute(run_id=run.pk)
    client.force_login(alice)
    with translation.override("en"):
        page = client.get(reverse("rankings:manage", args=[rule.slug]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    button = re.search(r"<button[^>]*approve-button[^>]*>", page).group(0)
    assert " disabled" in button and 'title="You computed it: another administrator approves."' in button
    assert reverse("rankings:approve", args=[rule.slug, 1]) not in page
    client.force_login(factories.administrator(study["tree"]["audit"], username="carol"))
    page = client.get(reverse("rankings:manage", args=[rule.slug])).content.decode()
    button = re.search(r"<button[^>]*approve-button[^>]*>", page).group(0)
    assert "disabled" not in button and reverse("rankings:approve", args=[rule.slug, 1]) in page


def test_one_score_change_reads_in_the_singular(client, board):  # noqa: F811
    second = factories.administrator(board["tree"]["audit"], username="second")
    snapshot_publish(snapshot=snapshot_approve(snapshot=board["snapshot"], by=second), by=second)
    points(board["people"]["c"], 45, "c-2")  # C: 10 -> 55, first now: one score and one prize change
    board["rule"].refresh_from_db()
    compute(board["rule"])
    client.force_login(board["admin"])
    page = client.get(reverse("rankings:manage", args=[board["rule"].slug]), HTTP_ACCEPT_LANGUAGE="en")
    text = page.content.decode()
    assert ", 1 score change</td>" in text.replace("\n", "") and "1 score changes" not in text
    assert "vs v1: 1 up, " in text


def test_the_english_certificate_is_one_sentence_with_a_labelled_verification_code(board, tmp_path):  # noqa: F811
    from rankings.exports import certificate_pdf

    publish(board)
    row = board["snapshot"].rows.get(label="F")
    snapshot = row.snapshot
    snapshot.refresh_from_db()
    with translation.override("en"):
        english = " ".join(pdfs.text(certificate_pdf(row), tmp_path).split())
    assert "This certifies that F（京津冀特派办机关党支部） placed 1st in “排名” and was awarded 一等奖" in english
    assert "in recognition of this achievement." in english
    code = f"Verification code: {board['rule'].slug} v1 · {snapshot.input_hash[:12]}-{snapshot.rows_hash[:12]}"
    assert code in english and "hash" not in english
    with translation.override("zh-hans"):
        chinese = "".join(pdfs.text(certificate_pdf(row), tmp_path).split())
    assert "兹表彰F（京津冀特派办机关党支部）在“排名”中排名第1，荣获一等奖特发此证，以资鼓励。" in chinese
    assert "核验码：" in chinese and "哈希" not in chinese


def test_members_of_a_ranked_unit_are_told_of_their_units_place_not_their_own(study):  # noqa: F811
    admin = factories.administrator(study["tree"]["audit"], username="boss")
    rule = factories.ranking_rule(
        study["tree"]["audit"], subject="unit", unit_level=2, metric="per_capita", sources=[{"kind": "points"}]
    )
    snapshot = compute(rule).snapshot
    snapshot_publish(snapshot=snapshot_approve(snapshot=snapshot, by=admin), by=admin)
    notice = Notification.objects.get(recipient=study["people"]["a"], kind="results_published")
    with translation.override("zh-hans"):
        assert notice.body == "排行榜已发布，去看看广州特派办的名次。"
    with translation.override("en"):
        assert notice.body == "The board is published; see where 广州特派办 stands on it."
    f_notice = Notification.objects.get(recipient=study["people"]["f"], kind="results_published")
    with translation.override("zh-hans"):
        assert f_notice.body == "排行榜已发布，去看看京津冀特派办的名次。"
