"""A party member's walk through calls on a phone: what the list says of a call closed earlier
today, replacing a submitted entry's file, the summary's limit, and length messages in plain words."""

from datetime import timedelta
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from calls import forms, services
from calls.models import SUMMARY_MAX_CHARS, Entry
from calls.services import CallRejected
from tests import factories

from . import documents
from .conftest import open_essay_call, signed_in, upload


@pytest.fixture
def branch_call(tree):
    """An essay call of the audit organ whose entries go to their branch first (one level)."""
    return open_essay_call(tree["audit"], levels=[("branch", 1)])


def submitted(call, author, text="第一稿") -> Entry:
    entry = services.entry_create(call=call, author=author, title="我的征文")
    services.entry_attach(entry=entry, upload=upload("essay.docx", documents.docx([text], author=author.real_name)))
    return services.entry_submit(entry=entry, by=author)


# ---------------------------------------------------------------- the list: closed is closed


@pytest.mark.parametrize(
    ("language", "closed_text", "open_text"), [("zh-hans", "已截止", "截止"), ("en", "Closed", "closes")]
)
def test_a_call_that_closed_a_minute_ago_reads_closed_in_the_list_and_one_closing_in_a_minute_does_not(
    client, tree, language, closed_text, open_text
):
    """Two calls with the same date: one closed 1 minute ago, one closes in 1 minute. The list
    said "closes <date>" of the first (the date alone looked open all day)."""
    now = timezone.now()
    closed = open_essay_call(tree["audit"], title="刚截止的征集")
    closed.opens_at, closed.closes_at = now - timedelta(days=2), now - timedelta(minutes=1)
    closed.save(update_fields=["opens_at", "closes_at"])
    still_open = open_essay_call(tree["audit"], title="还开着的征集")
    still_open.closes_at = now + timedelta(minutes=1)
    still_open.save(update_fields=["closes_at"])
    signed_in(client, factories.member(tree["gz1"]), language)
    page = client.get(reverse("calls:list")).content.decode()
    other = page.split('id="other-calls"')[1]
    assert "刚截止的征集" in other and "还开着的征集" not in other
    closed_line = other.split("刚截止的征集")[1].split("</li>")[0]
    assert closed_text in closed_line and open_text + " " not in closed_line.replace(closed_text, "")
    open_part = page.split('id="other-calls-heading"')[0]
    assert "还开着的征集" in open_part


def test_at_the_close_instant_itself_the_call_is_closed_in_the_list(client, tree):
    """closes_at == now: the call page already refuses entries, so the list says Closed."""
    call = open_essay_call(tree["audit"], title="整点截止")
    signed_in(client, factories.member(tree["gz1"]), "en")
    with mock.patch("django.utils.timezone.now", return_value=call.closes_at):
        page = client.get(reverse("calls:list")).content.decode()
    line = page.split('id="other-calls"')[1].split("整点截止")[1].split("</li>")[0]
    assert "Closed" in line


# ---------------------------------------------------------------- replacing a submitted file


def test_replacing_a_submitted_file_needs_confirming_and_the_receipt_then_says_when(client, tree, branch_call):
    author = factories.member(tree["gz1"], real_name="张三")
    entry = submitted(branch_call, author)
    first_file = entry.files.get()
    signed_in(client, author, "en")
    page = client.get(reverse("calls:entry", args=[entry.pk])).content.decode()
    assert 'id="replace-confirm"' in page and "data-confirm=" in page.split('id="file-form"')[1].split(">")[0]

    # Not confirmed: refused with why, and the submitted file stays.
    second = upload("essay.docx", documents.docx(["第二稿"], author="张三"))
    page = client.post(reverse("calls:entry", args=[entry.pk]), {"file": second}, follow=True).content.decode()
    assert "Confirm that the new file replaces it" in page
    assert list(entry.files.values_list("pk", flat=True)) == [first_file.pk]
    entry.refresh_from_db()
    assert entry.file_replaced_at is None and 'id="file-replaced"' not in page

    # Confirmed: replaced, still submitted, and the receipt says when the file was replaced.
    third = upload("essay.docx", documents.docx(["第三稿"], author="张三"))
    page = client.post(
        reverse("calls:entry", args=[entry.pk]), {"file": third, "replace": "1"}, follow=True
    ).content.decode()
    entry.refresh_from_db()
    new_file = entry.files.get()
    assert new_file.pk != first_file.pk and entry.status == Entry.Status.SUBMITTED
    assert entry.file_replaced_at == new_file.uploaded_at > entry.submitted_at
    stamp = timezone.localtime(entry.file_replaced_at)
    with translation.override("en"):
        shown = stamp.strftime("%-d %b %Y %H:%M")  # the English format: "6 Dec 2026 09:01"
    assert f"File replaced {shown}" in page.split('id="receipt"')[1].split("</div>")[0]


