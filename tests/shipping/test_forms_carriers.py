"""Carrier account forms are built from the carriers' declared fields, in the reader's
language."""

from __future__ import annotations

import polib
import pytest

import kucun
from kucun.shipping.carrier_registry import CARRIER_CODES, carriers
from kucun.shipping.forms_carriers import CarrierAccountForm

CATALOGUE = f"{kucun.__path__[0]}/shipping/locale/zh_Hans/LC_MESSAGES/django.po"


def carrier_texts() -> list[str]:
    texts = []
    for spec in carriers().values():
        texts.append(spec.label)
        for field in (*spec.credential_fields, *spec.option_fields):
            texts += [field.label, field.help_text, field.placeholder]
            texts += [label for _value, label in field.choices]
        texts += [service.name for service in spec.services]
        texts += [label for _value, label in spec.label_sizes]
    return sorted(
        {
            text
            for text in texts
            if text and not text[:1].isdigit() and not text.startswith(("http:", "https:"))
        }
    )


def test_every_carrier_label_help_and_service_is_in_the_catalogue() -> None:
    known = {entry.msgid for entry in polib.pofile(CATALOGUE) if entry.translated()}
    assert carrier_texts()
    assert [text for text in carrier_texts() if text not in known] == []


@pytest.mark.django_db
@pytest.mark.parametrize("code", [code for code in CARRIER_CODES if code in carriers()])
def test_a_carrier_form_has_its_fields_and_the_shared_ones(code: str, settings: object) -> None:
    spec = carriers()[code]
    form = CarrierAccountForm(carrier=spec)
    for field in (*spec.credential_fields, *spec.option_fields):
        prefix = "credential_" if field in spec.credential_fields else "option_"
        assert prefix + field.name in form.fields
    # A new sandbox account may leave its credentials empty: the emulator's own are used.
    assert not any(form.fields["credential_" + f.name].required for f in spec.credential_fields)
    assert {"name", "environment", "sender_warehouse", "default_service"} <= set(form.fields)
    services = [value for value, _label in form.fields["default_service"].choices]  # type: ignore[attr-defined]
    assert services == [service.code for service in spec.services]
