import os

import pytest

from tests import factories


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # PBKDF2 at production strength costs ~0.3 s a hash; tests make hundreds.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def tree(db):
    """A small organisation: two organs, offices, branches, one temporary branch."""
    return {
        "audit": factories.unit_at("审计署", kind="organ"),
        "gz": factories.unit_at("审计署/广州特派办", kind="office"),
        "gz1": factories.unit_at("审计署/广州特派办/第一党支部"),
        "gz2": factories.unit_at("审计署/广州特派办/第二党支部"),
        "jjj": factories.unit_at("审计署/京津冀特派办", kind="office"),
        "jjj1": factories.unit_at("审计署/京津冀特派办/机关党支部"),
        "mof": factories.unit_at("财政部", kind="organ"),
        "budget": factories.unit_at("财政部/预算司", kind="office"),
    }


@pytest.fixture
def gz_organiser(tree):
    return factories.organiser(tree["gz"], username="gz-organiser", real_name="广州组织者")


def services_configured() -> bool:
    return bool(os.environ.get("DATABASE_URL") and os.environ.get("REDIS_URL"))
