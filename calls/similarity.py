"""Near-duplicate essays, within a call and against earlier essay calls, for organisers to judge.

Text comes from the entry's file: a .docx through mammoth's raw text, a PDF through poppler's
`pdftotext`. It is reduced to letters and digits (punctuation, spaces and case do not count), then
cut into overlapping character shingles of `SHINGLE` characters: Chinese has no spaces between
words, and five characters are about two or three words, long enough that shared shingles mean
shared phrasing rather than common words. Every essay's shingle set gets a MinHash signature
(datasketch, `PERMUTATIONS` permutations, a fixed seed); an LSH index over them proposes the
candidate pairs whose similarity is likely above `CANDIDATE_THRESHOLD`, and each candidate's exact Jaccard
similarity |A ∩ B| / |A ∪ B| is computed from the shingle sets before it is kept, so the index's
estimates never decide on their own.

The pairs are derived (a new check updates them); organisers' decisions on them are kept as rows.
"""

from __future__ import annotations

import shutil
import subprocess  # noqa: S404 - pdftotext is run with an argument list, never a shell
import unicodedata
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import mammoth
from datasketch import MinHash, MinHashLSH
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import Call, Entry, EntryText, SimilarityDecision, SimilarityPair

SHINGLE = 5
PERMUTATIONS = 128
THRESHOLD = 0.3
# The index is asked for pairs likely above a lower similarity, so that pairs near THRESHOLD are
# not lost to the estimate's noise (bench/calls_similarity.py: at 0.3 it missed 12 of 50 pairs
# with Jaccard ≈ 0.33); the exact Jaccard then keeps only those at THRESHOLD or more.
CANDIDATE_THRESHOLD = 0.2
SEED = 18


def extract_text(path: Path, extension: str) -> str:
    """The plain text of a .docx or PDF essay ("" when it has none or cannot be read)."""
    if extension == "docx":
        try:
            with open(path, "rb") as handle:
                return mammoth.extract_raw_text(handle).value
        except (OSError, ValueError, KeyError):
            return ""
    pdftotext = shutil.which("pdftotext")
    if extension == "pdf" and pdftotext:
        try:
            done = subprocess.run(  # noqa: S603 - a found program, the path is ours
                [pdftotext, "-enc", "UTF-8", "-q", str(path), "-"], capture_output=True, timeout=60, check=False
            )
        except (OSError, subprocess.TimeoutExpired):
            return ""
        return done.stdout.decode("utf-8", "replace")
    return ""


def significant(text: str) -> tuple[str, list[int]]:
    """The text's letters and digits, lowercased, and for each the index of its character in `text`."""
    kept, positions = [], []
    for index, char in enumerate(text):
        if unicodedata.category(char)[0] in "LN":
            kept.append(char.lower())
            positions.append(index)
    return "".join(kept), positions


def shingles(text: str) -> set[str]:
    reduced, _positions = significant(text)
    if len(reduced) < SHINGLE:
        return {reduced} if reduced else set()
    return {reduced[i : i + SHINGLE] for i in range(len(reduced) - SHINGLE + 1)}


def jaccard(a: set[str], b: set[str]) -> Decimal:
    if not a or not b:
        return Decimal(0)
    return (Decimal(len(a & b)) / Decimal(len(a | b))).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def signature(shingle_set: set[str]) -> MinHash:
    minhash = MinHash(num_perm=PERMUTATIONS, seed=SEED)
    minhash.update_batch([s.encode("utf-8") for s in sorted(shingle_set)])
    return minhash


@dataclass
class Segment:
    text: str
    shared: bool


def passages(text: str, other: str) -> list[Segment]:
    """`text` cut into runs, each marked shared when it lies inside a shingle `other` also has:
    the overlapping passages, in the text's own characters (punctuation and line breaks kept)."""
    reduced, positions = significant(text)
    other_shingles = shingles(other)
    covered = [False] * len(text)
    for start in range(len(reduced) - SHINGLE + 1):
        if reduced[start : start + SHINGLE] in other_shingles:
            first, last = positions[start], positions[start + SHINGLE - 1]
            for index in range(first, last + 1):
                covered[index] = True
    segments: list[Segment] = []
    for index, char in enumerate(text):
        if segments and segments[-1].shared == covered[index]:
            segments[-1].text += char
        else:
            segments.append(Segment(char, covered[index]))
    return segments


