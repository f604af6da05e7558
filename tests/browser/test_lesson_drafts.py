"""An organiser prepares a micro-class as a draft, previews it as a member would, publishes it and
takes it back to a draft; the member meets it only while it is published."""

import pytest
from django.conf import settings as django_settings
from playwright.sync_api import expect

from lessons.models import Lesson
from lessons.services import videos
from tests import factories
from tests.browser.test_shell import sign_in
from tests.lessons.videos import make_clip

pytestmark = pytest.mark.browser


@pytest.fixture
def draft_lesson(transactional_db, tree, tmp_path, processed_once):
    made = videos.lesson_create(title="学习党章：草稿课", title_en="The Constitution (draft)", unit=tree["gz"])
    videos.lesson_attach_file(lesson=made, path=make_clip(tmp_path / "clip.mp4", seconds=4))
    return videos.lesson_process(lesson_id=made.pk)


def test_organiser_previews_and_publishes_a_draft_the_member_sees_only_once_published(
    live_server, draft_lesson, tree, page_factory, screenshot
):
    lesson = draft_lesson
    assert lesson.status == Lesson.Status.READY, lesson.failure
    factories.organiser(tree["gz"], username="org", password=django_settings.DEMO_PASSWORD)
    factories.member(tree["gz1"], username="viewer", password=django_settings.DEMO_PASSWORD)
    base = live_server.url
    organiser = page_factory(locale="zh-CN")
    sign_in(organiser, base, "org")
    member = page_factory(phone=True, locale="zh-CN")
    sign_in(member, base, "viewer")
    in_library = member.locator(f"a[href='/lessons/{lesson.pk}/']")

    # The list says it is a draft; the preview shows the member's page under a banner.
    organiser.goto(f"{base}/lessons/manage/")
    expect(organiser.locator("#lesson-table [data-publication='draft']")).to_have_text("草稿")
    organiser.click(f"#preview-{lesson.pk}")
    expect(organiser.locator("#preview-banner")).to_contain_text("预览——党员暂时看不到。")
    expect(organiser.locator("h1")).to_contain_text("学习党章：草稿课")

    # The member sees nothing of it: not in the library, and its link finds no lesson (they never
    # watched it: nothing of theirs is "kept").
    member.goto(f"{base}/lessons/")
    expect(in_library).to_have_count(0)
    member.goto(f"{base}/lessons/{lesson.pk}/")
    expect(member.locator("h1")).to_contain_text("页面不存在")

    # Published from its settings: the page says so, and the member finds it.
    organiser.click("#preview-banner a")
    organiser.click(f"#publish-{lesson.pk}")
    expect(organiser.locator("#publication-state")).to_have_text("已发布")
    expect(organiser.locator(f"#publication-detail-{lesson.pk}")).to_have_text("观看范围内的党员现在可以观看。")
    member.goto(f"{base}/lessons/")
    expect(in_library).to_have_count(1)

    # Back to a draft: gone for the member again.
    organiser.click(f"#unpublish-{lesson.pk}")
    expect(organiser.locator("#publication-state")).to_have_text("草稿")
    member.goto(f"{base}/lessons/")
    expect(in_library).to_have_count(0)
    assert Lesson.objects.get(pk=lesson.pk).publication == Lesson.Publication.DRAFT


@pytest.mark.parametrize("locale", ["zh-CN", "en-GB"])
def test_draft_pages_on_a_phone_and_a_desktop(live_server, draft_lesson, tree, page_factory, screenshot, locale):
    """The list, the settings' publication card and the preview banner, at 390 px and 1366 px:
    nothing pushes the page wider than the screen."""
    lesson = draft_lesson
    factories.organiser(tree["gz"], username="org", password=django_settings.DEMO_PASSWORD)
    factories.member(tree["gz1"], username="viewer", password=django_settings.DEMO_PASSWORD)
    for name, viewport in (("phone", {"width": 390, "height": 844}), ("desktop", {"width": 1366, "height": 900})):
        page = page_factory(phone=name == "phone", locale=locale, viewport=viewport)
        sign_in(page, live_server.url, "org")
        for url, shot in (
            ("/lessons/manage/", "list"),
            (f"/lessons/{lesson.pk}/settings/", "settings"),
            (f"/lessons/{lesson.pk}/", "preview"),
        ):
            page.goto(live_server.url + url)
            assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"], (url, name)
            screenshot(page, f"lesson-draft-{shot}-{name}-{locale}")
    videos.lesson_publish(lesson=lesson)
    page.goto(f"{live_server.url}/lessons/{lesson.pk}/settings/")
    screenshot(page, f"lesson-draft-settings-published-desktop-{locale}")
