"""Demo question bank and papers (one of each mode). Seeding again changes nothing."""

from lessons.models import Paper, PaperRule, QuestionBank
from lessons.services.points import point_rules_ensure_defaults
from lessons.services.questions import bank_create, questions_bulk_create
from lessons.validation import QuestionContent, check_question
from orgs.selectors import unit_by_path

# type, stem, options, key, explanation, difficulty, knowledge points
QUESTIONS = [
    (
        "single",
        "中国共产党的最高理想和最终目标是？",
        ["实现共产主义", "全面建成小康社会", "实现社会主义现代化", "实现共同富裕"],
        ["A"],
        "党章总纲：党的最高理想和最终目标是实现共产主义。",
        1,
        ["党章", "理想信念"],
    ),
    (
        "single",
        "中国共产党的根本宗旨是？",
        ["全心全意为人民服务", "发展是第一要务", "实事求是", "依法治国"],
        ["A"],
        "全心全意为人民服务是党的根本宗旨。",
        1,
        ["党章", "宗旨"],
    ),
    (
        "single",
        "党的思想路线的核心是？",
        ["实事求是", "解放思想", "与时俱进", "求真务实"],
        ["A"],
        "",
        2,
        ["党章", "思想路线"],
    ),
    (
        "single",
        "预备党员的预备期为？",
        ["半年", "一年", "两年", "三年"],
        ["B"],
        "党章第七条：预备党员的预备期为一年。",
        1,
        ["党章", "党员"],
    ),
    (
        "single",
        "党的基层组织一般每几年进行一次换届选举？",
        ["两年", "三年或五年", "四年", "六年"],
        ["B"],
        "党的基层委员会每届任期三年至五年。",
        3,
        ["党章", "基层组织"],
    ),
    (
        "single",
        "党员如果没有正当理由，连续几个月不参加党的组织生活，就被认为是自行脱党？",
        ["三个月", "六个月", "九个月", "十二个月"],
        ["B"],
        "党章第九条。",
        2,
        ["党章", "党员"],
    ),
    (
        "single",
        "中国共产党第一次全国代表大会召开于？",
        ["1919年", "1921年", "1927年", "1935年"],
        ["B"],
        "1921年7月，党的一大在上海召开，后转移至浙江嘉兴南湖。",
        1,
        ["党史"],
    ),
    (
        "single",
        "遵义会议召开于？",
        ["1934年", "1935年", "1936年", "1937年"],
        ["B"],
        "1935年1月，遵义会议确立了毛泽东在党中央和红军的领导地位。",
        2,
        ["党史"],
    ),
    (
        "single",
        "“两个维护”是指坚决维护习近平总书记党中央的核心、全党的核心地位和？",
        ["坚决维护党中央权威和集中统一领导", "坚决维护宪法权威", "坚决维护人民利益", "坚决维护国家安全"],
        ["A"],
        "",
        2,
        ["政治建设"],
    ),
    (
        "single",
        "审计机关对本级各部门预算执行情况进行审计监督的依据是？",
        [
            "《中华人民共和国审计法》",
            "《中华人民共和国预算法》",
            "《中华人民共和国会计法》",
            "《中华人民共和国统计法》",
        ],
        ["A"],
        "审计法规定审计机关对本级各部门（含直属单位）预算执行情况进行审计监督。",
        3,
        ["审计业务"],
    ),
    (
        "multiple",
        "“四个意识”包括？",
        ["政治意识", "大局意识", "核心意识", "看齐意识"],
        ["A", "B", "C", "D"],
        "增强政治意识、大局意识、核心意识、看齐意识。",
        1,
        ["政治建设"],
    ),
    (
        "multiple",
        "“四个自信”包括？",
        ["道路自信", "理论自信", "制度自信", "文化自信", "历史自信"],
        ["A", "B", "C", "D"],
        "中国特色社会主义道路自信、理论自信、制度自信、文化自信。",
        2,
        ["理想信念"],
    ),
    (
        "multiple",
        "党的纪律处分工作应当坚持的原则有？",
        ["党要管党、从严治党", "党纪面前一律平等", "实事求是", "惩前毖后、治病救人"],
        ["A", "B", "C", "D"],
        "",
        3,
        ["纪律建设"],
    ),
    (
        "multiple",
        "党的纪律包括？",
        ["政治纪律", "组织纪律", "廉洁纪律", "群众纪律", "工作纪律", "生活纪律"],
        ["A", "B", "C", "D", "E", "F"],
        "六项纪律。",
        2,
        ["纪律建设"],
    ),
    (
        "multiple",
        "“三会一课”中的“三会”是指？",
        ["支部党员大会", "支部委员会", "党小组会", "民主生活会"],
        ["A", "B", "C"],
        "“一课”是党课。",
        2,
        ["组织生活"],
    ),
    (
        "multiple",
        "中央八项规定精神涉及的方面包括？",
        ["改进调查研究", "精简会议活动", "精简文件简报", "厉行勤俭节约"],
        ["A", "B", "C", "D"],
        "",
        2,
        ["作风建设"],
    ),
    (
        "multiple",
        "下列属于党员权利的有？",
        ["参加党的有关会议", "在党的会议上参加讨论", "行使表决权、选举权", "在党内拥有特权"],
        ["A", "B", "C"],
        "党员没有任何特权。",
        2,
        ["党章", "党员"],
    ),
    (
        "multiple",
        "新时代党的建设总要求中，以党的政治建设为统领，全面推进党的？",
        ["思想建设", "组织建设", "作风建设", "纪律建设"],
        ["A", "B", "C", "D"],
        "",
        3,
        ["党的建设"],
    ),
    ("true_false", "党员必须履行党员义务，并享有党员权利。", [], [True], "", 1, ["党章", "党员"]),
    (
        "true_false",
        "党的最高领导机关是党的全国代表大会和它所产生的中央委员会。",
        [],
        [True],
        "党章第十条。",
        2,
        ["党章"],
    ),
    (
        "true_false",
        "预备党员享有表决权、选举权和被选举权。",
        [],
        [False],
        "预备党员没有表决权、选举权和被选举权。",
        2,
        ["党章", "党员"],
    ),
    ("true_false", "民主集中制是党的根本组织原则。", [], [True], "", 1, ["党章", "组织原则"]),
    ("true_false", "党支部委员会每届任期五年。", [], [False], "党支部委员会每届任期三年或五年。", 3, ["基层组织"]),
    (
        "true_false",
        "党员领导干部应当以普通党员身份参加所在党支部或党小组的组织生活。",
        [],
        [True],
        "双重组织生活制度。",
        1,
        ["组织生活"],
    ),
    (
        "true_false",
        "审计机关依照法律规定独立行使审计监督权，不受其他行政机关、社会团体和个人的干涉。",
        [],
        [True],
        "宪法第九十一条。",
        2,
        ["审计业务"],
    ),
    (
        "true_false",
        "“三重一大”事项可以由主要负责人个人决定。",
        [],
        [False],
        "重大事项决策、重要干部任免、重大项目安排和大额资金使用须集体决策。",
        2,
        ["作风建设"],
    ),
    ("fill_blank", "中国共产党成立于____年。", [], [["1921", "一九二一"]], "", 1, ["党史"]),
    ("fill_blank", "党的根本组织原则是____。", [], [["民主集中制"]], "", 1, ["党章", "组织原则"]),
    (
        "fill_blank",
        "党的思想路线是一切从实际出发，理论联系实际，____，在实践中检验真理和发展真理。",
        [],
        [["实事求是"]],
        "",
        2,
        ["党章", "思想路线"],
    ),
    ("fill_blank", "“三会一课”中的“一课”指按时上好____。", [], [["党课"]], "", 1, ["组织生活"]),
    (
        "fill_blank",
        "党的纪律处分种类有警告、严重警告、撤销党内职务、____和开除党籍。",
        [],
        [["留党察看"]],
        "",
        2,
        ["纪律建设"],
    ),
    ("fill_blank", "党的十九大召开于____年，党的二十大召开于____年。", [], [["2017"], ["2022"]], "", 2, ["党史"]),
]