def test_a_draft_replaces_its_file_without_asking_and_records_no_replacement(tree, branch_call):
    author = factories.member(tree["gz1"])
    entry = services.entry_create(call=branch_call, author=author, title="草稿")
    for text in ("一", "二"):
        services.entry_attach(entry=entry, upload=upload("essay.docx", documents.docx([text])))
    entry.refresh_from_db()
    assert entry.files.count() == 1 and entry.file_replaced_at is None


def test_the_service_refuses_an_unconfirmed_replacement_in_both_languages(tree, branch_call):
    author = factories.member(tree["gz1"])
    entry = submitted(branch_call, author)
    for language, words in (("en", "Confirm that the new file replaces it"), ("zh-hans", "请确认用新文件替换原文件")):
        with translation.override(language), pytest.raises(CallRejected) as refused:
            services.entry_attach(entry=entry, upload=upload("essay.docx", documents.docx(["新"])))
        assert refused.value.code == "confirm_replace" and words in refused.value.message


def test_after_the_call_closed_the_entry_page_says_why_the_file_can_no_longer_be_replaced(client, tree, branch_call):
    author = factories.member(tree["gz1"])
    entry = submitted(branch_call, author)
    branch_call.closes_at = timezone.now() - timedelta(minutes=1)
    branch_call.save(update_fields=["closes_at"])
    signed_in(client, author, "zh-hans")
    page = client.get(reverse("calls:entry", args=[entry.pk])).content.decode()
    assert 'id="file-form"' not in page
    assert "作品不能再提交或修改" in page.split('id="entry-locked"')[1].split("</p>")[0]
    page = client.post(
        reverse("calls:entry", args=[entry.pk]),
        {"file": upload("essay.docx", documents.docx(["迟到"])), "replace": "1"},
        follow=True,
    ).content.decode()
    assert "作品不能再提交或修改" in page and entry.files.count() == 1


def test_once_judging_has_started_the_entry_page_says_it_is_under_review(client, tree):
    call = open_essay_call(tree["audit"])  # no levels: a submitted entry goes to judging
    author = factories.member(tree["gz1"])
    entry = submitted(call, author)
    assert entry.status == Entry.Status.FINALIST
    signed_in(client, author, "en")
    page = client.get(reverse("calls:entry", args=[entry.pk])).content.decode()
    assert 'id="file-form"' not in page
    assert "already under review" in page.split('id="entry-locked"')[1]


# ---------------------------------------------------------------- the summary's limit


def test_a_summary_over_the_limit_is_refused_with_a_plain_message_and_the_draft_keeps_its_old_one(
    client, tree, branch_call
):
    author = factories.member(tree["gz1"])
    entry = services.entry_create(call=branch_call, author=author, title="草稿", summary="原来的简介")
    signed_in(client, author, "zh-hans")
    too_long = "字" * (SUMMARY_MAX_CHARS + 1)  # 2,001 characters
    page = client.post(reverse("calls:entry", args=[entry.pk]), {"title": "草稿", "summary": too_long}).content.decode()
    assert "最多 2000 个字（现有 2001 个字）。" in page
    entry.refresh_from_db()
    assert entry.summary == "原来的简介"
    page = client.get(reverse("calls:entry", args=[entry.pk])).content.decode()
    assert 'maxlength="2000"' in page and "data-counter" in page
    with translation.override("en"), pytest.raises(CallRejected) as refused:
        services.entry_update(entry=entry, by=author, title="草稿", summary=too_long)
    assert refused.value.message == "The summary has 2001 characters; the most is 2000."


def test_a_summary_of_exactly_the_limit_is_kept(tree, branch_call):
    author = factories.member(tree["gz1"])
    entry = services.entry_create(call=branch_call, author=author, title="草稿", summary="字" * SUMMARY_MAX_CHARS)
    entry.refresh_from_db()
    assert len(entry.summary) == 2000


# ---------------------------------------------------------------- length messages in plain words


def test_a_title_too_long_on_the_call_page_says_how_many_characters_in_plain_words(client, tree, branch_call):
    signed_in(client, factories.member(tree["gz1"]), "zh-hans")
    page = client.post(reverse("calls:detail", args=[branch_call.pk]), {"title": "题" * 121}).content.decode()
    assert "最多 120 个字（现有 121 个字）。" in page and "变量" not in page


def test_every_form_length_check_reads_in_plain_chinese(tree, branch_call):
    """Django's own message is "确保该变量包含不超过 120 字符": the project's catalogue words it."""
    form = forms.EntryForm({"title": "题" * 121}, call=branch_call, author=factories.member(tree["gz1"]))
    with translation.override("zh-hans"):
        assert form.errors["title"] == ["最多 120 个字（现有 121 个字）。"]
    with translation.override("en"):
        form = forms.EntryForm({"title": "t" * 121}, call=branch_call, author=factories.member(tree["gz2"]))
        assert form.errors["title"] == ["Ensure this value has at most 120 characters (it has 121)."]
