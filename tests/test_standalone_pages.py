"""Pages that write their own <head> (the big screens) carry what base.html gives every other page."""

from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.templatetags.static import static

TEMPLATES = Path(settings.BASE_DIR) / "templates"


def test_every_page_with_its_own_head_links_the_favicon():
    # Without the link the browser asks for /favicon.ico: a 404 in the console of each big screen.
    pages = [path for path in TEMPLATES.rglob("*.html") if "<head>" in path.read_text()]
    assert len(pages) >= 5
    missing = [str(path.relative_to(TEMPLATES)) for path in pages if "favicon.svg" not in path.read_text()]
    assert missing == []


def test_favicon_ico_leads_to_the_sites_icon(client):
    # Browsers ask for /favicon.ico on pages that declare no icon (error pages, downloads).
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"] == static("favicon.svg")
    assert finders.find("favicon.svg")
