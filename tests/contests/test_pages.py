import re
from io import BytesIO
from urllib.parse import unquote

from django.test import Client
from openpyxl import load_workbook

from contests import services
from contests.models import Round
from tests import factories
from tests.spreadsheets import FORMULA, assert_written_as_text


def test_results_page_and_xlsx_export(client, tree):
    host = factories.organiser(tree["audit"], username="host")
    red, blue = factories.member(tree["gz1"]), factories.member(tree["jjj1"])
    contest = services.contest_create(title="结果页竞赛", unit=tree["audit"], by=host)
    services.team_add(contest=contest, name="红队", unit=tree["gz"], legs=[red])
    services.team_add(contest=contest, name="蓝队", unit=tree["jjj"], legs=[blue])
    services.round_add(
        contest=contest,
        type=Round.Type.COMPULSORY,
        versions=[
            factories.question(
                factories.bank(tree["audit"]), "true_false", key=[True], stem="<p>党章是党的<b>根本大法</b>。</p>"
            ).current
        ],
    )
    services.contest_start(contest=contest, by=host)
    services.question_open(contest=contest, by=host)
    services.answer_submit(contest=contest, member=red, response="对", client_answer_id="r")
    services.question_reveal(contest=contest, by=host)
    services.score_adjust(contest=contest, team=contest.teams.get(name="蓝队"), points=-3, reason="场外提示", by=host)

    client.force_login(host)
    page = client.get(f"/contests/{contest.join_code}/results/").content.decode()
    assert page.index("红队") < page.index("蓝队") and "场外提示" in page
    # The page leads back to the contests (it had no way back but the browser's).
    assert re.search(r'<nav aria-label="breadcrumb">.*?href="/contests/"', page, re.S)
    book = load_workbook(BytesIO(client.get(f"/contests/{contest.join_code}/results.xlsx").content))
    teams = list(book.worksheets[0].iter_rows(min_row=3, max_row=4, values_only=True))
    assert [row[:3] for row in teams] == [(1, "红队", 110), (2, "蓝队", 97)]
    answers = list(book.worksheets[1].iter_rows(min_row=2, values_only=True))
    assert len(answers) == 1
    # Round, number, the stem as text, team, member, the answer in words, right, when.
    assert answers[0][1:7] == (1, "党章是党的根本大法。", "红队", red.real_name, "对", "✓")

    outsider = factories.member(tree["budget"])
    client.force_login(outsider)
    assert client.get(f"/contests/{contest.join_code}/results/").status_code == 403
    assert client.get(f"/contests/{contest.join_code}/host/").status_code == 403


