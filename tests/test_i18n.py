"""The Chinese catalogue is complete and its compiled form is current."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

LOCALE = Path(__file__).resolve().parent.parent / "locale" / "zh_Hans" / "LC_MESSAGES"


def entries(po_text: str):
    blocks = po_text.split("\n\n")[1:]  # the first block is the header
    for block in blocks:
        if block.startswith("#~"):
            continue
        yield block


def test_every_message_has_a_chinese_translation():
    untranslated = []
    for block in entries((LOCALE / "django.po").read_text()):
        if "#, fuzzy" in block:
            untranslated.append(block)
        strings = re.findall(r'^msgstr(?:\[\d\])? ((?:".*"\n?)+)', block + "\n", flags=re.MULTILINE)
        if not strings or any(not "".join(re.findall(r'"(.*)"', s)) for s in strings):
            untranslated.append(block)
    assert not untranslated, "\n\n".join(untranslated[:5])


@pytest.mark.skipif(not shutil.which("msgfmt"), reason="gettext's msgfmt is not installed")
def test_compiled_catalogue_matches_the_source(tmp_path):
    compiled = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check-format", "-o", str(compiled), str(LOCALE / "django.po")], check=True)
    assert compiled.read_bytes() == (LOCALE / "django.mo").read_bytes(), "run `make messages` and commit the .mo"


def test_no_template_writes_an_ascii_colon_after_a_translated_label():
    """Chinese takes a full-width colon with no space ("用户名：") where English has ": ": the
    colon must come from the catalogue ({% translate ": " context "after a label" %})."""
    templates = Path(__file__).resolve().parent.parent / "templates"
    after_label = re.compile(r"""\{% (?:translate (?:"[^"]*"|'[^']*')|endblocktranslate) %\}:""")
    found = [
        f"{path.relative_to(templates)}: {match.group(0)}"
        for path in sorted(templates.rglob("*.html"))
        for match in after_label.finditer(path.read_text())
    ]
    assert not found, "\n".join(found)


def test_every_translated_template_literal_is_found_in_the_catalogue():
    """{% translate "… 100 % …" %} is looked up with its % doubled (Django's escape for
    formatting), so a catalogue entry written with a single % never matches and the page shows
    English. Each literal must be found as Django looks it up."""
    from django.utils.translation import trans_real

    catalogue = trans_real.translation("zh-hans")._catalog
    templates = Path(__file__).resolve().parent.parent / "templates"
    literal = re.compile(r"""\{% translate ("((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')(?: context ("[^"]*"|'[^']*'))?""")
    missing = []
    for path in sorted(templates.rglob("*.html")):
        for match in literal.finditer(path.read_text()):
            text = match.group(2) if match.group(2) is not None else match.group(3)
            key = text.replace('\\"', '"').replace("\\'", "'").replace("%", "%%")
            if match.group(4):
                key = f"{match.group(4)[1:-1]}\x04{key}"
            if key not in catalogue:
                missing.append(f"{path.relative_to(templates)}: {text}")
    assert not missing, "\n".join(missing)


def test_chinese_speaks_to_people_formally():
    """Members and organisers are addressed as 您, never the informal 你 (the style the product
    uses throughout); 你们 has no formal twin, so address groups as 各位 or 大家."""
    informal = []
    for block in entries((LOCALE / "django.po").read_text()):
        translation = block[block.find("\nmsgstr") :]
        if "你" in translation:
            informal.append(translation.strip())
    assert not informal, "\n".join(informal)
    root = Path(__file__).resolve().parent.parent
    folders = ("templates", "static", "quizsite", "orgs", "lessons", "contests", "calls", "rankings", "notifications")
    sources = [
        path
        for folder in folders
        for path in (root / folder).rglob("*")
        if path.suffix in {".html", ".js", ".py", ".txt"} and "vendor" not in path.parts
    ]
    assert not [str(path.relative_to(root)) for path in sources if "你" in path.read_text(encoding="utf-8")]
