"""The similarity check of essays: shingles, exact Jaccard, MinHash candidates within the call and
against earlier calls, the highlighted passages and the organisers' decisions."""

from datetime import timedelta
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from calls import services, similarity
from calls.models import Call, EntryText, SimilarityDecision, SimilarityPair
from tests import factories

from . import documents
from .conftest import upload

# Forty different CJK characters (U+4E00 onwards, every seventh), so shingles never repeat by chance.
BASE = "".join(chr(0x4E00 + 7 * i) for i in range(40))
OTHER = "".join(chr(0x5E00 + 7 * i) for i in range(40))
EDITED = BASE[:20] + "変" + BASE[21:]  # one character changed in the middle


def essay(call, author, paragraphs, title):
    entry = services.entry_create(call=call, author=author, title=title)
    services.entry_attach(entry=entry, upload=upload("essay.docx", documents.docx(paragraphs)))
    entry = services.entry_submit(entry=entry, by=author)
    return entry


def test_shingles_ignore_punctuation_spaces_and_case():
    assert similarity.shingles("Ab，c d。E f") == {"abcde", "bcdef"}
    assert similarity.shingles("学习") == {"学习"}  # shorter than a shingle: itself
    assert similarity.shingles(" ，。") == set()


def test_exact_jaccard_worked_by_hand():
    """40 characters give 36 shingles of 5. Changing the 21st (index 20) spoils the 5 shingles
    starting at 16..20: 31 shared, union 36 + 36 − 31 = 41, J = 31/41 = 0.75609…"""
    base, edited = similarity.shingles(BASE), similarity.shingles(EDITED)
    assert (len(base), len(base & edited), len(base | edited)) == (36, 31, 41)
    assert similarity.jaccard(base, edited) == Decimal("0.7561")
    assert similarity.jaccard(base, similarity.shingles(OTHER)) == Decimal(0)


def test_passages_mark_the_shared_runs_in_the_texts_own_characters():
    text = BASE[:10] + "，\n" + OTHER[:10]
    segments = similarity.passages(text, BASE)
    assert [(s.text, s.shared) for s in segments] == [(BASE[:10], True), ("，\n" + OTHER[:10], False)]


def test_near_duplicates_are_found_within_the_call_and_against_an_earlier_call(essay_call, tree, gz_organiser):
    now = essay_call.opens_at
    earlier = Call.objects.create(
        title="去年的征文", unit=tree["audit"], kind=Call.Kind.ESSAY, opens_at=now, closes_at=essay_call.closes_at
    )
    old_entry = essay(earlier, factories.member(tree["jjj1"], real_name="往年作者"), [BASE], "往年征文")
    Call.objects.filter(pk=earlier.pk).update(opens_at=now - timedelta(days=400), closes_at=now - timedelta(days=300))
    copied = essay(essay_call, factories.member(tree["gz1"]), [BASE[:20], BASE[20:]], "原作")  # paragraphs split
    edited = essay(essay_call, factories.member(tree["gz2"]), [EDITED], "改写")
    unrelated = essay(essay_call, factories.member(tree["jjj1"]), [OTHER], "无关")

    assert similarity.similarity_check(call_id=essay_call.pk) == 3
    pairs = {(p.entry_id, p.other_id): p.jaccard for p in SimilarityPair.objects.filter(call=essay_call)}
    # The split paragraphs read as one text (line breaks are not significant): the copy of last
    # year's essay is identical, J = 1; the edited one is 31/41 from both.
    assert pairs == {
        (copied.pk, old_entry.pk): Decimal("1.0000"),
        (copied.pk, edited.pk): Decimal("0.7561"),
        (edited.pk, old_entry.pk): Decimal("0.7561"),
    }
    assert unrelated.pk not in {pk for pair in pairs for pk in pair}
    essay_call.refresh_from_db()
    assert essay_call.similarity_checked_at is not None
    assert EntryText.objects.filter(entry=copied).get().text.replace("\n", "") == BASE
    # Idempotent: the same pairs again, no more rows.
    assert similarity.similarity_check(call_id=essay_call.pk) == 3
    assert SimilarityPair.objects.count() == 3


def test_a_decided_pair_is_kept_and_an_undecided_one_not_found_again_goes(essay_call, tree, gz_organiser):
    first = essay(essay_call, factories.member(tree["gz1"]), [BASE], "甲")
    second = essay(essay_call, factories.member(tree["gz2"]), [EDITED], "乙")
    similarity.similarity_check(call_id=essay_call.pk)
    pair = SimilarityPair.objects.get()
    similarity.pair_decide(pair=pair, by=gz_organiser, verdict="fine", note="引用同一文件")
    similarity.pair_decide(pair=pair, by=gz_organiser, verdict="look")
    assert similarity.latest_decisions([pair])[pair.pk].verdict == "look"
    assert SimilarityDecision.objects.count() == 2
    # The second author replaces the file by an unrelated essay: the pair is no longer found but
    # has decisions, so it stays; its text is extracted again.
    services.entry_attach(entry=second, upload=upload("new.docx", documents.docx([OTHER])), replace_confirmed=True)
    similarity.similarity_check(call_id=essay_call.pk)
    assert SimilarityPair.objects.filter(pk=pair.pk).exists()
    assert EntryText.objects.get(entry=second).text.strip() == OTHER
    assert first.pk == pair.entry_id


