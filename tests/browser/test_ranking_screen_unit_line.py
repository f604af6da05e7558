"""The ranking big screen's member rows: the unit line names the member's own unit first, whole,
and the units above it after, cut with an ellipsis. A path cut at its end (as it was) lost the
party branch behind "Guangzhou Resident Office of the National Audit Office/First Division of…"
on English pages (and behind a long Chinese path), and the branch is what tells two rows apart."""

import pytest

from orgs.models import Unit
from rankings.services import snapshot_approve, snapshot_publish
from tests import factories
from tests.rankings.test_services import compute, member_rule, points

pytestmark = pytest.mark.browser

SHOTS = "/tmp/shots/screenleft"
SCREEN = {"width": 1920, "height": 1080}
ENGLISH = {
    "审计署": "National Audit Office",
    "审计署驻广州特派员办事处": "Guangzhou Resident Office of the National Audit Office",
    "财政金融审计一处（经济责任审计工作组）": "First Division of Fiscal, Financial and Economic Responsibility Audit",
    "广东省财政专项资金审计组": "Audit Team for Guangdong Provincial Special Fiscal Funds",
    "第三临时党支部（专项审计组）": "Third Temporary Party Branch of the Special Audit Team",
    "第四临时党支部（专项审计组）": "Fourth Temporary Party Branch of the Special Audit Team",
}
OFFICE, DIVISION, TEAM, THIRD, FOURTH = list(ENGLISH)[1:]
ABOVE = f"审计署/{OFFICE}/{DIVISION}/{TEAM}"
# Where a row's own unit's text is cut off by the boxes around it (0 when shown whole): the part
# of the text's width past the nearest right edge of an element up to the row.
OWN_UNIT_CUT = """([own]) => Array.from(document.querySelectorAll('#screen-rows li:not([hidden])')).map((row) => {
  const line = row.querySelector('.name small');
  const walker = document.createTreeWalker(line, NodeFilter.SHOW_TEXT);
  let node = walker.nextNode();
  while (node && !node.data.includes(own)) node = walker.nextNode();
  if (!node) return {missing: line.textContent};
  const range = document.createRange();
  const start = node.data.indexOf(own);
  range.setStart(node, start);
  range.setEnd(node, start + own.length);
  const text = range.getBoundingClientRect();
  let right = Infinity;
  for (let el = node.parentElement; el !== row.parentElement; el = el.parentElement) {
    right = Math.min(right, el.getBoundingClientRect().right);
  }
  const lineBox = line.getBoundingClientRect();
  return {cut: Math.max(0, text.right - right), lineHeight: lineBox.height,
          fontSize: parseFloat(getComputedStyle(line).fontSize), title: line.title};
})"""


@pytest.fixture
def long_units(transactional_db):
    """Twelve members in two (temporary) party branches five levels down, whose English names are long."""
    audit = factories.unit_at("审计署", kind="organ")
    branches = [
        factories.unit_at(f"{ABOVE}/{THIRD}"),
        factories.unit_at(f"{ABOVE}/{FOURTH}"),
    ]
    for name, english in ENGLISH.items():
        Unit.objects.filter(name=name).update(name_en=english)
    names = "欧阳晓明 司马建国 诸葛文华 上官婉清 张伟 李娜 王芳 刘洋 陈静 杨磊 赵敏 黄强".split()
    people = [factories.member(branches[n % 2], real_name=name) for n, name in enumerate(names)]
    for n, person in enumerate(people):
        points(person, 100 - n, f"p{n}")
    admin = factories.administrator(audit, username="boss")
    rule = member_rule({"tree": {"audit": audit}}, slug="long-units", requires_second_approver=False)
    snapshot = compute(rule).snapshot
    snapshot_publish(snapshot=snapshot_approve(snapshot=snapshot, by=admin), by=admin)
    return {"admin": admin, "rule": rule}


@pytest.mark.parametrize(
    ("locale", "language", "own", "path"),
    [
        ("zh-CN", "zh-hans", THIRD, f"{OFFICE}/{DIVISION}/{TEAM}/{THIRD}"),
        ("en", "en", ENGLISH[THIRD], "/".join(ENGLISH[name] for name in (OFFICE, DIVISION, TEAM, THIRD))),
    ],
)
def test_a_member_row_shows_its_own_unit_whole_before_the_units_above(
    asgi_server, long_units, signed_in_page, locale, language, own, path
):
    page = signed_in_page(long_units["admin"], locale=locale, viewport=SCREEN)
    page.goto(f"{asgi_server}/rankings/long-units/screen/")
    page.screenshot(path=f"{SHOTS}/ranking-screen-members-{language}-1920.png")
    rows = page.locator("#screen-rows li:not([hidden])")
    assert rows.count() == 10
    # Ten rows and the tie-break line fit the screen: nothing below its bottom edge.
    bottom = page.locator("#tie-rules").evaluate("(el) => el.getBoundingClientRect().bottom")
    assert bottom <= SCREEN["height"]
    # Rows 1, 3, 5 ... are in the third branch: their own unit is shown whole, on one line,
    # and the line's tooltip is the whole path.
    lines = page.evaluate(OWN_UNIT_CUT, [own])
    shown = [line for n, line in enumerate(lines) if n % 2 == 0]
    assert len(shown) == 5
    for line in shown:
        assert "missing" not in line, line
        assert line["cut"] == 0, f"the own unit {own!r} is cut by {line['cut']:.0f} px"
        assert line["lineHeight"] < 2 * line["fontSize"], line
        assert line["title"] == path
