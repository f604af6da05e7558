"""Fixtures the lessons tests share."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests import factories


@pytest.fixture
def clock(monkeypatch):
    """Django's clock, moved by hand: `clock.advance(seconds)`."""

    class Clock:
        now = timezone.now()

        def advance(self, seconds: float) -> None:
            self.now += timedelta(seconds=seconds)

    moved = Clock()
    monkeypatch.setattr(timezone, "now", lambda: moved.now)
    return moved


@pytest.fixture
def bank(tree):
    """广州特派办's bank 党章 (code dangzhang). Modules needing another bank define their own."""
    return factories.bank(tree["gz"], slug="dangzhang")


@pytest.fixture
def organiser(client, gz_organiser):
    """The test client signed in as 广州特派办's organiser, its pages in English."""
    client.force_login(gz_organiser)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client
