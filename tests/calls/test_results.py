"""A call's results through rankings: prize tiers by rankings' rule, certificates drawn by rankings'
code, winners published to the micro-class library, and the collection of winning essays."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from calls import results, selectors, services
from calls.models import Assignment, AuditEvent, Call, Entry
from calls.services import CallRejected
from lessons.models import Lesson
from rankings.prizes import Placed, award
from tests import factories
from tests.rankings import pdfs

from . import documents
from .conftest import signed_in, submitted_essay, upload
from .test_review_judging import finalists, scores


def placed(*finals):
    """Places (1, 2, 2, 4 ...) and tie counts of finals given best first."""
    places = [finals.index(value) + 1 for value in finals]
    return [Placed(place=p, tied_count=places.count(p), metric=Decimal(v)) for p, v in zip(places, finals, strict=True)]


def test_rankings_tier_rule_by_count_shares_or_drops_a_tied_boundary(db):
    rows = placed(90, 80, 80, 70)  # places 1, 2, 2, 4
    tiers = [("一等奖", Decimal(1)), ("二等奖", Decimal(1))]
    # Share: second prize reaches place 2, and both entries at place 2 take it.
    assert award(rows, mode="count", tiers=tiers, boundary_ties="share", rounding="floor") == [
        "一等奖",
        "二等奖",
        "二等奖",
        "",
    ]
    # Drop: the tied pair would need places 2-3, past the cumulative 2: both fall to no prize.
    assert award(rows, mode="count", tiers=tiers, boundary_ties="drop", rounding="floor") == ["一等奖", "", "", ""]


def test_rankings_tier_rule_by_percentage_rounds_as_asked(db):
    rows = placed(95, 90, 85, 80, 75, 70, 65)  # 7 ranked
    tiers = [("一等奖", Decimal(20)), ("二等奖", Decimal(30))]
    # Floor: 20 % of 7 = 1.4 -> 1; cumulative 50 % of 7 = 3.5 -> 3.
    assert award(rows, mode="percent", tiers=tiers, boundary_ties="share", rounding="floor") == (
        ["一等奖", "二等奖", "二等奖", "", "", "", ""]
    )
    # Up: 1.4 -> 2; 3.5 -> 4.
    assert award(rows, mode="percent", tiers=tiers, boundary_ties="share", rounding="ceil") == (
        ["一等奖", "一等奖", "二等奖", "二等奖", "", "", ""]
    )


def test_rankings_tier_rule_by_score_band(db):
    rows = placed(92.5, 90, 84.99, 60)
    tiers = [("一等奖", Decimal(90)), ("二等奖", Decimal(80))]
    assert award(rows, mode="band", tiers=tiers, boundary_ties="share", rounding="floor") == [
        "一等奖",
        "一等奖",
        "二等奖",
        "",
    ]


def judged(call, tree, panel, owner, given):
    """Entries straight into judging, each scored by three judges of jjj1: `given` holds each
    entry's (content, style) pairs; returns the entries in the order given."""
    entries = finalists(call, [tree["gz2"]], len(given))
    panel.judges.set(panel.judges.filter(unit=tree["jjj1"]))
    services.assignment_run(call=call, panel=panel, by=owner, seed="x")
    for entry, pairs in zip(entries, given, strict=True):
        for assignment, (content, style) in zip(
            Assignment.objects.filter(entry=entry).order_by("judge_id"), pairs, strict=True
        ):
            services.score_record(assignment=assignment, by=assignment.judge, values=scores(call, content, style))
    services.scores_lock(call=call, by=owner, close_now=True)
    return entries


def test_calls_prizes_follow_the_calls_band_mode(essay_call, tree, panel, owner):
    """Totals 0.6 × content + 0.4 × style. A: 90,90 -> 90 ×3 = 90.00; B: 85,80 -> 83 ×3 = 83.00;
    C: 70,70 -> 70. Bands: first from 88, second from 80: A first, B second, C none."""
    essay_call.prize_mode = "band"
    essay_call.save()
    essay_call.prize_tiers.filter(position=0).update(value=88)
    essay_call.prize_tiers.filter(position=1).update(value=80)
    a, b, c = judged(essay_call, tree, panel, owner, [[(90, 90)] * 3, [(85, 80)] * 3, [(70, 70)] * 3])
    rows = selectors.results(essay_call)
    assert [(r.entry.pk, r.final, r.prize) for r in rows] == [
        (a.pk, Decimal("90.00"), "一等奖"),
        (b.pk, Decimal("83.00"), "二等奖"),
        (c.pk, Decimal("70.00"), ""),
    ]


