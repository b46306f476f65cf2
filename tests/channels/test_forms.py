"""Store forms are built from the platforms' declared fields, in the reader's language."""

from __future__ import annotations

import polib
import pytest

import kucun
from kucun.channels.forms import StoreForm
from kucun.channels.platforms import PLATFORM_CODES, platforms

CATALOGUE = f"{kucun.__path__[0]}/channels/locale/zh_Hans/LC_MESSAGES/django.po"


def platform_texts() -> list[str]:
    texts = []
    for spec in platforms().values():
        for field in (*spec.credential_fields, *spec.option_fields):
            texts += [field.label, field.help_text, field.placeholder]
            texts += [label for _value, label in field.choices]
    return sorted({text for text in texts if text and not text[:1].isdigit()})


def test_every_platform_label_and_help_is_in_the_catalogue() -> None:
    known = {entry.msgid for entry in polib.pofile(CATALOGUE) if entry.translated()}
    assert [text for text in platform_texts() if text not in known] == []


@pytest.mark.django_db
@pytest.mark.parametrize("code", [code for code in PLATFORM_CODES if code in platforms()])
def test_a_platform_form_has_its_fields_and_the_shared_ones(code: str) -> None:
    spec = platforms()[code]
    form = StoreForm(platform=spec)
    for field in (*spec.credential_fields, *spec.option_fields):
        prefix = "credential_" if field in spec.credential_fields else "option_"
        assert form.fields[prefix + field.name].required == field.required
    assert {"name", "warehouses", "buffer", "inventory_sync", "order_download"} <= set(form.fields)
