"""Demo calls for entries of 广州特派办: an essay call open now (the demo member may enter it; an
essay of 第一党支部 waits there for the branch secretary's recommendation) and a micro-class call
whose window has closed, its entries recommended by the office, scored by a panel and the scores
locked, the results waiting for the organiser to publish. Seeding again leaves the same state
(idempotent).

The panel's judges come from other offices of 审计署: the demo organiser (广州特派办) and the
administrator (审计署 itself) may not score entries of their own unit's subtree
(`services.is_conflicted`), and every entry here comes from 广州特派办. So the administrator, who
reaches those offices, makes the panel.
"""

import io
import tempfile
import zipfile
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from orgs.models import User
from orgs.selectors import unit_by_path

from . import services
from .judges import panel_save
from .models import Assignment, Call

ESSAY_TITLE = "学习贯彻党的二十届四中全会精神征文（演示）"
MICRO_TITLE = "“讲好身边审计故事”微党课比赛（演示）"

# What people reading in English see instead (`display_title`, `display_rules`, the criteria's
# and prizes' `name_en`): the demo's Chinese texts otherwise show on the English pages.
ESSAY_ENGLISH = {
    "title_en": "Essays on the spirit of the Fourth Plenary Session of the 20th Central Committee (demo)",
    "rules_en": (
        "Write on studying and applying the spirit of the Fourth Plenary Session of the 20th Central Committee, "
        "drawing on your own work. One essay each, up to 3,000 characters, Word (.docx) or PDF, with at most one "
        "co-author. Each Party branch recommends 2 essays, and the office picks the best 3 for judging."
    ),
}
MICRO_ENGLISH = {
    "title_en": "“Telling the audit stories around us” micro-class contest (demo)",
    "rules_en": "One entry each, up to 8 minutes, in MP4. The office recommends at most 4 for judging.",
}
ENGLISH_NAMES = {
    "思想性": "Ideas",
    "结合实际": "Bearing on the work",
    "文字表达": "Writing",
    "思想内容": "Content",
    "讲授表达": "Delivery",
    "制作质量": "Production",
    "一等奖": "First prize",
    "二等奖": "Second prize",
    "三等奖": "Third prize",
}
MICRO_PANEL = "特派办微党课评审组"
PANEL_NAMES = {MICRO_PANEL: "Special commissioners' offices micro-class panel"}

# Micro-class rubric: name, weight, lowest, highest.
MICRO_CRITERIA = [
    ("思想内容", Decimal("0.5"), Decimal(0), Decimal(100)),
    ("讲授表达", Decimal("0.3"), Decimal(0), Decimal(100)),
    ("制作质量", Decimal("0.2"), Decimal(0), Decimal(100)),
]
MICRO_TIERS = [("一等奖", Decimal(1)), ("二等奖", Decimal(1)), ("三等奖", Decimal(1))]

# The entries: (author's unit under 广州特派办, author: "member" or the n-th member there by
# employee number, title, summary) and each judge's scores by criterion, in the panel's order.
# Totals (0.5 / 0.3 / 0.2): see tests/orgs/test_seed.py, where the places are worked out.
MICRO_ENTRIES = [
    (
        "第一党支部",
        "member",
        "红船精神永放光芒",
        "从南湖红船讲起，结合审计一线的经历谈初心使命。",
        [(90, 85, 80), (90, 90, 85), (92, 80, 75)],
    ),
    (
        "第一党支部",
        0,
        "守好国家“钱袋子”",
        "以一次专项审计为例，讲审计人的责任与担当。",
        [(80, 75, 70), (78, 80, 72), (82, 70, 80)],
    ),
    (
        "第二党支部",
        0,
        "一张审计底稿里的党性",
        "一份底稿、一次复核，讲严谨细致的工作作风。",
        [(85, 88, 90), (90, 85, 88), (86, 90, 84)],
    ),
    (
        "第二党支部",
        1,
        "廉洁从审 从我做起",
        "结合审计纪律“八不准”，谈廉洁自律。",
        [(70, 72, 65), (75, 70, 68), (72, 68, 70)],
    ),
]
# An essay of 第一党支部 handed in and waiting for the branch (the demo secretary) to recommend it:
# (the n-th member there by employee number, title, summary, paragraphs of the document).
WAITING_ESSAY = (
    0,
    "以审计监督护航高质量发展",
    "结合一次经济责任审计，谈如何把全会精神落实到审计一线。",
    [
        "以审计监督护航高质量发展",
        "党的二十届四中全会对推动高质量发展作出部署，审计机关要在服务大局中找准定位。",
        "在一次经济责任审计中，我们坚持问题导向，推动被审计单位建章立制、堵塞漏洞。",
        "今后要把学习成果转化为做好审计工作的实际成效。",
    ],
)
COMMENTS = ["选题好，结合实际。", "讲述生动，节奏得当。", "画面清晰，可再精炼。"]

