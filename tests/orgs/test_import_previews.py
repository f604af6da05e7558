"""A member sheet kept between its preview and its confirmation, swept when never confirmed; and
a refused sheet's problems: the first ones on the page, every one in a download."""

import os
from datetime import timedelta
from io import BytesIO

from django.conf import settings
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from orgs.importing import member_import_previews_sweep
from orgs.models import User
from quizsite import import_files
from tests import factories
from tests.spreadsheets import assert_written_as_text

UNIT = "审计署/广州特派办/第一党支部"


def preview(client, rows):
    book = factories.workbook([["姓名", "工号", "单位", "手机"], *rows])
    return client.post(reverse("orgs:member_import"), {"action": "preview", "file": book})


def make_old(name: str, hours: float) -> None:
    then = (timezone.now() - timedelta(hours=hours)).timestamp()
    os.utime(default_storage.path(name), (then, then))


def test_a_sheet_never_confirmed_is_swept_once_its_window_has_passed(client, tree, gz_organiser):
    client.force_login(gz_organiser)
    token = preview(client, [["张伟", "100001", UNIT, ""]]).context["token"]
    assert token.startswith("imports/members-") and default_storage.exists(token)
    make_old(token, settings.IMPORT_PREVIEW_HOURS - 1)
    assert member_import_previews_sweep() == 0 and default_storage.exists(token)  # still confirmable
    make_old(token, settings.IMPORT_PREVIEW_HOURS + 1)
    assert member_import_previews_sweep() == 1 and not default_storage.exists(token)
    response = client.post(reverse("orgs:member_import"), {"action": "confirm", "token": token})
    assert response.status_code == 302 and not User.objects.filter(employee_no="100001").exists()


def test_a_sheet_confirmed_after_its_window_is_refused_even_before_the_sweep(client, tree, gz_organiser):
    client.force_login(gz_organiser)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    token = preview(client, [["张伟", "100001", UNIT, ""]]).context["token"]
    make_old(token, settings.IMPORT_PREVIEW_HOURS + 1)
    response = client.post(reverse("orgs:member_import"), {"action": "confirm", "token": token})
    assert response["Location"] == reverse("orgs:member_import")
    assert "That preview has expired." in client.get(response["Location"]).text
    assert not User.objects.filter(employee_no="100001").exists()


def test_a_sheet_confirmed_in_its_window_is_imported_and_its_file_goes(client, tree, gz_organiser):
    client.force_login(gz_organiser)
    token = preview(client, [["张伟", "100001", UNIT, ""]]).context["token"]
    make_old(token, settings.IMPORT_PREVIEW_HOURS - 1)
    response = client.post(reverse("orgs:member_import"), {"action": "confirm", "token": token})
    assert response["Location"] == reverse("orgs:member_list")
    assert User.objects.get(employee_no="100001").unit == tree["gz1"] and not default_storage.exists(token)


def test_a_new_preview_deletes_the_earlier_one_it_replaces(client, tree, gz_organiser):
    client.force_login(gz_organiser)
    first = preview(client, [["张伟", "100001", UNIT, ""]]).context["token"]
    second = preview(client, [["李娜", "100002", UNIT, ""]]).context["token"]
    assert not default_storage.exists(first) and default_storage.exists(second)


def test_a_sheet_with_hundreds_of_bad_rows_lists_the_first_ones_and_offers_every_one(client, tree, gz_organiser):
    client.force_login(gz_organiser)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    formula_like = "@SUM(1)"  # a text cell that Excel would run (one starting "=" is a formula in the sheet)
    rows = [["张伟", f"1{n:05}", UNIT, formula_like] for n in range(1, 251)]
    html = preview(client, rows).text
    table = html[html.index('id="import-errors"') : html.index("</table>", html.index('id="import-errors"'))]
    assert table.count('class="qs-error-cell"') == import_files.ERRORS_SHOWN == 200
    assert "…and 50 more problems (all are in the download)." in html and "250 problems found." in html
    download = client.get(reverse("orgs:member_import_errors"))
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment")
    message = (
        f"“{formula_like}” is not a phone number: write a mobile like 13800000001, a landline with its area"
        " code like 010-12345678, or + and the country code like +852 2123 4567."
    )
    assert_written_as_text(download.content, "Column", message)
    rows = list(load_workbook(BytesIO(download.content)).active.values)
    assert rows == [("Row", "Column", "Problem")] + [(n, "Phone (手机)", message) for n in range(2, 252)]


def test_a_plain_member_cannot_download_a_list_of_problems(client, tree):
    client.force_login(factories.member(tree["gz1"]))
    assert client.get(reverse("orgs:member_import_errors")).status_code == 403
