"""One way to write a date and time per language on member pages, and the phone tab bar's
section for pages under it."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.test import Client
from django.utils import formats, translation

from calls.models import Call
from lessons.services.attempts import attempt_start
from quizsite.templatetags.ui import in_section
from tests import factories

SHANGHAI = ZoneInfo("Asia/Shanghai")
MOMENT = datetime(2026, 12, 20, 0, 49, tzinfo=ZoneInfo("UTC"))  # 08:49 in Shanghai (TIME_ZONE)


@pytest.mark.parametrize(("language", "written"), [("zh-hans", "2026-12-20 08:49"), ("en", "20 Dec 2026 08:49")])
def test_every_way_a_page_writes_a_moment_gives_the_same_text_in_local_time(language, written):
    """A bare {{ moment }} (Django's DATETIME_FORMAT: "2026年12月20日 08:49", "Dec. 20, 2026, 8:49
    a.m."), the short format ("12/20/2026 8:49 AM") and the project's helper all read alike."""
    template = Template('{{ at }}|{{ at|date:"SHORT_DATETIME_FORMAT" }}|{{ at|date:"DATETIME_FORMAT" }}')
    with translation.override(language):
        shown = template.render(Context({"at": MOMENT})).split("|")
        assert shown == [written] * 3
        from quizsite.naming import local_moment

        assert local_moment(MOMENT) == written
        assert formats.date_format(MOMENT.astimezone(SHANGHAI).date(), "SHORT_DATE_FORMAT") == written.rsplit(" ", 1)[0]


@pytest.mark.parametrize(("language", "written"), [("zh-hans", "2026-12-20 08:49"), ("en", "20 Dec 2026 08:49")])
def test_a_call_page_writes_its_close_in_the_languages_format(tree, language, written):
    call = Call.objects.create(
        title="征文", unit=tree["audit"], kind=Call.Kind.ESSAY, opens_at=MOMENT.replace(month=11), closes_at=MOMENT
    )
    client = Client()
    client.force_login(factories.member(tree["gz1"]))
    client.cookies["django_language"] = language
    page = client.get(f"/calls/{call.pk}/").content.decode()
    assert written in page and "12/20/2026" not in page and "2026年12月20日" not in page


def test_the_tab_bar_marks_study_while_answering_and_home_only_on_home(tree):
    assert in_section("/study/attempts/12/", "/study/") and in_section("/study/", "/study/")
    assert not in_section("/study/attempts/12/", "/") and in_section("/", "/")
    assert not in_section("/lessons/", "/study/")
    bank = factories.bank(tree["audit"])
    member = factories.member(tree["gz1"])
    paper = factories.paper(tree["audit"], mode="practice", questions=[factories.question(bank, "true_false")])
    attempt = attempt_start(paper=paper, member=member)
    client = Client()
    client.force_login(member)
    page = client.get(f"/study/attempts/{attempt.pk}/").content.decode()
    tabbar = page.split('id="tabbar"')[1].split("</nav>")[0]
    active = [link for link in tabbar.split("<a ")[1:] if 'class="active"' in link]
    assert len(active) == 1 and 'href="/study/"' in active[0]
