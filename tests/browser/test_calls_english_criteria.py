"""A rubric's criteria with an optional English name: typed on the organiser's call form, read by
judges on the judging page and on the night's phone in the page's language, and as typed where no
English name was given."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.utils import timezone

from calls import services as call_services
from calls.live import services as night_services
from calls.models import Assignment, Call, Entry, Panel
from tests import factories
from tests.calls.night import speech_night

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
# 内容 has an English name, 表达 / 文采 none: English pages show "Content" and the other as typed.
SHOWN = {"zh-hans": ("内容", "Content"), "en": ("Content", "内容")}


@pytest.fixture
def rubrics(transactional_db):
    tree = factories.org_tree()
    setup = speech_night(tree)
    setup["call"].criteria.filter(name="内容").update(name_en="Content")
    night, host = setup["night"], setup["host"]
    night_services.night_draw(night=night, by=host, seed="hall-A")
    night_services.speaker_call(night=night, by=host)
    night_services.scoring_open(night=night, by=host)

    now = timezone.now()
    essay = Call.objects.create(
        title="学习二十大征文",
        unit=tree["audit"],
        kind=Call.Kind.ESSAY,
        opens_at=now - timedelta(days=10),
        closes_at=now - timedelta(days=1),
        judges_per_entry=1,
    )
    call_services.call_settings_save(
        call=essay,
        levels=[],
        criteria=[
            ("内容", Decimal("0.6"), Decimal(0), Decimal(100), "Content"),
            ("文采", Decimal("0.4"), Decimal(0), Decimal(100)),
        ],
        tiers=[],
    )
    author = factories.member(tree["gz1"], username="essayist", real_name="写作者")
    Entry.objects.create(call=essay, author=author, unit=tree["gz1"], title="我的征文", status=Entry.Status.FINALIST)
    panel = Panel.objects.create(call=essay, name="评审组")
    panel.judges.set([setup["judges"][0]])
    call_services.assignment_run(call=essay, panel=panel, by=host, seed="x")
    return setup | {"essay": essay, "assignment": Assignment.objects.get(entry__call=essay)}


def in_language(page, server: str, language: str):
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": server}])
    return page


def both_sizes(page, screenshot, name: str) -> None:
    for size, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        page.set_viewport_size(viewport)
        screenshot(page, f"{name}-{size}")


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_judges_read_the_rubric_in_the_pages_language_and_organisers_type_it_on_the_call_form(
    asgi_server, rubrics, signed_in_page, screenshot, language
):
    shown, hidden = SHOWN[language]
    judge = in_language(signed_in_page(rubrics["judges"][0], phone=True), asgi_server, language)

    judge.goto(f"{asgi_server}/calls/judging/{rubrics['assignment'].pk}/")
    labels = [label.inner_text() for label in judge.locator("label[for^=criterion-]").all()]
    assert labels[0].startswith(shown) and labels[1].startswith("文采"), labels
    assert hidden not in judge.locator("main").inner_text()
    both_sizes(judge, screenshot, f"criteria-judging-{language}")

    # The night's phone builds its form from the frame: the name in the page's language.
    judge.set_viewport_size(PHONE)
    judge.goto(f"{asgi_server}/calls/{rubrics['call'].pk}/night/judge/")
    judge.locator("#criteria label").nth(1).wait_for()
    names = [name.inner_text() for name in judge.locator("#criteria label b").all()]
    assert names == [shown, "表达"], names
    both_sizes(judge, screenshot, f"criteria-night-judge-{language}")

    organiser = in_language(signed_in_page(rubrics["host"]), asgi_server, language)
    organiser.goto(f"{asgi_server}/calls/manage/{rubrics['essay'].pk}/edit/")
    assert organiser.locator("#id_criteria-0-name_en").input_value() == "Content"
    assert organiser.locator("#id_criteria-1-name_en").input_value() == ""
    both_sizes(organiser, screenshot, f"criteria-call-form-{language}")
