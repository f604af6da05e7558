"""The member's micro-class library a page at a time: an organ publishes hundreds of lessons, and
one page of them all was 18,000 pixels tall on a phone. The search and the filter go from page to
page, and a page number that is not one lands on a page, as Django's paginator does everywhere."""

import lxml.html
import pytest
from django.urls import reverse

from lessons.models import Lesson, Series, WatchProgress
from lessons.views import videos
from tests import factories


@pytest.fixture
def small_pages(monkeypatch):
    monkeypatch.setattr(videos, "LIBRARY_PAGE_SIZE", 2, raising=False)


def published(title: str, unit, **fields) -> Lesson:
    return Lesson.objects.create(
        title=title, unit=unit, status=Lesson.Status.READY, publication=Lesson.Publication.PUBLISHED, **fields
    )


@pytest.fixture
def library(tree):
    """Five lessons of one series in its order, a member who finished the second; and one lesson
    of another organ that the member never sees."""
    series = Series.objects.create(slug="dangke", title="党课", unit=tree["audit"])
    lessons = [
        published(title, tree["audit"], series=series, position=n, required=n != 3)
        for n, title in enumerate(["党章一", "党章二", "廉政三", "党章四", "党章五"], start=1)
    ]
    published("财政课", tree["mof"])
    member = factories.member(tree["gz1"], real_name="张党员")
    WatchProgress.objects.create(member=member, lesson=lessons[1], completed_at=member.date_joined)
    return {"member": member, "lessons": lessons}


def titles(response) -> list[str]:
    return [item["lesson"].title for item in response.context["items"]]


def test_the_library_lists_its_lessons_a_page_at_a_time(library, small_pages):
    client = factories.client_in("en", library["member"])
    url = reverse("lessons:library")

    pages = [titles(client.get(url, {"page": n})) for n in (1, 2, 3)]

    assert pages == [["党章一", "党章二"], ["廉政三", "党章四"], ["党章五"]]
    html = client.get(url).content.decode()
    assert "Page 1 of 3" in html
    assert 'href="?page=2"' in html
    # Each card says what the member did on its own page too: the second lesson is completed.
    assert [item["done"] for item in client.get(url).context["items"]] == [False, True]


def test_the_next_page_keeps_the_search_and_the_filter(library, small_pages):
    client = factories.client_in("zh-hans", library["member"])
    url = reverse("lessons:library")

    first = client.get(url, {"q": "党章", "show": "unfinished"})
    link = lxml.html.fromstring(first.content).xpath("//nav//a[contains(@class, 'page-link')]/@href")

    # 党章一, 党章四, 党章五 are unfinished and match; 党章二 is finished and 廉政三 does not match.
    assert titles(first) == ["党章一", "党章四"]
    assert link == ["?q=%E5%85%9A%E7%AB%A0&show=unfinished&page=2"]
    second = client.get(url + link[0])
    assert titles(second) == ["党章五"]
    assert second.context["query"] == "党章"
    assert second.context["show"] == "unfinished"
    assert "第 2 页，共 2 页" in second.content.decode()


@pytest.mark.parametrize(
    ("page", "shown"),
    [
        ("0", ["党章五"]),  # below the first: the last page, as Django's get_page does
        ("-1", ["党章五"]),
        ("abc", ["党章一", "党章二"]),  # not a number: the first page
        ("99999", ["党章五"]),  # past the end: the last page
        ("", ["党章一", "党章二"]),
    ],
)
def test_a_page_number_that_is_not_one_lands_on_a_page(library, small_pages, page, shown):
    response = factories.client_in("en", library["member"]).get(reverse("lessons:library"), {"page": page})
    assert response.status_code == 200
    assert titles(response) == shown


@pytest.mark.parametrize("query", ['"党章"', "<script>alert(1)</script>", "党章'一", "%_"])
def test_a_search_with_quotes_or_markup_is_kept_as_text_on_the_page(library, small_pages, query):
    response = factories.client_in("en", library["member"]).get(reverse("lessons:library"), {"q": query})
    html = response.content.decode()

    assert response.status_code == 200
    assert titles(response) == []
    assert "<script>alert(1)</script>" not in html
    # The box shows what was searched for, escaped, with the way back to every lesson.
    box = lxml.html.fromstring(html).xpath("//input[@name='q']/@value")
    assert box == [query]
    assert "No micro-class matches." in html
