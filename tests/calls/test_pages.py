"""The pages: organisers set a call up without the admin, members enter, blind judges score."""

import io
import re
import zipfile
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from calls import services
from calls.models import Assignment, Call, Entry
from tests import factories

from . import documents
from .conftest import signed_in, submitted_essay, upload


def edit_form(essay_call, tree) -> dict:
    """The call form's fields as the edit page fills them for the essay call, without its
    levels, criteria or tiers (each test states those)."""
    return {
        "title": essay_call.title,
        "unit": tree["audit"].pk,
        "kind": "essay",
        "opens_at": timezone.localtime(essay_call.opens_at).strftime("%Y-%m-%dT%H:%M"),
        "closes_at": timezone.localtime(essay_call.closes_at).strftime("%Y-%m-%dT%H:%M"),
        "entries_per_member": 1,
        "max_file_mb": 1,
        "max_coauthors": 1,
        "judges_per_entry": 3,
        "drop_extremes_from": 5,
        "entries_per_unit": 0,
        "prize_mode": "count",
        "boundary_ties": "share",
        "percent_rounding": "floor",
        "fields-TOTAL_FORMS": 0,
        "fields-INITIAL_FORMS": 0,
    }


def one_criterion_form(essay_call, tree) -> dict:
    """`edit_form` with one criterion (内容, 100 %, 0-100), no levels and no tiers."""
    return edit_form(essay_call, tree) | {
        "levels-TOTAL_FORMS": 0,
        "levels-INITIAL_FORMS": 0,
        "criteria-TOTAL_FORMS": 1,
        "criteria-INITIAL_FORMS": 0,
        "criteria-0-name": "内容",
        "criteria-0-weight": "100",
        "criteria-0-min_score": "0",
        "criteria-0-max_score": "100",
        "tiers-TOTAL_FORMS": 0,
        "tiers-INITIAL_FORMS": 0,
    }


