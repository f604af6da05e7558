"""Units are named by their path below the rule's unit wherever results go: "第一党支部" alone
names a branch in every organ. The path is the tree the rule froze, so a later rename does not
rewrite published results."""

from io import BytesIO

from django.urls import reverse
from openpyxl import load_workbook

from orgs.models import Unit
from tests.rankings.test_pages import board, publish  # noqa: F401 - fixture
from tests.rankings.test_services import study  # noqa: F401 - fixture


def test_board_and_honour_list_name_each_members_unit_by_its_path(client, board):  # noqa: F811
    publish(board)
    client.force_login(board["people"]["a"])
    page = client.get(reverse("rankings:board", args=[board["rule"].slug])).content.decode()
    assert "广州特派办/第一党支部" in page and "京津冀特派办/机关党支部" in page
    honours = client.get(reverse("rankings:honours", args=[board["rule"].slug])).content.decode()
    assert "京津冀特派办/机关党支部" in honours and "广州特派办/第二党支部" in honours


def test_a_unit_renamed_after_the_rule_froze_its_tree_keeps_its_name_on_the_results(client, board):  # noqa: F811
    publish(board)
    Unit.objects.filter(pk=board["tree"]["gz"].pk).update(name="广州特派员办事处")
    client.force_login(board["people"]["a"])
    page = client.get(reverse("rankings:board", args=[board["rule"].slug])).content.decode()
    assert "广州特派办/第一党支部" in page and "广州特派员办事处" not in page


def test_the_export_gives_organisers_unit_paths_and_employee_numbers(client, board):  # noqa: F811
    client.force_login(board["admin"])
    response = client.get(reverse("rankings:export", args=[board["rule"].slug]))
    sheet = load_workbook(BytesIO(response.content)).active
    header, *body = sheet.iter_rows(min_row=7, values_only=True)
    name, number, unit = header.index("姓名"), header.index("工号"), header.index("单位")
    by_name = {row[name]: row for row in body}
    a = board["people"]["a"]
    assert by_name["A"][number] == a.employee_no and by_name["A"][unit] == "广州特派办/第一党支部"
    assert by_name["F"][unit] == "京津冀特派办/机关党支部"