PAPERS = [
    {
        "title": "党章党规练习",
        "title_en": "Party Constitution and rules: practice",
        "mode": "practice",
        "description": "随时练习，答完即看解析。",
        "description_en": "Practise any time; the explanations follow each answer.",
        "rules": [{"count": 10}],
    },
    {
        "title": "每日答题",
        "title_en": "Daily quiz",
        "mode": "daily",
        "description": "每天 5 题，每答对一题积 1 分。",
        "description_en": "Five questions a day; one point for each right answer.",
        "rules": [{"count": 5}],
    },
    {
        "title": "2026 年党章党规知识测验",
        "title_en": "2026 Party Constitution and rules test",
        "mode": "exam",
        "description": "限时 10 分钟，共 12 题，可作答 2 次，按最高分计。",
        "description_en": "12 questions in 10 minutes; two attempts, the best one counts.",
        "time_limit_s": 600,
        "max_attempts": 2,
        "rules": [
            {"type": "single", "count": 5},
            {"type": "multiple", "count": 3},
            {"type": "true_false", "count": 2},
            {"type": "fill_blank", "count": 2},
        ],
    },
    {
        "title": "挑战答题",
        "title_en": "Challenge",
        "mode": "challenge",
        "description": "每题 20 秒，答错即止，看您能连对几题。",
        "description_en": "20 seconds a question, until the first wrong answer: how many can you get right in a row?",
        "question_time_s": 20,
        "rules": [{"count": 30}],
    },
]


