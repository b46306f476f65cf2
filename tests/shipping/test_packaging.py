"""Box presets: sizes checked, names unique, a box in use turned off rather than deleted."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kucun.accounts.choices import Role
from kucun.core.errors import Conflict, PermissionDenied, ValidationFailed
from kucun.core.models import AuditEntry
from kucun.shipping.models import BoxPreset
from kucun.shipping.services.packaging import (
    box_preset_create,
    box_preset_delete,
    box_preset_update,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_box_is_created_with_its_sizes_and_tare() -> None:
    box = box_preset_create(
        actor=None, name="Small", length_cm="30.04", width_cm=20, height_cm=10.5, tare_kg="0.15"
    )
    assert (box.length_cm, box.width_cm, box.height_cm) == (
        Decimal("30.0"),
        Decimal("20.0"),
        Decimal("10.5"),
    )
    assert box.tare_kg == Decimal("0.150")
    assert AuditEntry.objects.filter(action="box_preset.created").count() == 1


def test_sizes_must_be_positive_and_tare_not_negative() -> None:
    with pytest.raises(ValidationFailed) as refused:
        box_preset_create(
            actor=None, name="Bad", length_cm=0, width_cm="x", height_cm=-1, tare_kg=-0.1
        )
    assert {e.field for e in refused.value.errors} == {
        "length_cm",
        "width_cm",
        "height_cm",
        "tare_kg",
    }
    assert not BoxPreset.objects.exists()


def test_names_are_unique_ignoring_case() -> None:
    box_preset_create(actor=None, name="Small", length_cm=1, width_cm=1, height_cm=1)
    with pytest.raises(ValidationFailed) as refused:
        box_preset_create(actor=None, name="small", length_cm=1, width_cm=1, height_cm=1)
    assert refused.value.errors[0].field == "name"


def test_an_update_changes_only_what_is_given() -> None:
    box = box_preset_create(actor=None, name="Small", length_cm=1, width_cm=2, height_cm=3)
    changed = box_preset_update(box, actor=None, height_cm=4, active=False)
    assert (changed.length_cm, changed.height_cm, changed.active) == (
        Decimal("1.0"),
        Decimal("4.0"),
        False,
    )
    with pytest.raises(ValidationFailed):
        box_preset_update(box, actor=None, colour="red")


def test_viewers_cannot_manage_boxes() -> None:
    viewer = UserFactory(role=Role.VIEWER)
    with pytest.raises(PermissionDenied):
        box_preset_create(actor=viewer, name="Small", length_cm=1, width_cm=1, height_cm=1)
    staff = UserFactory(role=Role.STAFF)
    box = box_preset_create(actor=staff, name="Small", length_cm=1, width_cm=1, height_cm=1)
    with pytest.raises(PermissionDenied):
        box_preset_delete(box, actor=viewer)
    box_preset_delete(box, actor=staff)
    assert not BoxPreset.objects.exists()


def test_a_box_a_rule_chooses_is_not_deleted() -> None:
    from kucun.shipping.models import ShippingRule

    box = box_preset_create(actor=None, name="Small", length_cm=1, width_cm=1, height_cm=1)
    ShippingRule.objects.create(position=1, name="Hold small", action="hold", box_preset=box)
    with pytest.raises(Conflict) as refused:
        box_preset_delete(box, actor=None)
    assert "Hold small" in refused.value.detail
    assert BoxPreset.objects.filter(pk=box.pk).exists()