def test_pdf_text_comes_from_pdftotext(tmp_path):
    from reportlab.pdfgen import canvas

    path = tmp_path / "essay.pdf"
    page = canvas.Canvas(str(path))
    page.drawString(72, 720, "Party building essay number one")
    page.save()
    assert "Party building essay number one" in similarity.extract_text(path, "pdf")
    assert similarity.extract_text(tmp_path / "missing.pdf", "pdf") == ""


def test_only_closed_unchecked_essay_calls_are_due(essay_call):
    assert similarity.calls_due() == []
    essay_call.opens_at -= timedelta(days=5)
    essay_call.closes_at = essay_call.opens_at + timedelta(days=1)
    essay_call.save()
    assert similarity.calls_due() == [essay_call.pk]
    similarity.similarity_check(call_id=essay_call.pk)
    assert similarity.calls_due() == []


def test_an_essay_call_published_while_open_is_due_from_its_publishing(essay_call):
    """Before publishing waited for the closing, a call could be published while open: it stopped
    taking entries then (`Call.ends_at`), so it is checked then, not at its stored closing time."""
    now = timezone.now()
    published = now - timedelta(days=2)
    Call.objects.filter(pk=essay_call.pk).update(
        opens_at=now - timedelta(days=10), closes_at=now + timedelta(days=10), results_published_at=published
    )
    assert similarity.calls_due() == [essay_call.pk]
    # Checked after the publishing (but long before the stored closing): not due again.
    Call.objects.filter(pk=essay_call.pk).update(similarity_checked_at=published + timedelta(hours=1))
    assert similarity.calls_due() == []
    # Checked before the publishing: due.
    Call.objects.filter(pk=essay_call.pk).update(similarity_checked_at=published - timedelta(hours=1))
    assert similarity.calls_due() == [essay_call.pk]


def test_the_similarity_page_shows_highlighted_passages_and_records_decisions(
    client, essay_call, tree, eager_tasks, django_capture_on_commit_callbacks
):
    owner = factories.organiser(tree["audit"])
    essay(essay_call, factories.member(tree["gz1"]), [BASE + "。" + OTHER[:5]], "甲")
    essay(essay_call, factories.member(tree["gz2"]), [EDITED], "乙")
    client.force_login(owner)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("calls:similarity_run", args=[essay_call.pk]))
    page = client.get(reverse("calls:similarity", args=[essay_call.pk]))
    html = page.content.decode()
    # The runs before and after the changed character are shared; the tail is this essay's own.
    assert f"<mark>{BASE[:20]}</mark>{BASE[20]}<mark>{BASE[21:]}</mark>。{OTHER[:5]}" in html
    pair = SimilarityPair.objects.get()
    client.post(reverse("calls:similarity_decide", args=[pair.pk]), {"verdict": "look", "note": "请核实"})
    assert SimilarityDecision.objects.get().verdict == "look"
    bad = client.post(reverse("calls:similarity_decide", args=[pair.pk]), {"verdict": "delete"})
    assert bad.status_code == 302 and SimilarityDecision.objects.count() == 1
    outsider = factories.organiser(tree["budget"])
    client.force_login(outsider)
    assert client.get(reverse("calls:similarity", args=[essay_call.pk])).status_code == 404


def test_an_essay_handed_in_or_replaced_under_a_reopening_makes_the_call_due_again(essay_call, tree):
    """The check made when the call closed did not see them: a draft handed in under a reopening,
    and a submitted essay whose file is replaced under one."""
    owner = factories.organiser(tree["audit"])
    late = services.entry_create(call=essay_call, author=factories.member(tree["gz1"]), title="补交的征文")
    early = services.entry_create(call=essay_call, author=factories.member(tree["gz2"]), title="先交的征文")
    services.entry_attach(entry=early, upload=upload("essay.docx", documents.docx(("初稿",))))
    services.entry_submit(entry=early, by=early.author)
    Call.objects.filter(pk=essay_call.pk).update(closes_at=timezone.now() - timedelta(minutes=5))
    essay_call.refresh_from_db()
    similarity.similarity_check(call_id=essay_call.pk)
    assert similarity.calls_due() == []

    until = timezone.now() + timedelta(hours=2)
    for entry in (late, early):
        services.entry_reopen(entry=entry, by=owner, until=until, reason="出差补交")
    late.refresh_from_db()
    services.entry_attach(entry=late, upload=upload("essay.docx", documents.docx(("补交的正文",))))
    assert similarity.calls_due() == []  # a draft's file: nothing handed in yet
    services.entry_submit(entry=late, by=late.author)
    assert similarity.calls_due() == [essay_call.pk]

    similarity.similarity_check(call_id=essay_call.pk)
    assert similarity.calls_due() == []
    early.refresh_from_db()
    services.entry_attach(
        entry=early, upload=upload("essay.docx", documents.docx(("修改后的正文",))), replace_confirmed=True
    )
    assert similarity.calls_due() == [essay_call.pk]