@pytest.fixture
def published(essay_call, tree, panel, owner):
    """Two winning essays (A first with 90, B second with 83; C 70 gets nothing), published."""
    a, b, c = judged(essay_call, tree, panel, owner, [[(90, 90)] * 3, [(85, 80)] * 3, [(70, 70)] * 3])
    services.results_publish(call=essay_call, by=owner)
    return {"call": essay_call, "a": a, "b": b, "c": c, "owner": owner}


def test_a_winner_downloads_their_certificate_with_its_font_embedded(client, published, tmp_path):
    a = published["a"]
    client.force_login(a.author)
    response = client.get(reverse("calls:certificate", args=[a.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    fonts = pdfs.fonts(response.content, tmp_path)
    assert fonts and all(font["emb"] == "yes" for font in fonts), fonts
    words = pdfs.text(response.content, tmp_path).replace(" ", "")
    assert "荣誉证书" in words and "一等奖" in words and "《征文0》" in words
    assert "广州特派办第二党支部" in words  # named from below the call's unit, run together
    assert a.receipt in words


def test_certificates_only_for_winners_their_authors_and_organisers(client, published, tree, tmp_path):
    a, c = published["a"], published["c"]
    client.force_login(factories.member(tree["gz2"]))
    assert client.get(reverse("calls:certificate", args=[a.pk])).status_code == 404  # as for a missing id
    client.force_login(c.author)
    assert client.get(reverse("calls:certificate", args=[c.pk])).status_code == 404  # no prize
    client.force_login(published["owner"])
    bundle = client.get(reverse("calls:certificate_bundle", args=[published["call"].pk]))
    assert bundle.status_code == 200
    assert pdfs.page_count(bundle.content, tmp_path) == 2  # A's and B's


def test_all_certificates_are_not_found_by_who_may_not_read_the_results_and_refused_to_who_reads_them(
    client, essay_call, tree, panel, owner, gz_organiser
):
    """certificates.pdf answered 403 ("only organisers and administrators") to every member, one of
    another organ included, whatever the id: the honour list and the collection answer 404 to whoever
    may not read the call's results, as a missing id. Now: another organ's member, and a member of
    the audience before the results are out, get that 404, word for word a missing id's page; after
    publication a member of the audience and an organiser reviewing for the call are told why (403)."""
    judged(essay_call, tree, panel, owner, [[(90, 90)] * 3, [(85, 80)] * 3, [(70, 70)] * 3])
    url = reverse("calls:certificate_bundle", args=[essay_call.pk])
    missing = reverse("calls:certificate_bundle", args=[987654])
    stranger, audience = factories.member(tree["mof"]), factories.member(tree["gz1"])

    def page(response) -> str:
        return re.sub(r'(nonce|csrfmiddlewaretoken" value|content)="[^"]*"', "", response.text).replace(
            response.request["PATH_INFO"], "ADDRESS"
        )

    for user in (stranger, audience):
        refused = signed_in(client, user).get(url)
        assert refused.status_code == 404
        assert page(refused) == page(client.get(missing))
    services.results_publish(call=essay_call, by=owner)
    refused = signed_in(client, stranger).get(url)
    assert refused.status_code == 404 and page(refused) == page(client.get(missing))
    for user in (audience, gz_organiser):
        told = signed_in(client, user).get(url)
        assert told.status_code == 403
        assert "只有审计署的组织者可以下载全部证书；获奖者可在光荣榜下载本人的证书。" in told.text
    told = signed_in(client, audience, "en").get(url)
    assert told.status_code == 403 and "a winner downloads their own from the honour list" in told.text
    assert signed_in(client, owner).get(url)["Content-Type"] == "application/pdf"


def test_no_certificate_before_publication(client, essay_call, tree, panel, owner):
    a, _b, _c = judged(essay_call, tree, panel, owner, [[(90, 90)] * 3, [(85, 80)] * 3, [(70, 70)] * 3])
    client.force_login(a.author)
    assert client.get(reverse("calls:certificate", args=[a.pk])).status_code == 404
    with pytest.raises(CallRejected):
        results.certificates_pdf(essay_call, results.winners(essay_call))


def test_the_collection_gathers_winning_essays_into_one_pdf_with_embedded_fonts(client, published, tmp_path, tree):
    client.force_login(factories.member(tree["gz1"]))  # any member of the audience
    page = client.get(reverse("calls:collection", args=[published["call"].pk])).content.decode()
    assert page.index("征文0") < page.index("征文1") and "征文2" not in page
    response = client.get(reverse("calls:collection_pdf", args=[published["call"].pk]))
    assert response.status_code == 200
    fonts = pdfs.fonts(response.content, tmp_path)
    assert fonts and all(font["emb"] == "yes" for font in fonts), fonts
    words = pdfs.text(response.content, tmp_path).replace(" ", "")
    # The essays' body (documents.docx's paragraph), both titles, the prizes; title page + contents + 2 essays.
    assert words.count("学习贯彻党的二十大精神") == 2 and "获奖作品集" in words and "二等奖" in words
    assert pdfs.page_count(response.content, tmp_path) == 4


def test_the_english_collection_sets_latin_text_in_the_embedded_latin_font_as_certificates_do(
    client, published, tmp_path, tree
):
    call = published["call"]
    Call.objects.filter(pk=call.pk).update(title_en="Essays on “Reform”")
    call.prize_tiers.filter(position=0).update(name_en="First prize")
    tree["audit"].name_en = "National Audit Office"
    tree["audit"].save(update_fields=["name_en"])
    client.force_login(published["owner"])
    response = client.get(reverse("calls:collection_pdf", args=[call.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    fonts = pdfs.fonts(response.content, tmp_path)
    assert fonts and all(font["emb"] == "yes" for font in fonts), fonts
    assert any("DejaVuSans" in font["name"] for font in fonts), fonts  # the English text
    assert any("WenQuanYi" in font["name"] for font in fonts), fonts  # the essays, typed in Chinese
    words = " ".join(pdfs.text(response.content, tmp_path).split())
    assert "Essays on “Reform”" in words and "Collection of winning essays" in words
    # The cover names the issuing unit in English; A's essay won the first prize, B's the second.
    assert "National Audit Office · " in words and "审计署" not in words
    assert "1. 《征文0》" in words and "First prize" in words and "二等奖" in words


def test_a_pdf_essay_comes_into_the_collection_as_its_rendered_pages(client, published, tmp_path):
    call = published["call"]
    b = published["b"]
    # B as if it had been sent as a PDF: changed as a draft of the call still open, then put back.
    kept = Call.objects.filter(pk=call.pk).values("closes_at", "results_published_at").get()
    Call.objects.filter(pk=call.pk).update(closes_at=timezone.now() + timedelta(days=1), results_published_at=None)
    Entry.objects.filter(pk=b.pk).update(status=Entry.Status.DRAFT)
    b.refresh_from_db()
    services.entry_attach(entry=b, upload=upload("essay.pdf", documents.pdf()))
    Entry.objects.filter(pk=b.pk).update(status=Entry.Status.FINALIST)
    Call.objects.filter(pk=call.pk).update(**kept)
    essays = results.collection(call)
    assert [len(essay.pages) for essay in essays] == [0, 1]
    client.force_login(b.author)
    picture = client.get(reverse("calls:collection_page", args=[call.pk, b.pk, 0]))
    assert picture.status_code == 200 and b"".join(picture.streaming_content)[:4] == b"\x89PNG"
    pdf = client.get(reverse("calls:collection_pdf", args=[call.pk])).content
    assert pdfs.page_count(pdf, tmp_path) == 4


def test_winning_micro_classes_are_published_to_the_library_in_one_action(
    client, essay_call, tree, panel, owner, tmp_path, eager_tasks, django_capture_on_commit_callbacks
):
    from lessons import video

    if video.tools_missing():
        pytest.skip("ffmpeg is not installed")
    essay_call.kind, essay_call.max_file_mb = Call.Kind.MICRO_CLASS, 20
    essay_call.save()
    essay_call.levels.all().delete()
    clip = video.make_test_clip(tmp_path / "clip.mp4", seconds=2, size="160x90")
    entries = []
    for n in range(2):
        author = factories.member(tree["gz2"], real_name=f"作者{n}")
        entry = services.entry_create(call=essay_call, author=author, title=f"微党课{n}", summary="讲党史")
        with django_capture_on_commit_callbacks(execute=True):
            services.entry_attach(entry=entry, upload=upload("clip.mp4", clip.read_bytes()))
        entries.append(services.entry_submit(entry=entry, by=author))
    panel.judges.set(panel.judges.filter(unit=tree["jjj1"]))
    services.assignment_run(call=essay_call, panel=panel, by=owner, seed="x")
    for entry, (content, style) in zip(entries, [(90, 90), (70, 70)], strict=True):
        for assignment in Assignment.objects.filter(entry=entry):
            services.score_record(assignment=assignment, by=assignment.judge, values=scores(essay_call, content, style))
    services.scores_lock(call=essay_call, by=owner, close_now=True)
    services.results_publish(call=essay_call, by=owner)
    client.force_login(owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("calls:publish_to_library", args=[essay_call.pk]), {"audience": [tree["gz"].pk]})
    assert response.status_code == 302
    # Prizes by count: 1 first, 1 second: both win, each becomes one ready lesson.
    lessons = Lesson.objects.order_by("title")
    assert [(ls.title, ls.speaker, ls.unit, ls.status) for ls in lessons] == [
        ("微党课0", "作者0", tree["audit"], "ready"),
        ("微党课1", "作者1", tree["audit"], "ready"),
    ]
    assert list(lessons[0].audience.all()) == [tree["gz"]]
    assert lessons[0].description.startswith(f"{essay_call.title} · 一等奖")
    assert {e.lesson_id for e in Entry.objects.all()} == {ls.pk for ls in lessons}
    # Again: nothing new; the honour list links each winner to its lesson.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("calls:publish_to_library", args=[essay_call.pk]), {"audience": []})
    assert Lesson.objects.count() == 2
    assert AuditEvent.objects.filter(action="library").count() == 2
    honours = client.get(reverse("calls:honours", args=[essay_call.pk])).content.decode()
    assert reverse("lessons:player", args=[lessons[0].pk]) in honours


def test_an_essay_call_cannot_publish_to_the_library(published):
    with pytest.raises(CallRejected) as refused:
        results.winners_publish_to_library(call=published["call"], by=published["owner"], audience=[])
    assert refused.value.code == "not_video"


def test_html_in_a_winning_title_is_escaped_in_the_collection(client, essay_call, tree, panel, owner):
    essay_call.levels.all().delete()
    author = factories.member(tree["gz2"])
    entry = submitted_essay(essay_call, author, title="<script>alert(1)</script>征文")
    panel.judges.set(panel.judges.filter(unit=tree["jjj1"]))
    services.assignment_run(call=essay_call, panel=panel, by=owner, seed="x")
    for assignment in Assignment.objects.filter(entry=entry):
        services.score_record(assignment=assignment, by=assignment.judge, values=scores(essay_call, 90, 90))
    services.scores_lock(call=essay_call, by=owner, close_now=True)
    services.results_publish(call=essay_call, by=owner)
    client.force_login(author)
    page = client.get(reverse("calls:collection", args=[essay_call.pk])).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;征文" in page and "<script>alert(1)" not in page


def test_rankings_tier_rule_over_more_places_than_one_batch(db):
    """2,500 distinct places (two batches of at most 2,000): by count, the first 2,100 take the
    first prize, the next 300 the second, the last 100 nothing."""
    rows = [Placed(place=n, tied_count=1, metric=Decimal(3000 - n)) for n in range(1, 2501)]
    prizes = award(
        rows,
        mode="count",
        tiers=[("一等奖", Decimal(2100)), ("二等奖", Decimal(300))],
        boundary_ties="share",
        rounding="floor",
    )
    assert prizes == ["一等奖"] * 2100 + ["二等奖"] * 300 + [""] * 100


def test_another_members_certificate_answers_as_a_missing_id_does(client, published, tree):
    """A 403 "You may download your own certificate only." for an entry that exists beside a 404
    for one that does not told which entry ids exist: both are the same 404 now."""
    a = published["a"]
    client.force_login(factories.member(tree["gz2"]))
    someone_elses = client.get(reverse("calls:certificate", args=[a.pk]))
    missing = client.get(reverse("calls:certificate", args=[a.pk + 10_000]))
    assert (someone_elses.status_code, missing.status_code) == (404, 404)

    def said(response) -> str:  # the page's own words (its nonces differ from one response to the next)
        return response.content.decode().split("<main")[1].split("</main>")[0]

    assert said(someone_elses) == said(missing)
    assert b"certificate only" not in someone_elses.content


def test_the_honour_list_names_co_authors_after_the_author_as_the_certificate_does(client, published, tree):
    """A (first prize) was written by its author with two co-authors of the same branch, B by
    its author alone: the list reads "author、co-author、co-author · unit" and "author · unit"."""
    a, b = published["a"], published["b"]
    first = factories.member(tree["gz2"], real_name="汪兰")
    second = factories.member(tree["gz2"], real_name="白云")
    a.coauthors.set([second, first])
    client.force_login(published["owner"])
    page = client.get(reverse("calls:honours", args=[published["call"].pk]), HTTP_ACCEPT_LANGUAGE="zh-hans").text
    unit = a.unit.display_name
    named = sorted([first, second], key=lambda person: person.pk)
    assert f"{a.author.display_name}、{named[0].display_name}、{named[1].display_name} · {unit}" in page
    assert f"{b.author.display_name} · {b.unit.display_name}" in page


def test_the_english_honour_list_separates_the_authors_with_commas(client, published, tree):
    a = published["a"]
    partner = factories.member(tree["gz2"], real_name="汪兰")
    a.coauthors.set([partner])
    client.force_login(published["owner"])
    page = client.get(reverse("calls:honours", args=[published["call"].pk]), HTTP_ACCEPT_LANGUAGE="en").text
    assert f"{a.author.display_name}, {partner.display_name} · " in page
