"""Walk every page reachable from the menu, in both languages, as the four demo people.

Fails on a server error, on a link into /admin/ shown to someone who is not a superuser (except the
few authoring screens still being replaced, listed below), and on text left in English on a
Chinese page when the catalogue has its translation.
"""

import re
from html.parser import HTMLParser
from io import StringIO
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client

from lessons import video
from orgs.models import User
from tests.lessons.videos import ffmpeg_steps_once

# Not pages: downloads, media, sockets' helpers, the API and its documentation, and sign-out.
SKIPPED = re.compile(r"^/(static|media|api|i18n|admin)/|\.(xlsx|pdf|json|csv|vtt|m3u8|mp4)$|/accounts/logout/")
MAX_PAGES = 120
SPACE_AFTER_FULL_WIDTH_STOP = re.compile(r"[。！？：；，、]\s+[\u4e00-\u9fff]")
DEPTH = 2


class Links(HTMLParser):
    """The hrefs of a page and its visible text (scripts, styles and attributes left out, and
    what a form's text areas hold: like an input's value, the text as the organiser typed it)."""

    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []
        self.text: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "template", "textarea"):
            self._skip += 1
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.hrefs.append(href)

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template", "textarea") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.text.append(data.strip())


def visible_texts(html: str) -> list[str]:
    parser = Links()
    parser.feed(html)
    return parser.text


def titles_with_english_names() -> dict[str, str]:
    """Titles and descriptions of demo data as typed (Chinese) against the English name each was
    given. Prize names are left out: the demo calls' prizes (一等奖) have no English names."""
    from contests.models import Contest
    from lessons.models import Lesson, Paper, QuestionBank, Series
    from rankings.models import RankingRule

    found = dict(QuestionBank.objects.exclude(name_en="").values_list("name", "name_en"))
    for model in (Paper, Series, Lesson, Contest, RankingRule):
        found |= dict(model.objects.exclude(title_en="").values_list("title", "title_en"))
    for model in (Paper, Lesson):
        found |= dict(model.objects.exclude(description_en="").values_list("description", "description_en"))
    return found


def translated_msgids() -> list[str]:
    """English msgids the Chinese catalogue translates: whole phrases without placeholders, long
    enough that finding one in a page means it was left untranslated, not a coincidence."""
    catalogue = (Path(settings.BASE_DIR) / "locale/zh_Hans/LC_MESSAGES/django.po").read_text(encoding="utf-8")
    found = []
    for block in catalogue.split("\n\n"):
        if "#, fuzzy" in block or "msgid_plural" in block:
            continue
        match = re.search(r'^msgid "(.*)"\nmsgstr "(.+)"$', block, re.M)
        if not match:
            continue
        msgid, msgstr = match.groups()
        if msgid != msgstr and " " in msgid and len(msgid) >= 12 and "%" not in msgid and "{" not in msgid:
            found.append(msgid.replace('\\"', '"'))
    return found


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        with pytest.MonkeyPatch.context() as patch:
            if not video.tools_missing():
                # The demo's videos through ffmpeg's steps once a process for the same clip (the
                # call's four entries are one; a lesson processed in this process before is copied):
                # the walk reads the pages of processed videos, the processing has tests of its own.
                ffmpeg_steps_once(patch)
            call_command("seed_demo", stdout=StringIO())
        yield
        # Without restarting the sequences: ids that repeat would meet what processes keep by id.
        call_command("flush", interactive=False, verbosity=0, reset_sequences=False)


def walk(client: Client) -> dict[str, str]:
    """GET every same-site page linked from home and the pages it links to (to DEPTH), one URL
    per path (the first query string seen); returns each path's HTML."""
    pages: dict[str, str] = {}
    frontier = ["/"]
    seen = {"/"}
    for _depth in range(DEPTH + 1):
        following = []
        for url in frontier:
            if len(pages) >= MAX_PAGES:
                break
            response = client.get(url)
            assert response.status_code < 500, f"{url} answered {response.status_code}"
            if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
                continue
            html = response.content.decode()
            pages[url] = html
            parser = Links()
            parser.feed(html)
            for href in parser.hrefs:
                parts = urlsplit(href)
                if parts.scheme or parts.netloc or not parts.path.startswith("/") or SKIPPED.search(parts.path):
                    continue
                if parts.path not in seen:
                    seen.add(parts.path)
                    following.append(parts.path + (f"?{parts.query}" if parts.query else ""))
        frontier = following
    return pages


@pytest.mark.django_db
@pytest.mark.parametrize("username", ["member", "organiser", "admin", "secretary"])
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_page_from_the_menu_loads_links_no_admin_screen_and_is_translated(demo, username, language):
    user = User.objects.get(username=username)
    assert not user.is_superuser
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    client.force_login(user)

    pages = walk(client)

    assert len(pages) > 5, sorted(pages)
    admin_links = set()
    for url, html in pages.items():
        parser = Links()
        parser.feed(html)
        admin_links |= {(url, href) for href in parser.hrefs if href.startswith("/admin")}
    assert not admin_links, f"links into /admin/ for {username}: {sorted(admin_links)}"

    if language == "zh-hans":
        msgids = translated_msgids()
        untranslated = set()
        for url, html in pages.items():
            parser = Links()
            parser.feed(html)
            text = "\n".join(parser.text)
            untranslated |= {(url, msgid) for msgid in msgids if msgid in text}
        assert not untranslated, f"left in English for {username}: {sorted(untranslated)}"
        # Chinese takes no space after its full-width punctuation: "1 人未完成：张三", not "： 张三"
        # (sentences translated one by one and joined with " " go through {% sentences %}).
        spaced = {
            (url, text)
            for url, html in pages.items()
            for text in visible_texts(html)
            if SPACE_AFTER_FULL_WIDTH_STOP.search(text)
        }
        assert not spaced, f"a space after full-width punctuation for {username}: {sorted(spaced)}"
    else:
        titles = titles_with_english_names()
        assert len(titles) >= 8, titles  # banks, papers, the series, the contest, the boards
        shown_in_chinese, shown_in_english = set(), set()
        for url, html in pages.items():
            parser = Links()
            parser.feed(html)
            text = "\n".join(parser.text)
            shown_in_chinese |= {(url, title) for title in titles if title in text}
            shown_in_english |= {english for english in titles.values() if english in text}
        assert not shown_in_chinese, f"titles with an English name left in Chinese: {sorted(shown_in_chinese)}"
        assert shown_in_english, "no demo title was shown by its English name"


@pytest.mark.django_db
def test_the_demo_organiser_has_a_bank_to_edit_and_sees_demo_papers_and_lessons(demo):
    from lessons.models import Lesson, QuestionBank
    from orgs import access

    organiser = User.objects.get(username="organiser")
    bank = QuestionBank.objects.get(slug="demo-guangzhou")
    assert access.can_manage_unit(organiser, bank.unit) and bank.questions.count() == 10
    client = Client()
    client.force_login(organiser)
    assert "广州特派办周周练（演示）" in client.get("/papers/").content.decode()
    lesson = Lesson.objects.filter(series__slug="demo-jiangtang").first()
    if lesson is not None:  # made only where ffmpeg is installed
        assert access.can_manage_unit(organiser, lesson.unit)
        assert lesson.title in client.get("/lessons/manage/").content.decode()
        # Still for the whole organ, not only 广州特派办's subtree.
        assert set(lesson.audience.values_list("name", flat=True)) == {"审计署"}