# Judges from offices other than 广州特派办: the first member (by employee number) of each branch.
JUDGE_BRANCHES = [
    "审计署/京津冀特派办/机关党支部",
    "审计署/办公厅/秘书处/秘书处党支部",
    "审计署/财政审计司/一处/财政审计司第一党支部",
]


def seed(stdout, *, video: bool = True) -> None:
    office = unit_by_path("审计署/广州特派办")
    organiser = User.objects.get(username="organiser")
    essay = Call.objects.filter(title=ESSAY_TITLE).first() or _essay_call(office, organiser)
    _in_english(essay, ESSAY_ENGLISH)
    _waiting_essay(essay)
    micro = Call.objects.filter(title=MICRO_TITLE).first()
    if micro is None:
        from lessons import video as lesson_video

        if not video or lesson_video.tools_missing():
            stdout.write(f"Demo calls: {essay.title} (open); the micro-class call skipped (no video).")
            return
        micro = _micro_call(office, organiser)
    _in_english(micro, MICRO_ENGLISH)
    stdout.write(
        f"Demo calls: {essay.title} (open, for the member; an essay waits for the secretary) and {micro.title} "
        f"({micro.entries.count()} entries scored, results to publish: organiser)."
    )
    _judge_sign_in(micro)


def _in_english(call: Call, english: dict[str, str]) -> None:
    """Give the demo call, its criteria, prizes and panels their English texts where they have
    none (a demo seeded before they had them gets them too; one already given stays as it is)."""
    for field, text in english.items():
        Call.objects.filter(pk=call.pk, **{field: ""}).update(**{field: text})
    for rows in (call.criteria, call.prize_tiers):
        for name, name_en in ENGLISH_NAMES.items():
            rows.filter(name=name, name_en="").update(name_en=name_en)
    for name, name_en in PANEL_NAMES.items():
        call.panels.filter(name=name, name_en="").update(name_en=name_en)


def demo_judge() -> User | None:
    """The micro-class panel's judge who signs in with the demo password (None without that call)."""
    micro = Call.objects.filter(title=MICRO_TITLE).first()
    panel = micro.panels.first() if micro else None
    return panel.judges.order_by("employee_no").first() if panel else None


def _judge_sign_in(micro: Call) -> None:
    # The panel's members have no password, like every demo member but the three logins: one
    # gets the demo password, so the judge's pages can be tried. Set once: seeding again
    # changes nothing.
    judge = demo_judge()
    if judge is not None and not judge.has_usable_password():
        judge.set_password(settings.DEMO_PASSWORD)
        judge.save(update_fields=["password"])


def _essay_call(office, organiser) -> Call:
    now = timezone.now()
    call = Call.objects.create(
        title=ESSAY_TITLE,
        unit=office,
        kind=Call.Kind.ESSAY,
        rules=(
            "围绕学习贯彻党的二十届四中全会精神，结合本职工作撰写心得体会。"
            "每人限投 1 篇，3000 字以内，Word（.docx）或 PDF 格式，可有 1 名合作者。"
            "各党支部推荐 2 篇，特派办择优推荐 3 篇参加评审。"
        ),
        opens_at=_at(now - timedelta(days=3), 9),
        closes_at=_at(now + timedelta(weeks=4), 17),
        entries_per_member=1,
        file_types="docx, pdf",
        max_file_mb=10,
        max_coauthors=1,
        judges_per_entry=3,
        created_by=organiser,
    )
    services.call_settings_save(
        call=call,
        levels=[("branch", 2), ("office", 3)],
        criteria=[
            ("思想性", Decimal("0.4"), Decimal(0), Decimal(100)),
            ("结合实际", Decimal("0.4"), Decimal(0), Decimal(100)),
            ("文字表达", Decimal("0.2"), Decimal(0), Decimal(100)),
        ],
        tiers=[("一等奖", Decimal(1)), ("二等奖", Decimal(2)), ("三等奖", Decimal(3))],
    )
    return call


