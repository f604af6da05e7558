"""A question's illustration is shown by its file name (`lessons:question_image_draft`) only to
the organisers of a bank that holds it: one of its questions', or one uploaded in its editor by
the same session and not saved yet. Another unit's organiser, knowing or guessing the name of
another bank's picture, gets a 404 (found by a security test: any stored name was served)."""

from io import BytesIO

import pytest
from django.test import Client
from django.urls import reverse
from PIL import Image

from lessons.models import Question
from tests import factories
from tests.lessons.test_authoring import single as question_post

pytestmark = pytest.mark.django_db


def picture() -> BytesIO:
    data = BytesIO()
    Image.new("RGB", (4, 3), (200, 30, 30)).save(data, format="PNG")
    data.seek(0)
    data.name = "illustration.png"
    return data


def draft_url(bank, name: str) -> str:
    return reverse("lessons:question_image_draft", args=[bank.slug]) + "?name=" + name


@pytest.fixture
def banks(tree):
    """Guangzhou's bank with a saved question and its picture, and Beijing's organiser with a bank."""
    gz_bank, jjj_bank = factories.bank(tree["gz"], slug="gz-bank"), factories.bank(tree["jjj"], slug="jjj-bank")
    gz, jjj = Client(), Client()
    gz.force_login(factories.organiser(tree["gz"], username="gz-org"))
    jjj.force_login(factories.organiser(tree["jjj"], username="jjj-org"))
    assert (
        gz.post(reverse("lessons:question_new", args=[gz_bank.slug]), question_post(image=picture())).status_code == 302
    )
    return {"gz": gz, "gz_bank": gz_bank, "jjj": jjj, "jjj_bank": jjj_bank}


def test_another_units_organiser_cannot_read_a_banks_picture_by_its_name_through_their_own_bank(banks):
    name = Question.objects.get(bank=banks["gz_bank"]).current.image
    assert banks["gz"].get(draft_url(banks["gz_bank"], name)).status_code == 200  # its own bank's organiser
    assert banks["jjj"].get(draft_url(banks["jjj_bank"], name)).status_code == 404
    assert banks["jjj"].get(draft_url(banks["gz_bank"], name)).status_code == 404  # not their bank at all


def test_a_picture_being_uploaded_is_shown_back_in_its_own_banks_editor_only(banks):
    jjj, jjj_bank = banks["jjj"], banks["jjj_bank"]
    preview = jjj.post(
        reverse("lessons:question_new", args=[jjj_bank.slug]), question_post(action="preview", image=picture())
    )
    name = preview.context["draft"].image
    assert name.startswith("questions/images/")
    assert jjj.get(draft_url(jjj_bank, name)).status_code == 200  # the preview shows it back
    assert banks["gz"].get(draft_url(banks["gz_bank"], name)).status_code == 404  # not to another unit
    saved = jjj.post(reverse("lessons:question_new", args=[jjj_bank.slug]), question_post(image_kept=name))
    assert saved.status_code == 302 and Question.objects.get(bank=jjj_bank).current.image == name


def test_another_banks_picture_cannot_be_kept_into_a_question_by_its_name(banks):
    """Saved into a question of one's own bank, it would be served as that question's picture."""
    name = Question.objects.get(bank=banks["gz_bank"]).current.image
    jjj_bank = banks["jjj_bank"]
    saved = banks["jjj"].post(reverse("lessons:question_new", args=[jjj_bank.slug]), question_post(image_kept=name))
    assert saved.status_code == 302 and Question.objects.get(bank=jjj_bank).current.image == ""