def seed(stdout) -> None:
    point_rules_ensure_defaults()
    organ = unit_by_path("审计署")
    bank = QuestionBank.objects.filter(slug="demo-dangzhang").first() or bank_create(
        slug="demo-dangzhang",
        name="党章党规与党史知识",
        name_en="Party Constitution, rules and history",
        unit=organ,
        description="演示题库",
    )
    if not bank.questions.exists():
        contents = [
            check_question(QuestionContent(type=t, stem=s, options=o, key=k, explanation=e, difficulty=d, tags=tags))
            for t, s, o, k, e, d, tags in QUESTIONS
        ]
        questions_bulk_create(bank=bank, contents=contents)
    for spec in PAPERS:
        spec = dict(spec)
        rules = spec.pop("rules")
        # The organ's demo papers are finished ones, published for members (a new paper starts a draft).
        spec["status"] = Paper.Status.PUBLISHED
        paper, created = Paper.objects.get_or_create(title=spec.pop("title"), unit=organ, defaults=spec)
        if created:
            PaperRule.objects.bulk_create([PaperRule(paper=paper, bank=bank, **rule) for rule in rules])
    stdout.write(
        f"Demo study: bank {bank.slug} with {bank.questions.count()} questions, "
        f"{Paper.objects.filter(unit=organ).count()} papers (practice, daily quiz, timed exam, challenge)."
    )
    seed_office(stdout)


def seed_office(stdout) -> None:
    """A bank and a practice paper of 广州特派办, so the demo organiser (who looks after that
    office, not the whole organ) has a bank to edit and a paper of their own in their lists."""
    office = unit_by_path("审计署/广州特派办")
    if office is None:
        return
    bank = QuestionBank.objects.filter(slug="demo-guangzhou").first() or bank_create(
        slug="demo-guangzhou",
        name="广州特派办业务学习（演示）",
        name_en="Guangzhou Office working knowledge (demo)",
        unit=office,
        description="演示题库：组织者可编辑",
        # Used by no exam or contest, so it is the demo's bank open for practice by topic.
        open_for_practice=True,
    )
    if not bank.questions.exists():
        contents = [
            check_question(QuestionContent(type=t, stem=s, options=o, key=k, explanation=e, difficulty=d, tags=tags))
            for t, s, o, k, e, d, tags in QUESTIONS[:10]
        ]
        questions_bulk_create(bank=bank, contents=contents)
    paper, created = Paper.objects.get_or_create(
        title="广州特派办周周练（演示）",
        unit=office,
        # A draft: the organiser finishes and publishes it; members see only the organ's papers.
        defaults={
            "title_en": "Guangzhou Office weekly practice (demo)",
            "mode": "practice",
            "status": "draft",
            "description": "特派办自己的练习，组织者可管理。",
            "description_en": "The office's own practice, managed by its organisers.",
        },
    )
    if created:
        PaperRule.objects.create(paper=paper, bank=bank, count=5)
    stdout.write(f"Demo office study: bank {bank.slug} and a practice paper of 广州特派办.")


SERIES_DESCRIPTION = "审计署机关讲堂的演示系列：按顺序学习，本页显示每一讲的进度和下一讲。"
SERIES_DESCRIPTION_EN = (
    "The organ's lecture hall, for the demo: its lessons in order, with your progress in each and the next to watch."
)


def seed_lessons(stdout) -> None:
    """A lecture-hall series with one short required micro-class, made by ffmpeg when installed."""
    import tempfile
    from pathlib import Path

    from . import video
    from .models import Lesson, Series
    from .services import videos

    organ = unit_by_path("审计署")
    series, _created = Series.objects.get_or_create(
        slug="demo-jiangtang",
        defaults={
            "title": "机关讲堂（演示）",
            "title_en": "Lecture hall (demo)",
            "unit": organ,
            "description": SERIES_DESCRIPTION,
            "description_en": SERIES_DESCRIPTION_EN,
        },
    )
    if not series.description_en:  # a demo seeded before series had English descriptions
        Series.objects.filter(pk=series.pk).update(description=SERIES_DESCRIPTION, description_en=SERIES_DESCRIPTION_EN)
    if Lesson.objects.filter(series=series, status=Lesson.Status.READY).exists():
        return
    if video.tools_missing():
        stdout.write("Demo micro-class skipped: ffmpeg is not installed (apt-get install ffmpeg).")
        return
    with tempfile.TemporaryDirectory() as scratch:
        clip = Path(scratch) / "demo.mp4"
        video.make_test_clip(clip, seconds=30)
        # Made by 广州特派办 (so the demo organiser manages it) for the whole organ's audience.
        lesson = videos.lesson_create(
            title="学习党章：第一讲（演示）",
            title_en="The Party Constitution, lecture 1 (demo)",
            unit=unit_by_path("审计署/广州特派办") or organ,
            series=series,
            speaker="王老师",
            required=True,
            description="演示用的 30 秒测试画面：必修课不能快进，看满 90% 计入学时。",
            description_en="A 30-second test picture for the demo: a required lesson cannot be skipped "
            "ahead; watching 90% of it counts towards study hours.",
            published=True,  # a finished lesson members watch (a new lesson starts a draft)
        )
        lesson.audience.add(organ)
        videos.lesson_attach_file(lesson=lesson, path=clip)
        videos.lesson_process(lesson_id=lesson.pk)
    stdout.write("Demo micro-class: 机关讲堂（演示） with one required 30 s lesson.")