def entry_text(entry: Entry) -> str:
    """The essay's text, extracted once per file (a replaced file is extracted again)."""
    stored = entry.files.order_by("position", "id").first()
    if stored is None:
        return ""
    cached = EntryText.objects.filter(entry=entry).first()
    if cached is not None and cached.file_id == stored.pk:
        return cached.text
    text = extract_text(Path(settings.MEDIA_ROOT) / stored.path, stored.extension)
    EntryText.objects.update_or_create(entry=entry, defaults={"file": stored, "text": text})
    return text


def compared_entries(call: Call):
    """The call's handed-in essays and those of earlier essay calls (opened before it)."""
    handed_in = Entry.objects.exclude(status__in=[Entry.Status.DRAFT, Entry.Status.WITHDRAWN]).filter(
        call__kind=Call.Kind.ESSAY
    )
    return handed_in.filter(call=call), handed_in.filter(call__opens_at__lt=call.opens_at).exclude(call=call)


def similarity_check(*, call_id: int) -> int | None:
    """Find the call's near-duplicate essays (see the module docstring) and store them as pairs;
    pairs not found again and not yet decided on are removed. Returns the number of pairs, None
    when the call is gone or takes no essays. Idempotent."""
    call = Call.objects.filter(pk=call_id, kind=Call.Kind.ESSAY).first()
    if call is None:
        return None
    own, earlier = compared_entries(call)
    sets = {entry.pk: shingles(entry_text(entry)) for entry in [*own, *earlier]}
    own_ids = {entry.pk for entry in own}
    index = MinHashLSH(threshold=CANDIDATE_THRESHOLD, num_perm=PERMUTATIONS)
    signatures = {pk: signature(shingle_set) for pk, shingle_set in sets.items() if shingle_set}
    for pk, minhash in signatures.items():
        index.insert(pk, minhash)
    found: dict[tuple[int, int], Decimal] = {}
    for pk in sorted(own_ids & set(signatures)):
        for other in index.query(signatures[pk]):
            if other == pk or (other in own_ids and other < pk):
                continue  # each pair within the call once, the smaller id first
            similarity = jaccard(sets[pk], sets[other])
            if similarity >= Decimal(str(THRESHOLD)):
                found[(pk, other) if other not in own_ids or pk < other else (other, pk)] = similarity
    with transaction.atomic():
        kept = []
        for (entry_id, other_id), similarity in found.items():
            pair, _created = SimilarityPair.objects.update_or_create(
                call=call, entry_id=entry_id, other_id=other_id, defaults={"jaccard": similarity}
            )
            kept.append(pair.pk)
        SimilarityPair.objects.filter(call=call, decisions__isnull=True).exclude(pk__in=kept).delete()
        Call.objects.filter(pk=call.pk).update(similarity_checked_at=timezone.now())
    return len(found)


def calls_due() -> list[int]:
    """Essay calls that stopped taking entries (`Call.ends_at`: their closing time, or the
    publishing of their results when that came first) and were not checked since."""
    from django.db.models import F, Q
    from django.db.models.functions import Coalesce, Least

    ended = Least("closes_at", Coalesce("results_published_at", "closes_at"))
    return list(
        Call.objects.filter(kind=Call.Kind.ESSAY)
        .annotate(ended_at=ended)
        .filter(ended_at__lte=timezone.now())
        .filter(Q(similarity_checked_at__isnull=True) | Q(similarity_checked_at__lt=F("ended_at")))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def pair_decide(*, pair: SimilarityPair, by, verdict: str, note: str = "") -> SimilarityDecision:
    """Record an organiser's word on a pair ("fine": not an issue, "look": needs a look)."""
    if verdict not in SimilarityDecision.Verdict.values:
        raise ValueError(verdict)
    return SimilarityDecision.objects.create(pair=pair, verdict=verdict, note=note.strip()[:300], by=by)


def latest_decisions(pairs) -> dict[int, SimilarityDecision]:
    latest: dict[int, SimilarityDecision] = {}
    for decision in SimilarityDecision.objects.filter(pair__in=pairs).select_related("by").order_by("id"):
        latest[decision.pair_id] = decision
    return latest