def test_the_full_results_and_export_are_the_organisers_only(client, tree):
    """An attacker walk read a contest's unpublished results page and downloaded its workbook
    (every answer, each adjustment's reason, the organiser's name) as a plain member of its unit
    on no team. Members are refused as anyone else is, and told where they see results."""
    host = factories.organiser(tree["gz"], username="host", real_name="李组织")
    contest = services.contest_create(title="结果保密", unit=tree["gz"], by=host)
    services.team_add(contest=contest, name="红队", unit=tree["gz1"], legs=[factories.member(tree["gz1"])])
    player = contest.roster.get().member
    for member in (factories.member(tree["gz1"]), factories.member(tree["gz"]), player):
        client.force_login(member)
        page = client.get(f"/contests/{contest.join_code}/results/", HTTP_ACCEPT_LANGUAGE="en")
        assert page.status_code == 403 and "李组织" not in page.content.decode()
        assert "Members see them on a leaderboard once they are published." in page.content.decode()
        assert client.get(f"/contests/{contest.join_code}/results.xlsx").status_code == 403
    zh = client.get(f"/contests/{contest.join_code}/results/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "成员在排行榜发布后即可查看。" in zh
    client.force_login(host)
    page = client.get(f"/contests/{contest.join_code}/results/")
    assert page.status_code == 200 and 'id="export-link"' in page.content.decode()
    assert client.get(f"/contests/{contest.join_code}/results.xlsx").status_code == 200


def test_join_with_a_code_goes_to_the_player_page_or_says_why_not(client, tree):
    player = factories.member(tree["gz1"])
    contest = services.contest_create(title="加入", unit=tree["audit"])
    services.team_add(contest=contest, name="红队", unit=tree["gz"], legs=[player])
    client.force_login(player)
    response = client.post("/contests/join/", {"code": contest.join_code.lower()})
    assert response.status_code == 302 and response["Location"] == f"/contests/{contest.join_code}/play/"
    wrong = client.post("/contests/join/", {"code": "ZZZZZZ"})
    # One message for a code no contest has and a contest one is not on: it says to check the code.
    words = "此加入码找不到您所在参赛队参加的竞赛：请核对加入码，或询问竞赛组织者。"
    assert wrong.status_code == 200 and words in wrong.content.decode()


def test_results_export_writes_formula_like_names_as_text_under_a_safe_file_name(client, tree):
    host = factories.organiser(tree["audit"], username="host")
    contest = services.contest_create(title=FORMULA, unit=tree["audit"], by=host)
    services.team_add(contest=contest, name="=1+1", unit=tree["gz"], legs=[factories.member(tree["gz1"])])
    client.force_login(host)
    response = client.get(f"/contests/{contest.join_code}/results.xlsx")
    assert_written_as_text(response.content, FORMULA, "=1+1")
    disposition = response["Content-Disposition"]
    assert disposition.startswith(f'attachment; filename="contest-{contest.join_code}.xlsx"; filename*=')
    assert "/" not in unquote(disposition.partition("filename*=UTF-8''")[2])


def test_join_says_the_same_of_a_guessed_code_and_of_a_contest_one_is_not_on(client, tree):
    player = factories.member(tree["gz1"])
    other = services.contest_create(title="别的竞赛", unit=tree["audit"])
    client.force_login(player)
    guessed = client.post("/contests/join/", {"code": "ZZZZZZ"}).context["form"].errors["code"]
    existing = client.post("/contests/join/", {"code": other.join_code}).context["form"].errors["code"]
    assert guessed == existing
    pages = [client.get(f"/contests/{code}/play/") for code in ("ZZZZZZ", other.join_code)]
    assert [page.status_code for page in pages] == [403, 403]
    assert all(str(guessed[0]) in page.content.decode() for page in pages)


def test_join_stops_taking_codes_after_ten_wrong_ones_in_ten_minutes(client, tree):
    player = factories.member(tree["gz1"])
    contest = services.contest_create(title="加入", unit=tree["audit"])
    client.force_login(factories.member(tree["gz1"], username="guesser"))
    for guess in range(9):
        assert client.post("/contests/join/", {"code": f"ZZZZ{guess:02d}"}).status_code == 200
    assert client.get(f"/contests/{contest.join_code}/screen/").status_code == 200  # right, within the limit
    client.post("/contests/join/", {"code": "ZZZZ09"})

    refused = client.post("/contests/join/", {"code": "ZZZZ10"})
    assert "错误的加入码尝试次数过多" in refused.content.decode()
    assert client.get(f"/contests/{contest.join_code}/screen/").status_code == 403  # the right code too
    services.team_add(contest=contest, name="红队", unit=tree["gz"], legs=[player])
    client.force_login(player)  # another user counts their own refusals
    assert client.post("/contests/join/", {"code": contest.join_code})["Location"].endswith("/play/")


def test_a_client_that_is_not_a_browser_signs_in_as_the_protocol_document_says(tree):
    member = factories.member(tree["gz1"], username="client")
    client = Client(enforce_csrf_checks=True)
    assert client.post("/accounts/login/", {"username": "client", "password": factories.PASSWORD}).status_code == 403
    token = client.get("/accounts/login/").cookies["csrftoken"].value
    form = {"username": "client", "password": factories.PASSWORD, "csrfmiddlewaretoken": token}
    signed_in = client.post("/accounts/login/", form)
    assert signed_in.status_code == 302 and signed_in.cookies["sessionid"].value
    assert int(client.session["_auth_user_id"]) == member.pk


def test_an_exported_choice_answer_reads_as_its_options_text(tree):
    from contests.presenters import response_text

    single = factories.question(factories.bank(tree["audit"]), "multiple").current
    assert response_text(single, ["A", "C"]) == "A. 政治意识; C. 核心意识"
    assert response_text(single, None) == ""


def test_a_two_blank_answer_is_written_one_way_per_language(tree):
    """The phone wrote 2017 / ２０２２, the key 2017；2022 and the console 2017; 2022: one
    presentation per language (the results' correction page and export read this one)."""
    from django.utils import translation

    from contests.presenters import blanks_text, response_text

    fill_in = factories.question(
        factories.bank(tree["audit"]), "fill_blank", stem="____年和____年", key=[["2017"], ["2022", "二〇二二"]]
    )
    with translation.override("zh-hans"):
        assert response_text(fill_in.current, ["2017", "2022"]) == "2017；2022"
        assert blanks_text(fill_in.current.key) == "2017；2022 / 二〇二二"  # a blank's accepted answers: " / "
    with translation.override("en"):
        assert response_text(fill_in.current, ["2017", "2022"]) == "2017; 2022"


def test_big_screen_qr_code_scales_to_its_box_rather_than_a_fixed_size(client, tree):
    host = factories.organiser(tree["audit"], username="host")
    contest = services.contest_create(title="二维码", unit=tree["audit"], by=host)
    client.force_login(host)
    page = client.get(f"/contests/{contest.join_code}/screen/").content.decode()
    svg = page[page.index("<svg") : page.index(">", page.index("<svg")) + 1]
    # The stylesheet sizes the QR code's box (22vw); without a viewBox the code stays 222 px
    # in its top-left corner, too small to scan from the rows behind the first.
    assert "viewBox=" in svg and "width=" not in svg, svg


def test_every_action_a_live_contest_audits_has_words_on_the_host_console():
    """The console shows the audit log with the word the page carries for each action
    (data-audit-…), or else the bare code ("round_add"): every action the contests code passes to
    `audit` (or imports it as) needs one."""
    import ast
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent.parent
    actions = set()
    for path in (root / "contests").rglob("*.py"):
        tree = ast.parse(path.read_text())
        names = {"audit"} | {
            alias.asname
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom)
            for alias in node.names
            if alias.name == "audit" and alias.asname
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in names:
                actions |= {c.value for c in ast.walk(node.args[2]) if isinstance(c, ast.Constant)}
    assert {"create", "round_add", "teams_from_units", "rehearsal_open", "reveal"} <= actions, actions
    page = (root / "templates" / "contests" / "host.html").read_text()
    labelled = {m.replace("-", "_") for m in re.findall(r"data-audit-([a-z-]+)=", page)}
    assert sorted(actions - labelled) == []


def test_results_page_tells_an_organiser_who_publishes_and_gives_an_administrator_a_rule_for_it(client, tree):
    host = factories.organiser(tree["audit"], username="host")
    factories.administrator(tree["audit"], username="chief", real_name="王主任")
    factories.administrator(tree["gz"], username="below", real_name="下级管理员")  # not over the contest's unit
    contest = services.contest_create(title="发布提示", unit=tree["audit"], by=host)
    url = f"/contests/{contest.join_code}/results/"
    client.force_login(host)
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    hint = page.split('id="publish-hint"')[1].split("</div>")[0]
    assert '<span id="unit-administrators">王主任</span>' in hint and "下级管理员" not in hint
    assert "排名规则" in hint and 'id="new-rule-link"' not in hint
    admin = factories.administrator(tree["audit"], username="admin")
    client.force_login(admin)
    hint = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode().split('id="publish-hint"')[1].split("</div>")[0]
    assert f'href="/rankings/rules/new/?contest={contest.pk}"' in hint and "unit-administrators" not in hint
