"""Every page goes out under a Content-Security-Policy that allows only the platform's own
scripts, styles and connections; the few inline scripts (the API docs') carry its nonce."""

import re
from pathlib import Path

from django.conf import settings

from tests import factories

TEMPLATES = Path(settings.BASE_DIR) / "templates"


def directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {name: values for name, *values in (part.split() for part in header.split(";") if part.strip())}


def test_pages_carry_a_policy_of_the_platforms_own_sources(client, db):
    policy = directives(client.get("/accounts/login/"))

    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]  # no nonce: the page has no inline script
    assert policy["style-src"] == ["'self'"]
    assert policy["img-src"] == ["'self'", "data:", "blob:"]
    assert policy["media-src"] == ["'self'", "blob:"]
    assert policy["connect-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"] and policy["form-action"] == ["'self'"]


def test_api_docs_inline_script_and_style_carry_the_responses_nonce(client, tree):
    client.force_login(factories.member(tree["gz1"]))

    first, second = client.get("/api/docs/"), client.get("/api/docs/")

    nonce = re.search(r"'nonce-([^']+)'", " ".join(directives(first)["script-src"])).group(1)
    assert f"'nonce-{nonce}'" in directives(first)["style-src"]
    page = first.content.decode()
    inline_scripts = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", page)
    assert inline_scripts and all(f'nonce="{nonce}"' in attributes for attributes in inline_scripts)
    assert re.findall(r"<style([^>]*)>", page) == [f' nonce="{nonce}"']
    assert nonce not in second["Content-Security-Policy"]  # a fresh nonce for every response


def test_templates_have_no_inline_scripts_handlers_or_style_attributes():
    """What the policy would refuse in the browser, found in the source instead."""
    refused = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text()
        for pattern in (
            r"<script(?![^>]*\b(?:src=|nonce=))[^>]*>",  # an inline script without the nonce
            r"\son[a-z]+=\"",  # an inline event handler
            r"\sstyle=\"",  # a style attribute
            r"<style(?![^>]*\bnonce=)[^>]*>",  # a style element without the nonce
        ):
            refused += [f"{path.relative_to(TEMPLATES)}: {match}" for match in re.findall(pattern, text)]
    assert refused == []
