"""Every app's Simplified Chinese catalogue is complete."""

from __future__ import annotations

import re
from pathlib import Path

import polib
import pytest

import kucun

PACKAGE = Path(kucun.__file__).parent
APPS = sorted(path.parts[-5] for path in PACKAGE.glob("*/locale/zh_Hans/LC_MESSAGES/django.po"))
TEMPLATE_APPS = [app for app in APPS if (PACKAGE / app / "templates").is_dir()]
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")
# {% translate "..." %} / {% translate '...' %} and _("...") inside template tags.
TEMPLATE_LITERAL = re.compile(
    r"""{%\s*(?:translate|trans)\s+(["'])(?P<a>.+?)\1|_\((["'])(?P<b>.+?)\3\)"""
)


def catalogue(app: str) -> polib.POFile:
    return polib.pofile(str(PACKAGE / app / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"))


@pytest.mark.parametrize("app", APPS)
def test_catalogue_header(app: str) -> None:
    metadata = catalogue(app).metadata
    assert metadata["Language"] == "zh_Hans"
    assert metadata["Content-Type"] == "text/plain; charset=UTF-8"
    assert metadata["Plural-Forms"] == "nplurals=1; plural=0;"


@pytest.mark.parametrize("app", APPS)
def test_every_message_is_translated_with_the_same_placeholders(app: str) -> None:
    po = catalogue(app)
    assert po.untranslated_entries() == []
    assert po.fuzzy_entries() == []
    for entry in po:
        translated = entry.msgstr_plural[0] if entry.msgid_plural else entry.msgstr
        assert sorted(PLACEHOLDER.findall(entry.msgid)) == sorted(
            PLACEHOLDER.findall(translated)
        ), entry.msgid


@pytest.mark.parametrize("app", TEMPLATE_APPS)
def test_every_template_string_is_in_the_catalogue(app: str) -> None:
    known = {entry.msgid for entry in catalogue(app)}
    missing = []
    checked = 0
    for template in sorted((PACKAGE / app / "templates").rglob("*.html")):
        for match in TEMPLATE_LITERAL.finditer(template.read_text()):
            # The translate tag looks a literal up with its % doubled, as makemessages writes it.
            text = (match["a"] or match["b"]).replace("%", "%%")
            checked += 1
            if text not in known:
                missing.append(f"{template.name}: {text}")
    assert checked > 10
    assert missing == []
