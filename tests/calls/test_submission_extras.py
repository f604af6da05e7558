"""What the organiser adds to a call's entry form, per-unit limits and quota places, previews of
essays and photos, and large videos through the library's resumable upload."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from calls import services
from calls.models import Assignment, Call, CallField, Entry, FieldAnswer
from calls.services import CallRejected
from lessons.models import Upload
from tests import factories

from . import documents
from .conftest import submitted_essay, upload


@pytest.fixture
def asked(essay_call):
    services.call_fields_save(
        call=essay_call,
        fields=[
            ("联系电话", "text", "", True, True),
            ("作品类别", "choice", "理论,实践", True, False),
            ("字数", "number", "", False, False),
            ("附件", "file", "", False, False),
        ],
    )
    return {field.label: field for field in essay_call.fields.all()}


def test_answers_are_checked_all_or_nothing_and_required_at_submit(essay_call, asked, tree):
    author = factories.member(tree["gz1"])
    entry = services.entry_create(call=essay_call, author=author, title="征文")
    services.entry_attach(entry=entry, upload=upload("e.docx", documents.docx()))
    phone, kind, words = asked["联系电话"].pk, asked["作品类别"].pk, asked["字数"].pk
    for values, code in [
        ({phone: "138", kind: "其他"}, "bad_choice"),
        ({phone: "138", kind: "理论", words: "三千"}, "bad_number"),
        ({phone: "1" * 2001}, "answer_too_long"),
    ]:
        with pytest.raises(CallRejected) as refused:
            services.entry_answers_save(entry=entry, by=author, values=values)
        assert refused.value.code == code
    assert not FieldAnswer.objects.exists()  # nothing kept from a refused form
    services.entry_answers_save(entry=entry, by=author, values={phone: "13800000000", words: "3,000.50"})
    with pytest.raises(CallRejected) as refused:
        services.entry_submit(entry=entry, by=author)
    assert refused.value.code == "answer_required" and "作品类别" in refused.value.message
    services.entry_answers_save(entry=entry, by=author, values={phone: "13800000000", kind: "实践", words: "3000"})
    assert services.entry_submit(entry=entry, by=author).status == Entry.Status.SUBMITTED
    assert dict(entry.answers.values_list("field__label", "value")) == {
        "联系电话": "13800000000",
        "作品类别": "实践",
        "字数": "3000",
    }  # no file given: no answer for the file field


def test_a_file_answer_is_sniffed_like_an_entry_file(essay_call, asked, tree):
    author = factories.member(tree["gz1"])
    entry = services.entry_create(call=essay_call, author=author, title="征文")
    attachment = asked["附件"].pk
    with pytest.raises(CallRejected) as refused:
        services.entry_answers_save(
            entry=entry, by=author, values={}, uploads={attachment: upload("scan.pdf", documents.PNG)}
        )
    assert refused.value.code == "wrong_type" and refused.value.message.startswith("附件")
    services.entry_answers_save(
        entry=entry, by=author, values={}, uploads={attachment: upload("scan.pdf", documents.pdf(author="李文"))}
    )
    answer = entry.answers.get(field_id=attachment)
    assert answer.original_name == "scan.pdf" and answer.blind_path.startswith(f"calls/{essay_call.pk}/{entry.pk}/")


def test_a_blind_judge_sees_the_answers_but_not_identifying_ones_and_html_is_escaped(
    client, essay_call, asked, tree, panel, gz_organiser
):
    essay_call.levels.all().delete()
    author = factories.member(tree["gz2"])
    entry = services.entry_create(call=essay_call, author=author, title="征文")
    services.entry_attach(entry=entry, upload=upload("e.docx", documents.docx()))
    services.entry_answers_save(
        entry=entry,
        by=author,
        values={asked["联系电话"].pk: "13800000000", asked["作品类别"].pk: "理论", asked["字数"].pk: "12"},
        uploads={asked["附件"].pk: upload("a.png", documents.PNG)},
    )
    FieldAnswer.objects.filter(field=asked["字数"]).update(value="<b>12</b>")  # as if it came unchecked
    services.entry_submit(entry=entry, by=author)
    panel.judges.set(panel.judges.filter(unit=tree["jjj1"]))
    services.assignment_run(call=essay_call, panel=panel, by=gz_organiser, seed="x")
    assignment = Assignment.objects.filter(entry=entry).first()
    client.force_login(assignment.judge)
    page = client.get(reverse("calls:judging_entry", args=[assignment.pk])).content.decode()
    assert "作品类别" in page and "理论" in page
    assert "联系电话" not in page and "13800000000" not in page
    assert "&lt;b&gt;12&lt;/b&gt;" in page and "<b>12</b>" not in page
    phone_file = reverse("calls:judging_file", args=[assignment.pk, f"answer-{asked['联系电话'].pk}"])
    assert client.get(phone_file).status_code == 404
    attachment = client.get(reverse("calls:judging_file", args=[assignment.pk, f"answer-{asked['附件'].pk}"]))
    assert attachment.status_code == 200 and str(assignment.token) in attachment["Content-Disposition"]
    # Not blind: the judge sees the identifying answer too.
    Call.objects.filter(pk=essay_call.pk).update(blind=False)
    assert "13800000000" in client.get(reverse("calls:judging_entry", args=[assignment.pk])).content.decode()


def test_fields_are_set_on_the_call_page_and_fixed_once_an_entry_is_submitted(essay_call, asked, tree):
    assert [(f.label, f.kind, f.identifying) for f in essay_call.fields.all()][:2] == [
        ("联系电话", "text", True),
        ("作品类别", "choice", False),
    ]
    assert asked["作品类别"].options == ["理论", "实践"]
    CallField.objects.filter(call=essay_call, required=True).update(required=False)
    submitted_essay(essay_call, factories.member(tree["gz1"]))
    services.call_fields_save(call=essay_call, fields=[])
    assert essay_call.fields.count() == 4


# ---------------------------------------------------------------- per-unit limits and quota places


def test_a_unit_submits_at_most_its_limit_and_a_withdrawal_frees_a_place(essay_call, tree):
    essay_call.entries_per_unit = 2
    essay_call.save()
    first = submitted_essay(essay_call, factories.member(tree["gz1"]))
    submitted_essay(essay_call, factories.member(tree["gz1"]))
    submitted_essay(essay_call, factories.member(tree["gz2"]))  # another unit: its own two places
    third = factories.member(tree["gz1"], real_name="王五")
    with pytest.raises(CallRejected) as refused:
        submitted_essay(essay_call, third)
    assert refused.value.code == "unit_full"
    assert refused.value.message == "第一党支部 已向本次征集提交 2 件作品，已达每个单位的上限。"
    services.entry_withdraw(entry=first, by=first.author)
    entry = Entry.objects.get(author=third)
    assert services.entry_submit(entry=entry, by=third).status == Entry.Status.SUBMITTED


def test_a_returned_entry_does_not_take_a_second_quota_place(essay_call, tree, gz_organiser):
    """Quota 1 at the branch, 1 at the office. A is recommended by the branch, returned by the
    office, mended and sent again: the branch may recommend it again (its place was freed), and
    then B cannot take a second place."""
    branch_organiser = factories.organiser(tree["gz1"])
    a = submitted_essay(essay_call, factories.member(tree["gz1"]))
    b = submitted_essay(essay_call, factories.member(tree["gz1"]))
    services.entry_forward(entry=a, by=branch_organiser, note="好")
    services.entry_return(entry=a, by=gz_organiser, reason="格式不对")
    a = services.entry_submit(entry=a, by=a.author)
    assert (a.status, a.at_unit) == (Entry.Status.SUBMITTED, tree["gz1"])
    services.entry_forward(entry=a, by=branch_organiser, note="已修改")
    with pytest.raises(CallRejected) as refused:
        services.entry_forward(entry=b, by=branch_organiser, note="也好")
    assert refused.value.code == "over_quota"


def test_withdrawing_a_recommended_entry_frees_its_quota_place(essay_call, tree):
    branch_organiser = factories.organiser(tree["gz1"])
    a = submitted_essay(essay_call, factories.member(tree["gz1"]))
    b = submitted_essay(essay_call, factories.member(tree["gz1"]))
    services.entry_forward(entry=a, by=branch_organiser, note="好")
    services.entry_withdraw(entry=a, by=a.author)
    assert services.entry_forward(entry=b, by=branch_organiser, note="好").at_unit == tree["gz"]


# ---------------------------------------------------------------- previews


def test_a_pdf_essay_is_previewed_as_page_pictures_to_its_author_and_judges(
    client, essay_call, tree, panel, gz_organiser
):
    essay_call.levels.all().delete()
    author = factories.member(tree["gz2"])
    entry = services.entry_create(call=essay_call, author=author, title="征文")
    stored = services.entry_attach(entry=entry, upload=upload("e.pdf", documents.pdf()))
    assert len(stored.previews) == 1 and stored.previews[0].endswith(".png")
    client.force_login(author)
    page = client.get(reverse("calls:entry", args=[entry.pk])).content.decode()
    preview = reverse("calls:entry_preview", args=[entry.pk, 0, 0])
    assert preview in page
    assert b"".join(client.get(preview).streaming_content)[:4] == b"\x89PNG"
    assert client.get(reverse("calls:entry_preview", args=[entry.pk, 0, 1])).status_code == 404
    services.entry_submit(entry=entry, by=author)
    panel.judges.set(panel.judges.filter(unit=tree["jjj1"]))
    services.assignment_run(call=essay_call, panel=panel, by=gz_organiser, seed="x")
    assignment = Assignment.objects.filter(entry=entry).first()
    client.force_login(assignment.judge)
    judge_preview = reverse("calls:judging_file", args=[assignment.pk, "preview-0-0"])
    assert judge_preview in client.get(reverse("calls:judging_entry", args=[assignment.pk])).content.decode()
    response = client.get(judge_preview)
    assert response.status_code == 200 and "e.pdf" not in response["Content-Disposition"]
    client.force_login(factories.member(tree["gz1"]))  # neither author nor judge
    assert client.get(preview).status_code == 404


def test_photos_get_thumbnails_no_larger_than_480_pixels(essay_call, tree, settings):
    essay_call.kind = Call.Kind.PHOTOS
    essay_call.save()
    author = factories.member(tree["gz1"])
    entry = services.entry_create(call=essay_call, author=author, title="组照")
    big = Image.new("RGB", (1200, 800), (10, 120, 200))
    from io import BytesIO

    out = BytesIO()
    big.save(out, format="JPEG")
    stored = services.entry_attach(entry=entry, upload=upload("p.jpg", out.getvalue()))
    with Image.open(settings.MEDIA_ROOT / stored.previews[0]) as thumbnail:
        assert thumbnail.size == (480, 320)  # 1200 x 800 scaled by 0.4


# ---------------------------------------------------------------- resumable upload of large videos


@pytest.fixture
def video_call(essay_call):
    essay_call.kind, essay_call.max_file_mb = Call.Kind.MICRO_CLASS, 1
    essay_call.save()
    return essay_call


def start(client, entry, name, size):
    return client.post(
        reverse("calls:entry_upload_start", args=[entry.pk]),
        {"filename": name, "size": size},
        content_type="application/json",
    )


def put(client, url, data: bytes, start_at: int, total: int):
    return client.put(
        url,
        data,
        content_type="application/octet-stream",
        headers={"content-range": f"bytes {start_at}-{start_at + len(data) - 1}/{total}"},
    )


def test_a_video_upload_announced_with_an_endless_size_is_refused_in_words(client, video_call, tree):
    """JSON reads 1e400 as infinity, which no int() takes: the start used to fail with a server error."""
    author = factories.member(tree["gz1"])
    entry = services.entry_create(call=video_call, author=author, title="微党课")
    client.force_login(author)
    response = client.post(
        reverse("calls:entry_upload_start", args=[entry.pk]),
        '{"filename": "a.mp4", "size": 1e400}',
        content_type="application/json",
    )
    assert (response.status_code, response.json()["error"]["code"]) == (400, "bad_request")
    assert not Upload.objects.exists()


def test_a_large_video_arrives_in_resumable_chunks_and_becomes_the_entry_file(
    client, video_call, tree, tmp_path, eager_tasks, django_capture_on_commit_callbacks
):
    from lessons import video

    if video.tools_missing():
        pytest.skip("ffmpeg is not installed")
    clip = video.make_test_clip(tmp_path / "clip.mp4", seconds=2, size="160x90").read_bytes()
    author = factories.member(tree["gz1"])
    entry = services.entry_create(call=video_call, author=author, title="微党课")
    client.force_login(author)
    opened = start(client, entry, "我的微党课.mp4", len(clip)).json()
    half = len(clip) // 2
    assert put(client, opened["chunk_url"], clip[:half], 0, len(clip)).json()["received"] == half
    # A chunk sent again from 0 (a retry after a lost reply) is told where to resume.
    again = put(client, opened["chunk_url"], clip[:half], 0, len(clip))
    assert again.status_code == 409 and (again.json()["error"]["code"], again.json()["received"]) == (
        "wrong_offset",
        half,
    )
    with django_capture_on_commit_callbacks(execute=True):
        done = put(client, opened["chunk_url"], clip[half:], half, len(clip))
    assert done.json() == {"received": len(clip), "complete": True}
    entry.refresh_from_db()
    stored = entry.files.get()
    assert (stored.original_name, stored.size, entry.video_status) == ("我的微党课.mp4", len(clip), "ready")
    assert Upload.objects.get().lesson is None


def test_resumable_upload_refuses_oversize_renamed_and_late_files(client, video_call, tree):
    author = factories.member(tree["gz1"])
    entry = services.entry_create(call=video_call, author=author, title="微党课")
    client.force_login(author)
    oversize = start(client, entry, "v.mp4", 2**20 + 1)
    assert oversize.status_code == 400 and oversize.json()["error"]["code"] == "too_large"
    assert start(client, entry, "v.exe", 10).json()["error"]["code"] == "type_not_allowed"
    # A PDF renamed .mp4: accepted by name, refused by content when complete; nothing kept.
    fake = documents.pdf()
    opened = start(client, entry, "v.mp4", len(fake)).json()
    refused = put(client, opened["chunk_url"], fake, 0, len(fake))
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "refused"
    assert not entry.files.exists()
    # Past the deadline nothing starts; someone else cannot start one for the entry.
    Call.objects.filter(pk=video_call.pk).update(
        opens_at=timezone.now() - timedelta(days=2), closes_at=timezone.now() - timedelta(minutes=1)
    )
    assert start(client, entry, "v.mp4", 10).json()["error"]["code"] == "closed"
    client.force_login(factories.member(tree["gz1"]))
    assert start(client, entry, "v.mp4", 10).status_code == 404


def test_quota_use_counts_the_places_held(essay_call, tree, gz_organiser):
    from calls import selectors

    branch_organiser = factories.organiser(tree["gz1"])
    a = submitted_essay(essay_call, factories.member(tree["gz1"]))
    services.entry_forward(entry=a, by=branch_organiser, note="好")
    assert [row["used"] for row in selectors.quota_use(branch_organiser, essay_call)] == [1]
    services.entry_withdraw(entry=a, by=a.author)
    assert [row["used"] for row in selectors.quota_use(branch_organiser, essay_call)] == [0]


def test_a_file_answers_name_is_shown_escaped_on_the_entry_page(client, essay_call, asked, tree):
    """The name is the member's own: it went into the field's help text, which the form template
    writes unescaped (for Django's password rules, which are HTML)."""
    author = factories.member(tree["gz1"])
    entry = services.entry_create(call=essay_call, author=author, title="征文")
    name = "<img src=x onerror=alert(1)>.pdf"
    services.entry_answers_save(
        entry=entry, by=author, values={}, uploads={asked["附件"].pk: upload(name, documents.pdf())}
    )
    client.force_login(author)
    html = client.get(reverse("calls:entry", args=[entry.pk])).content.decode()
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;.pdf" in html