def _waiting_essay(essay: Call) -> None:
    """Hand in the branch's essay once (a demo seeded before it was there gets it too), so the
    demo secretary finds an entry to recommend on signing in. Not once the call has stopped taking
    entries (a demo seeded weeks ago): then nothing, and nothing half-made."""
    who, title, summary, paragraphs = WAITING_ESSAY
    if essay.entries.filter(title=title).exists() or not essay.takes_entries(timezone.now()):
        return
    author = _author("第一党支部", who)
    with transaction.atomic():
        entry = services.entry_create(call=essay, author=author, title=title, summary=summary)
        services.entry_attach(entry=entry, upload=SimpleUploadedFile(f"{title}.docx", _docx(paragraphs)))
        services.entry_submit(entry=entry, by=author)


def _docx(paragraphs: list[str]) -> bytes:
    """The smallest Word document holding `paragraphs`, as the upload checks and previews read it."""
    body = "".join(f"<w:p><w:r><w:t>{escape(text)}</w:t></w:r></w:p>" for text in paragraphs)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/word/document.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
            "</Types>",
        )
        archive.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Target="word/document.xml" '
            'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/>'
            "</Relationships>",
        )
        archive.writestr(
            "word/document.xml",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            f"<w:body>{body}</w:body></w:document>",
        )
    return out.getvalue()


def _at(moment, hour: int):
    """`hour` o'clock local time on the day of `moment`, as organisers set windows."""
    return timezone.localtime(moment).replace(hour=hour, minute=0, second=0, microsecond=0)


def _micro_call(office, organiser) -> Call:
    from lessons import video as lesson_video

    now = timezone.now()
    # Open while the entries are handed in; closed (by the organiser's edit, as the call's form
    # saves it) before the office recommends them and the panel scores them.
    call = Call.objects.create(
        title=MICRO_TITLE,
        unit=office,
        kind=Call.Kind.MICRO_CLASS,
        rules="每人限报 1 部，时长 8 分钟以内，MP4 格式。特派办推荐不超过 4 部参加评审。",
        opens_at=_at(now - timedelta(days=30), 9),
        closes_at=now + timedelta(hours=1),
        entries_per_member=1,
        file_types="mp4",
        max_file_mb=200,
        judges_per_entry=3,
        created_by=organiser,
    )
    services.call_settings_save(call=call, levels=[("office", 4)], criteria=MICRO_CRITERIA, tiers=MICRO_TIERS)
    entries = []
    with tempfile.TemporaryDirectory() as scratch:
        clip = lesson_video.make_test_clip(Path(scratch) / "clip.mp4", seconds=3, size="320x180").read_bytes()
        for branch, who, title, summary, _scores in MICRO_ENTRIES:
            author = _author(branch, who)
            entry = services.entry_create(call=call, author=author, title=title, summary=summary)
            services.entry_attach(entry=entry, upload=SimpleUploadedFile(f"{title}.mp4", clip))
            # Transcoded now rather than by the worker: the demo has no worker to wait for.
            entry = services.entry_video_process(entry_id=entry.pk)
            entries.append(services.entry_submit(entry=entry, by=author))
    Call.objects.filter(pk=call.pk).update(closes_at=timezone.now())
    call.refresh_from_db()
    for entry in entries:
        services.entry_forward(entry=entry, by=organiser, note="内容扎实，推荐参加评审。")
    judges = [User.objects.filter(unit=unit_by_path(path)).order_by("employee_no").first() for path in JUDGE_BRANCHES]
    # Other offices' members are beyond the office organiser's reach: the organ's administrator
    # makes the panel (`judge_candidates`).
    panel = panel_save(
        call=call,
        by=User.objects.get(username="admin"),
        name=MICRO_PANEL,
        name_en=PANEL_NAMES[MICRO_PANEL],
        judges=judges,
    )
    services.assignment_run(call=call, panel=panel, by=organiser, seed="demo")
    criteria = list(call.criteria.order_by("position"))
    for entry, (*_, scores) in zip(entries, MICRO_ENTRIES, strict=True):
        for judge, values, comment in zip(judges, scores, COMMENTS, strict=True):
            assignment = Assignment.objects.get(entry=entry, judge=judge)
            services.score_record(
                assignment=assignment,
                by=judge,
                values={criterion.pk: Decimal(value) for criterion, value in zip(criteria, values, strict=True)},
                comment=comment,
            )
    services.scores_lock(call=call, by=organiser)
    return call


def _author(branch: str, who) -> User:
    if who == "member":
        return User.objects.get(username="member")
    unit = unit_by_path(f"审计署/广州特派办/{branch}")
    # The demo logins are left out: the member enters the essay call in the demo, the secretary reviews.
    people = User.objects.filter(unit=unit, is_active=True).exclude(username__in=["member", "secretary"])
    return people.order_by("employee_no")[who]
