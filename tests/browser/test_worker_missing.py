"""With a broker but no worker running, a ranking's computation and a question import sat at
"queued 0%" for ever and their pages never said why (the administrator's walk, `make run` with
REDIS_URL set). Once a job has waited longer than BACKGROUND_QUEUE_PATIENCE_S, its page says the
background worker does not seem to be running and whom to tell, in the page's language."""

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from lessons.models import ImportJob, Lesson
from lessons.services import videos
from rankings.models import RankingRun
from tests import factories

pytestmark = pytest.mark.browser

SHOTS = Path(os.environ.get("SHOTS_DIR", "/tmp/shots/orgfix"))
TEXTS = {
    "zh-CN": "后台任务进程似乎没有运行",
    "en-US": "The background worker does not seem to be running.",
}


@pytest.fixture
def no_worker(settings):
    """A broker is configured (tasks are not run inline) and nothing takes the jobs. The patience
    starts at an hour, so that a slow browser start cannot make a fresh job look forgotten;
    `patience(30)` sets the default's."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.BACKGROUND_QUEUE_PATIENCE_S = 3600

    def patience(seconds: int) -> None:
        settings.BACKGROUND_QUEUE_PATIENCE_S = seconds

    return patience


def _waited(model, pk: int, field: str, seconds: int) -> None:
    model.objects.filter(pk=pk).update(**{field: timezone.now() - timedelta(seconds=seconds)})


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_a_ranking_run_queued_too_long_says_the_worker_is_not_running(asgi_server, no_worker, signed_in_page, locale):
    root = factories.unit_at("审计署", kind="organ")
    admin = factories.administrator(root, username="boss")
    rule = factories.ranking_rule(root, slug="points", sources=[{"kind": "points"}])
    run = RankingRun.objects.create(rule=rule, requested_by=admin)
    _waited(RankingRun, run.pk, "created_at", 5)  # a worker may still be on its way
    for phone in (False, True):
        page = signed_in_page(admin, locale=locale, phone=phone)
        page.goto(f"{asgi_server}/rankings/points/manage/")
        expect(page.locator("#run-card")).to_be_visible()
        if not phone:
            expect(page.locator("#worker-missing")).to_be_hidden()
            # Still queued past the patience: the page's polling brings the notice, no reload.
            _waited(RankingRun, run.pk, "created_at", 31)
            no_worker(30)
        notice = page.locator("#worker-missing")
        expect(notice).to_be_visible()
        expect(notice).to_contain_text(TEXTS[locale])
        expect(notice).not_to_contain_text("celery")
        if not phone:
            page.reload()  # for the picture: the patience the page names is the one set when it loaded
            expect(notice).to_be_visible()
        page.screenshot(path=str(SHOTS / f"ranking-run-worker-missing-{locale}-{'phone' if phone else 'desk'}.png"))
    RankingRun.objects.filter(pk=run.pk).update(status=RankingRun.Status.RUNNING)
    page = signed_in_page(admin, locale=locale)
    page.goto(f"{asgi_server}/rankings/points/manage/")
    expect(page.locator("#run-status")).to_be_visible()
    expect(page.locator("#worker-missing")).to_be_hidden()  # a worker took it


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_a_question_import_waiting_too_long_says_the_worker_is_not_running(
    asgi_server, no_worker, signed_in_page, locale
):
    unit = factories.unit_at("审计署", kind="organ")
    organiser = factories.organiser(unit, username="org")
    bank = factories.bank(unit, slug="party-history")
    job = ImportJob.objects.create(
        bank=bank, filename="题库.xlsx", format="xlsx", created_by=organiser, confirmed_at=timezone.now()
    )
    _waited(ImportJob, job.pk, "confirmed_at", 5)
    page = signed_in_page(organiser, locale=locale)
    page.goto(asgi_server + reverse("lessons:import_job", args=[job.pk]))
    expect(page.locator("#job-status")).to_be_visible()
    expect(page.locator("#worker-missing")).to_be_hidden()
    _waited(ImportJob, job.pk, "confirmed_at", 31)
    no_worker(30)
    expect(page.locator("#worker-missing")).to_be_visible()
    page.reload()  # for the picture: the patience the page names is the one set when it loaded
    expect(page.locator("#worker-missing")).to_contain_text(TEXTS[locale])
    page.screenshot(path=str(SHOTS / f"import-worker-missing-{locale}-desk.png"))


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_a_lesson_video_waiting_too_long_says_the_worker_is_not_running_on_its_organisers_pages(
    asgi_server, no_worker, signed_in_page, locale
):
    """Its processing was queued and no worker took it: the list, the settings and the upload page
    said "Processing" for ever. Queued 5 s ago nothing is said yet; past the patience all three say
    it (the list once above its table, and on the lesson's row)."""
    unit = factories.unit_at("审计署", kind="organ")
    organiser = factories.organiser(unit, username="org")
    lesson = videos.lesson_create(title="党章第一讲", unit=unit, by=organiser)
    Lesson.objects.filter(pk=lesson.pk).update(
        status=Lesson.Status.PROCESSING, source=f"lessons/{lesson.pk}/source.mp4"
    )
    _waited(Lesson, lesson.pk, "processing_queued_at", 5)
    pages = {
        "lesson-list": reverse("lessons:lesson_manage"),
        "lesson-settings": reverse("lessons:lesson_settings", args=[lesson.pk]),
        "lesson-upload": reverse("lessons:lesson_upload", args=[lesson.pk]),
    }
    page = signed_in_page(organiser, locale=locale)
    for url in pages.values():
        page.goto(asgi_server + url)
        expect(page.locator("h1")).to_be_visible()
        expect(page.locator("#worker-missing")).to_be_hidden()
    _waited(Lesson, lesson.pk, "processing_queued_at", 31)
    no_worker(30)
    for phone in (False, True):
        page = signed_in_page(organiser, locale=locale, phone=phone)
        for name, url in pages.items():
            page.goto(asgi_server + url)
            notice = page.locator("#worker-missing")
            expect(notice).to_be_visible()
            expect(notice).to_contain_text(TEXTS[locale])
            if name == "lesson-list":
                expect(page.locator(f"#waiting-for-worker-{lesson.pk}")).to_be_visible()
            assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") == 0
            page.screenshot(
                path=str(SHOTS / f"{name}-worker-missing-{locale}-{'phone' if phone else 'desk'}.png"), full_page=True
            )
