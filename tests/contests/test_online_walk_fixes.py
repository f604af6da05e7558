"""What a walk of the online preliminary found on the organiser's pages: the form's settings card
titled as the formal contest (正式竞赛), the attempts table's attempt number read as an id ("#1")
and its score given without the full marks, and the final's default title built in English from
a Chinese title ("2026 网上初赛: final")."""

import re

import pytest

from tests import factories
from tests.contests.test_online import make_contest
from tests.contests.test_online_final import field, finish  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db


def card_titles(html: str) -> list[str]:
    return re.findall(r'<h2 class="h6 mb-3">([^<]*)</h2>', html)


def test_the_contest_forms_settings_card_is_titled_as_settings_not_as_the_formal_contest(field):  # noqa: F811
    # "The contest" also heads the live contest's review step's card beside the rehearsal's, where
    # it is the formal contest (正式竞赛); on the online contest's form it is its settings.
    client = factories.client_in("zh-hans", field["by"])
    for path in ("/contests/online/manage/new/", f"/contests/online/manage/{field['contest'].pk}/edit/"):
        page = client.get(path)
        assert page.status_code == 200
        assert card_titles(page.text)[0] == "竞赛设置", path
        assert "正式竞赛" not in page.text
    english = factories.client_in("en", field["by"]).get("/contests/online/manage/new/")
    assert card_titles(english.text)[0] == "The contest"


def attempt_cells(html: str) -> list[tuple[str, str]]:
    """(name cell, score cell) of each row of the dashboard's attempts table, as text."""
    body = html.split('id="attempts"', 1)[1].split("</tbody>", 1)[0].split("<tbody>", 1)[1]
    rows = []
    for row in body.split("</tr>")[:-1]:
        cells = [" ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row)]
        rows.append((cells[1], cells[4]))
    return rows


@pytest.mark.parametrize(
    ("language", "first", "second"), [("zh-hans", "第 1 次", "第 2 次"), ("en", "attempt 1", "attempt 2")]
)
def test_the_attempts_table_says_which_attempt_in_words_only_for_members_with_several_and_scores_out_of_full_marks(
    field,  # noqa: F811
    language,
    first,
    second,
):
    contest = make_contest(field, title="走查网上答题", audience=[factories.unit_at("审计署/广州特派办")])
    jia = factories.member(field["gz"], real_name="甲")
    finish(contest, jia, right=1, seconds=100)
    finish(contest, jia, right=3, seconds=50)
    finish(contest, factories.member(field["gz"], real_name="乙"), right=2, seconds=80)
    page = factories.client_in(language, field["by"]).get(f"/contests/online/manage/{contest.pk}/?order=newest")
    # Three questions of 1 point each: full marks 3. 甲 made two attempts (1 then 3 right), so
    # each says which it is; 乙 made one, which needs no number.
    assert sorted(attempt_cells(page.text)) == [
        ("乙", "2 / 3"),
        (f"甲 {first}", "1 / 3"),
        (f"甲 {second}", "3 / 3"),
    ]
    assert "#1" not in page.text.split('id="attempts"', 1)[1]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_finals_default_title_is_marked_in_the_titles_language_on_either_page(field, language):  # noqa: F811
    contest = make_contest(field, title="2026 网上初赛（走查B）")
    page = factories.client_in(language, field["by"]).get(f"/contests/online/manage/{contest.pk}/qualify/")
    title = re.search(r'<input type="text" name="title" value="([^"]*)"', page.text)
    # The title as typed is Chinese, so its final is marked in Chinese on the English page too,
    # as a duplicated contest's copy is.
    assert title and title.group(1) == "2026 网上初赛（走查B）·决赛"