def test_organiser_creates_a_call_with_levels_rubric_and_tiers(client, tree, gz_organiser):
    client.force_login(factories.organiser(tree["audit"]))
    opens = timezone.localtime() - timedelta(hours=1)
    data = {
        "title": "微党课征集",
        "unit": tree["audit"].pk,
        "audience": [tree["gz"].pk],
        "kind": "essay",
        "rules": "规则",
        "opens_at": opens.strftime("%Y-%m-%dT%H:%M"),
        "closes_at": (opens + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M"),
        "entries_per_member": 1,
        "file_types": "docx",
        "max_file_mb": 5,
        "max_coauthors": 0,
        "blind": "on",
        "judges_per_entry": 3,
        "drop_extremes_from": 5,
        "entries_per_unit": 0,
        "prize_mode": "count",
        "boundary_ties": "share",
        "percent_rounding": "floor",
        "fields-TOTAL_FORMS": 0,
        "fields-INITIAL_FORMS": 0,
        "levels-TOTAL_FORMS": 2,
        "levels-INITIAL_FORMS": 0,
        "levels-0-unit_kind": "branch",
        "levels-0-quota": 2,
        "levels-1-unit_kind": "",
        "criteria-TOTAL_FORMS": 1,
        "criteria-INITIAL_FORMS": 0,
        "criteria-0-name": "内容",
        "criteria-0-weight": "100",
        "criteria-0-min_score": "0",
        "criteria-0-max_score": "100",
        "tiers-TOTAL_FORMS": 1,
        "tiers-INITIAL_FORMS": 0,
        "tiers-0-name": "一等奖",
        "tiers-0-value": 1,
    }
    response = client.post(reverse("calls:call_new"), data)
    call = Call.objects.get()
    assert response.status_code == 302
    assert [(lv.unit_kind, lv.quota) for lv in call.levels.all()] == [("branch", 2)]
    assert list(call.audience.all()) == [tree["gz"]]
    assert timezone.localtime(call.opens_at).strftime("%H:%M") == opens.strftime("%H:%M")  # local time kept
    assert list(call.criteria.values_list("weight", flat=True)) == [Decimal(1)]  # 100 % kept as 1
    bad = client.post(reverse("calls:call_new"), data | {"closes_at": data["opens_at"]})
    assert "截止时间必须晚于开始时间。" in bad.content.decode()
    assert Call.objects.count() == 1


def test_criteria_weights_are_percentages_that_must_add_up_to_100(client, tree, essay_call):
    # Weights were multipliers with no check: 50, 30 and 20 typed as percentages made totals of
    # 5000-odd, and 0.5 with 0.3 silently scored out of 80.
    client.force_login(factories.organiser(tree["audit"]))
    url = reverse("calls:call_edit", args=[essay_call.pk])
    page = client.get(url).content.decode()
    assert 'name="criteria-0-weight" value="60"' in page and 'name="criteria-1-weight" value="40"' in page
    # Counts and scores as typed, not 1.00 prizes scored from 0.00 to 100.00.
    assert 'name="tiers-0-value" value="1"' in page and 'name="criteria-0-max_score" value="100"' in page
    data = {
        **edit_form(essay_call, tree),
        "levels-TOTAL_FORMS": 0,
        "levels-INITIAL_FORMS": 0,
        "criteria-TOTAL_FORMS": 2,
        "criteria-INITIAL_FORMS": 0,
        "criteria-0-name": "内容",
        "criteria-0-min_score": "0",
        "criteria-0-max_score": "100",
        "criteria-1-name": "文采",
        "criteria-1-min_score": "0",
        "criteria-1-max_score": "100",
        "tiers-TOTAL_FORMS": 0,
        "tiers-INITIAL_FORMS": 0,
    }
    for first, second, message in [
        ("50", "30", "各项权重合计 80%，必须正好为 100%。"),
        ("0.5", "0.5", "权重须为整数百分比，如 60。"),
        ("70", "40", "各项权重合计 110%，必须正好为 100%。"),
    ]:
        page = client.post(url, data | {"criteria-0-weight": first, "criteria-1-weight": second}).content.decode()
        assert message in page
    assert list(essay_call.criteria.values_list("weight", flat=True)) == [Decimal("0.6"), Decimal("0.4")]
    saved = client.post(url, data | {"criteria-0-weight": "70", "criteria-1-weight": "30"})
    assert saved.status_code == 302
    assert list(essay_call.criteria.values_list("weight", flat=True)) == [Decimal("0.7"), Decimal("0.3")]


def test_member_submits_an_essay_through_the_pages_and_html_is_escaped(client, essay_call, tree):
    author = factories.member(tree["gz1"])
    client.force_login(author)
    client.post(reverse("calls:detail", args=[essay_call.pk]), {"title": "<script>alert(1)</script>征文"})
    entry = Entry.objects.get()
    page = client.post(
        reverse("calls:entry", args=[entry.pk]), {"file": upload("e.docx", documents.docx())}, follow=True
    )
    assert "学习贯彻党的二十大精神" in page.content.decode()
    page = client.post(reverse("calls:entry", args=[entry.pk]), {"action": "submit"}, follow=True)
    html = page.content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;征文" in html and "<script>alert(1)" not in html
    entry.refresh_from_db()
    assert entry.receipt in html and entry.status == Entry.Status.SUBMITTED


def test_refused_upload_shows_the_reason_and_keeps_the_draft(client, essay_call, tree):
    author = factories.member(tree["gz1"])
    entry = services.entry_create(call=essay_call, author=author, title="征文")
    client.force_login(author)
    page = client.post(
        reverse("calls:entry", args=[entry.pk]), {"file": upload("e.docx", documents.docx(macros=True))}, follow=True
    )
    assert "该文档含有宏，请另存为不含宏的 .docx 文件。" in page.content.decode()
    assert Entry.objects.get().title == "征文" and not entry.files.exists()


@pytest.fixture
def judged(essay_call, tree, panel, gz_organiser):
    essay_call.levels.all().delete()
    author = factories.member(tree["gz2"], real_name="王作者")
    entry = submitted_essay(essay_call, author)
    services.assignment_run(call=essay_call, panel=panel, by=gz_organiser, seed="s")
    return entry, Assignment.objects.filter(entry=entry).first()


def test_blind_judge_sees_no_author_and_cannot_reach_them(client, judged):
    entry, assignment = judged
    client.force_login(assignment.judge)
    html = client.get(reverse("calls:judging_entry", args=[assignment.pk])).content.decode()
    assert "王作者" not in html and "第二党支部" not in html and entry.title in html
    assert client.get(reverse("calls:entry", args=[entry.pk])).status_code == 404
    original = entry.files.get()
    assert client.get(reverse("calls:entry_file", args=[entry.pk, original.pk])).status_code == 404
    response = client.get(reverse("calls:judging_file", args=[assignment.pk, "file-0"]))
    assert response.status_code == 200
    assert f"entry-{assignment.token}-0.docx" in response["Content-Disposition"]
    body = b"".join(response.streaming_content)
    assert "王作者" not in zipfile.ZipFile(io.BytesIO(body)).read("docProps/core.xml").decode()


def test_judge_cannot_open_another_judges_assignment(client, judged, tree):
    _, assignment = judged
    other = Assignment.objects.exclude(pk=assignment.pk).first()
    client.force_login(other.judge)
    assert client.get(reverse("calls:judging_entry", args=[assignment.pk])).status_code == 404
    assert client.get(reverse("calls:judging_file", args=[assignment.pk, "file-0"])).status_code == 404


def test_score_out_of_range_through_the_page_says_why(client, judged, essay_call):
    _, assignment = judged
    client.force_login(assignment.judge)
    content, style = essay_call.criteria.all()
    page = client.post(
        reverse("calls:judging_entry", args=[assignment.pk]),
        {f"criterion-{content.pk}": "120", f"criterion-{style.pk}": "50"},
        follow=True,
    )
    assert "内容的分值范围为 0 至 100。" in page.content.decode()
    assert not assignment.score_events.exists()


def test_a_score_that_is_not_a_number_or_has_three_decimals_is_refused_on_the_page(client, judged, essay_call):
    # "NaN" passed Decimal() and then broke the range check (a 500); 85.555 was stored as 85.56.
    _, assignment = judged
    client.force_login(assignment.judge)
    content, style = essay_call.criteria.all()
    url = reverse("calls:judging_entry", args=[assignment.pk])
    plain = "请用普通数字填写以下评分标准的分数，如 88 或 88.25：内容。"
    typed_messages = [("NaN", plain), ("sNaN", plain), ("-Infinity", plain)]
    for typed, message in [*typed_messages, ("85.555", "内容最多保留两位小数。")]:
        page = client.post(url, {f"criterion-{content.pk}": typed, f"criterion-{style.pk}": "50"}, follow=True)
        assert page.status_code == 200
        assert message in page.content.decode()
        assert f'value="{typed}"' in page.content.decode()
    assert not assignment.score_events.exists()


def test_a_score_in_any_other_spelling_than_a_plain_decimal_is_refused_and_kept_in_its_box(client, judged, essay_call):
    """Decimal() read "1e2" as 100 and "1_0" as 10, and the score was stored; " inf" was told to be
    a number and "0x10" to be missing. Each is now named as not a plain number, what was typed
    left in its box, in the page's language; 88, 88.25 and .5 are plain."""
    _, assignment = judged
    content, style = essay_call.criteria.all()
    url = reverse("calls:judging_entry", args=[assignment.pk])
    spelled = [("1e2", "1e2"), ("1_0", "1_0"), (" inf", "inf"), ("0x10", "0x10"), ("８８", "８８"), ("+88", "+88")]
    for typed, kept in spelled:
        page = signed_in(client, assignment.judge).post(
            url, {f"criterion-{content.pk}": typed, f"criterion-{style.pk}": "50"}, follow=True
        )
        assert page.status_code == 200
        assert "请用普通数字填写以下评分标准的分数，如 88 或 88.25：内容。" in page.text, typed
        assert f'id="criterion-{content.pk}" value="{kept}"' in page.text
    english = signed_in(client, assignment.judge, "en").post(
        url, {f"criterion-{content.pk}": "1e2", f"criterion-{style.pk}": "5e1"}, follow=True
    )
    assert "Type 内容, 文采 as a plain number, such as 88 or 88.25." in english.text
    # Empty and unreadable are told apart, each named once.
    both = signed_in(client, assignment.judge).post(
        url, {f"criterion-{content.pk}": "", f"criterion-{style.pk}": "1e2"}
    )
    assert "请填写以下评分标准的分数：内容。" in both.text and "如 88 或 88.25：文采。" in both.text
    assert not assignment.score_events.exists()

    signed_in(client, assignment.judge).post(url, {f"criterion-{content.pk}": "88.25", f"criterion-{style.pk}": ".5"})
    assert sorted(assignment.score_events.values_list("value", flat=True)) == [Decimal("0.50"), Decimal("88.25")]


def test_an_entry_a_judge_has_not_scored_is_marked_and_the_lock_says_so(client, judged, essay_call, tree):
    # The final of an entry with a missing score (the mean of the others) looked like any other.
    entry, _ = judged
    first, second, third = Assignment.objects.filter(entry=entry).order_by("pk")
    content, style = essay_call.criteria.all()

    def score(assignment, value):
        services.score_record(
            assignment=assignment, by=assignment.judge, values={content.pk: Decimal(value), style.pk: Decimal(value)}
        )

    score(first, 80)
    score(second, 90)
    # Incomplete: no final, rank or prize until the third score; (80 + 90) / 2 = 85.00 so far.
    (row,) = services.selectors.results(essay_call)
    assert (row.final, row.rank, row.so_far, row.missing) == (None, None, Decimal("85.00"), 1)
    client.force_login(factories.organiser(tree["audit"]))
    manage = reverse("calls:manage", args=[essay_call.pk])
    page = client.get(manage).content.decode()
    assert "缺 1 份评分" in page and "评分未完成" in page and "目前均分 85.00" in page
    score(third, 70)
    assert "missing-scores" not in client.get(manage).content.decode()
    assert (
        "部分评委"
        not in client.post(
            reverse("calls:judging_action", args=[essay_call.pk, "lock"]), {"close_now": "1"}, follow=True
        ).content.decode()
    )


def test_locking_with_a_score_missing_names_the_entry(client, judged, essay_call, tree):
    entry, assignment = judged
    content, style = essay_call.criteria.all()
    services.score_record(
        assignment=assignment, by=assignment.judge, values={content.pk: Decimal(80), style.pk: Decimal(80)}
    )
    client.force_login(factories.organiser(tree["audit"]))
    refused = client.post(
        reverse("calls:judging_action", args=[essay_call.pk, "lock"]), {"close_now": "1"}, follow=True
    ).content.decode()
    assert "评分不全：我的征文（缺 2 份）。" in refused
    essay_call.refresh_from_db()
    assert essay_call.scores_locked_at is None


def test_a_judges_list_says_per_call_how_many_entries_are_left_to_score(client, judged, essay_call, tree):
    entry, assignment = judged
    content, style = essay_call.criteria.all()
    client.force_login(assignment.judge)
    assert "共 1 件，还有 1 件待评分" in client.get(reverse("calls:judging")).content.decode()
    values = {content.pk: Decimal(80), style.pk: Decimal(80)}
    services.score_record(assignment=assignment, by=assignment.judge, values=values)
    assert "1 件均已评分；锁定评分前仍可修改。" in client.get(reverse("calls:judging")).content.decode()
    for other in Assignment.objects.filter(entry=entry).exclude(pk=assignment.pk):  # the lock waits for them
        services.score_record(assignment=other, by=other.judge, values=values)
    services.scores_lock(call=essay_call, by=factories.organiser(tree["audit"]), close_now=True)
    assert "评分已锁定。" in client.get(reverse("calls:judging")).content.decode()


def test_honour_list_hidden_until_published(client, judged, essay_call, tree):
    member = factories.member(tree["gz1"])
    client.force_login(member)
    assert client.get(reverse("calls:honours", args=[essay_call.pk])).status_code == 404


def test_an_author_sees_the_published_result_on_the_entry_page(client, judged, essay_call, tree):
    # The entry page said "in judging" for ever: the author had to find the honour list, where an
    # entry without a prize does not appear at all.
    entry, _assignment = judged
    other = submitted_essay(essay_call, factories.member(tree["gz2"]), title="另一篇")
    organiser = factories.organiser(tree["audit"])
    essay_call.prize_tiers.filter(name="二等奖").delete()  # one prize: the second entry goes without
    services.assignment_run(call=essay_call, panel=essay_call.panels.get(), by=organiser)  # it came later
    content, style = essay_call.criteria.all()
    for assignment in Assignment.objects.filter(entry=entry):
        values = {content.pk: Decimal(90), style.pk: Decimal(80)}  # 54 + 32 = 86
        services.score_record(assignment=assignment, by=assignment.judge, values=values)
    for assignment in Assignment.objects.filter(entry=other):
        values = {content.pk: Decimal(70), style.pk: Decimal(70)}  # 42 + 28 = 70
        services.score_record(assignment=assignment, by=assignment.judge, values=values)
    client.force_login(entry.author)
    page = client.get(reverse("calls:entry", args=[entry.pk])).content.decode()
    assert 'id="entry-result"' not in page
    services.scores_lock(call=essay_call, by=organiser, close_now=True)
    services.results_publish(call=essay_call, by=organiser)
    page = client.get(reverse("calls:entry", args=[entry.pk])).content.decode()
    assert "一等奖" in page and "第 1 名 · 最终得分 86.00" in page
    assert '<span class="badge text-bg-light border" id="entry-status">结果已公布</span>' in page  # not 评审中
    for listing in (reverse("calls:list"), reverse("calls:detail", args=[essay_call.pk])):
        assert '<span class="badge text-bg-light border">结果已公布</span>' in client.get(listing).content.decode()
    assert reverse("calls:certificate", args=[entry.pk]) in page
    client.force_login(other.author)  # in judging too, but no prize: said so, no certificate
    page = client.get(reverse("calls:entry", args=[other.pk])).content.decode()
    assert "本次未获奖。" in page and reverse("calls:certificate", args=[other.pk]) not in page


def test_call_list_for_organisers_counts_submitted_entries_only(client, essay_call, tree, gz_organiser):
    submitted_essay(essay_call, factories.member(tree["gz1"]))
    services.entry_create(call=essay_call, author=factories.member(tree["gz2"]), title="草稿")
    client.force_login(gz_organiser)  # reviews for the organ's call from below
    response = client.get(reverse("calls:manage_list"))
    assert [(c.title, c.entry_count) for c in response.context["calls"]] == [("学习二十大征文", 1)]
    client.force_login(factories.organiser(tree["mof"]))
    assert list(client.get(reverse("calls:manage_list")).context["calls"]) == []


def test_levels_cannot_change_once_entries_wait_at_them(client, essay_call, tree):
    submitted_essay(essay_call, factories.member(tree["gz1"]))
    client.force_login(factories.organiser(tree["audit"]))
    page = client.get(reverse("calls:call_edit", args=[essay_call.pk]))
    assert "层级不能再修改" in page.content.decode()
    data = {
        **edit_form(essay_call, tree),
        "title": "改过的标题",
        "criteria-TOTAL_FORMS": 1,
        "criteria-INITIAL_FORMS": 0,
        "criteria-0-name": "",
        "tiers-TOTAL_FORMS": 0,
        "tiers-INITIAL_FORMS": 0,
    }
    page = client.post(reverse("calls:call_edit", args=[essay_call.pk]), data)  # a rubric needs a criterion
    assert "评分细则至少需要一项标准。" in page.content.decode()
    data |= {
        "criteria-0-name": "内容",
        "criteria-0-weight": "100",
        "criteria-0-min_score": "0",
        "criteria-0-max_score": "10",
    }
    assert client.post(reverse("calls:call_edit", args=[essay_call.pk]), data).status_code == 302
    essay_call.refresh_from_db()
    assert essay_call.title == "改过的标题"
    assert [(lv.unit_kind, lv.quota) for lv in essay_call.levels.all()] == [("branch", 1), ("office", 1)]
    assert list(essay_call.criteria.values_list("name", flat=True)) == ["内容"]  # no score yet: it may change


def test_reopening_appears_in_the_calls_log_with_its_reason(client, essay_call, tree, gz_organiser):
    entry = services.entry_create(call=essay_call, author=factories.member(tree["gz1"]), title="迟交")
    essay_call.closes_at = timezone.now() - timedelta(minutes=5)
    essay_call.save()
    client.force_login(factories.organiser(tree["audit"]))
    until = (timezone.localtime() + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    client.post(reverse("calls:entry_reopen", args=[entry.pk]), {"until": until, "reason": "<b>停电</b>"})
    html = client.get(reverse("calls:manage", args=[essay_call.pk])).content.decode()
    assert "为作品重新开放 · 迟交" in html and "&lt;b&gt;停电&lt;/b&gt;" in html


def test_call_form_asks_whether_an_entry_question_must_be_filled_not_whether_a_course_is_required(client, owner):
    # "required" and "question" are a lesson's 必修 and a bank's 试题 elsewhere; here they head
    # the entry form's own questions: 必填, 问题.
    signed_in(client, owner)
    page = client.get(reverse("calls:call_new"))
    assert page.status_code == 200
    assert "必填" in page.text and "必修" not in page.text
    assert ">问题<" in page.text and ">试题<" not in page.text


def test_a_file_number_that_is_a_digit_but_not_a_number_is_not_found(client, judged):
    """'²' is a digit to str.isdigit() but not a number to int(): the file link was a server error."""
    _, assignment = judged
    client.force_login(assignment.judge)
    assert client.get(reverse("calls:judging_file", args=[assignment.pk, "file-²"])).status_code == 404


def test_a_closed_call_is_listed_under_its_own_heading_with_what_its_date_means(client, essay_call, tree):
    essay_call.closes_at = timezone.localtime().replace(year=2025, month=3, day=31)
    essay_call.opens_at = essay_call.closes_at - timedelta(days=30)
    essay_call.save(update_fields=["opens_at", "closes_at"])
    client.force_login(factories.member(tree["gz1"]))
    page = client.get(reverse("calls:list"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    closed = timezone.localtime(essay_call.closes_at).strftime("%H:%M")
    assert "其他征集" in page and f"已截止（2025-03-31 {closed}）" in page
    english = client.get(reverse("calls:list"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Other calls" in english and f"Closed 31 Mar 2025 {closed}" in english


def test_call_form_bounds_the_largest_file_and_refuses_types_the_kind_cannot_take(client, tree, essay_call):
    # 99999999999 MB was saved (PostgreSQL's integer column would have failed with a generic
    # error), and "exe, .pdf" was taken for an essay call.
    client.force_login(factories.organiser(tree["audit"]))
    url = reverse("calls:call_edit", args=[essay_call.pk])
    data = one_criterion_form(essay_call, tree)
    client.cookies["django_language"] = "en"
    page = client.post(url, data | {"max_file_mb": "99999999999", "file_types": "exe, .pdf"}).content.decode()
    assert "No kind of entry can take a file larger than 2048 MB." in page
    assert "Essay entries cannot be .exe files; they take .docx, .pdf." in page
    # an essay arrives in one request: at most the 64 MB the proxy lets through
    page = client.post(url, data | {"max_file_mb": "65", "file_types": "pdf"}).content.decode()
    assert "Essay entries can be at most 64 MB; the platform takes no larger file." in page
    client.cookies["django_language"] = "zh-hans"
    page = client.post(url, data | {"max_file_mb": "65", "file_types": "exe, bat, docx"}).content.decode()
    assert "征文作品不能是 .exe、.bat 文件；可接受 .docx、.pdf。" in page
    assert "征文作品的文件最大为 64 MB，平台不接收更大的文件。" in page
    essay_call.refresh_from_db()
    assert (essay_call.max_file_mb, essay_call.file_types) == (1, "")
    assert client.post(url, data | {"max_file_mb": "64", "file_types": ".PDF"}).status_code == 302
    essay_call.refresh_from_db()
    assert essay_call.max_file_mb == 64
    # a video takes the resumable upload: its limit is the micro-classes' (2 GB)
    video = data | {"kind": "micro_class", "max_file_mb": "2048", "file_types": "mp4"}
    assert client.post(url, video).status_code == 302


@pytest.mark.parametrize(
    ("language", "allowed", "shown"),
    [("en", 1, "Up to 1 co-author."), ("en", 2, "Up to 2 co-authors."), ("zh-hans", 1, "最多 1 名合作者。")],
)
def test_the_call_page_counts_co_authors_in_the_readers_language(client, essay_call, tree, language, allowed, shown):
    # The page said "Up to 1 co-authors."
    essay_call.max_coauthors = allowed
    essay_call.save(update_fields=["max_coauthors"])
    signed_in(client, factories.member(tree["gz1"]), language)
    assert shown in client.get(reverse("calls:detail", args=[essay_call.pk])).content.decode()


def _inputs(page: str, prefix: str) -> dict[str, str]:
    """The values of the page's boxes named `prefix`-…, the formset's own rows (not its blank one)."""
    found = {}
    for tag in re.findall(r"<input[^>]*>", page):
        name = re.search(r'name="([^"]+)"', tag)
        if name and name.group(1).startswith(prefix) and "__prefix__" not in name.group(1):
            value = re.search(r'value="([^"]*)"', tag)
            found[name.group(1)] = value.group(1) if value else ""
    return found


def test_the_new_call_rubric_as_offered_adds_up_to_100_and_saves(client, essay_call, tree):
    signed_in(client, factories.organiser(tree["audit"]))
    page = client.get(reverse("calls:call_new")).text
    criteria = _inputs(page, "criteria-")
    assert (criteria["criteria-0-name"], criteria["criteria-0-weight"]) == ("内容", "60")
    assert (criteria["criteria-1-name"], criteria["criteria-1-weight"]) == ("表达", "40")
    assert criteria["criteria-TOTAL_FORMS"] == "3"  # the two, and one empty
    assert 'id="criteria-table-add"' in page and 'id="tiers-table-add"' in page
    data = edit_form(essay_call, tree) | criteria | {"title": "新征文"}
    data |= {"levels-TOTAL_FORMS": 0, "levels-INITIAL_FORMS": 0, "tiers-TOTAL_FORMS": 0, "tiers-INITIAL_FORMS": 0}
    assert client.post(reverse("calls:call_new"), data).status_code == 302
    call = Call.objects.get(title="新征文")
    assert list(call.criteria.values_list("name", "weight")) == [("内容", Decimal("0.6")), ("表达", Decimal("0.4"))]


def test_call_list_counts_only_the_entries_from_the_viewers_units(client, essay_call, tree):
    """Two essays from 第一党支部 and one from 京津冀's branch: 第二党支部's organiser sees 0 (the
    call's page has none for them either), 广州's 2, the organ's owner all 3."""
    for unit in ("gz1", "gz1", "jjj1"):
        submitted_essay(essay_call, factories.member(tree[unit]))
    for unit, count in (("gz2", 0), ("gz", 2), ("audit", 3)):
        client.force_login(factories.organiser(tree[unit]))
        response = client.get(reverse("calls:manage_list"))
        assert [(c.title, c.entry_count) for c in response.context["calls"]] == [("学习二十大征文", count)], unit
