"""Box presets (Settings → Packaging): the boxes the warehouse packs into, their inner size and
tare weight. Staff and owners manage them; a box a shipping rule names is turned off rather than
deleted."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models.functions import Lower
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kucun.core.audit import audit_record
from kucun.core.credentials import Problems
from kucun.core.errors import Conflict
from kucun.shipping.models import BoxPreset
from kucun.shipping.parcels import SIZE_PLACES, WEIGHT_PLACES, decimal_of
from kucun.shipping.services.roles import require_staff

NAME_MAX = 100
SIZE_MAX = Decimal("99999.9")
WEIGHT_MAX = Decimal("999999.999")
SIZE_FIELDS = {
    "length_cm": gettext_lazy("Length"),
    "width_cm": gettext_lazy("Width"),
    "height_cm": gettext_lazy("Height"),
}
FIELDS = ("name", "length_cm", "width_cm", "height_cm", "tare_kg", "max_weight_kg", "active")


def clean_name(value: Any, *, exclude_id: int | None, problems: Problems) -> str:
    name = str(value or "").strip() if isinstance(value, str | int) else ""
    if not name:
        problems.add("name", _("Name is required: what the box is called."))
    elif len(name) > NAME_MAX:
        problems.add("name", _("Name is at most %(max)d characters.") % {"max": NAME_MAX})
    else:
        taken = BoxPreset.objects.alias(lowered=Lower("name")).filter(lowered=name.lower())
        if exclude_id is not None:
            taken = taken.exclude(pk=exclude_id)
        if taken.exists():
            problems.add("name", _("A box named '%(name)s' exists already.") % {"name": name})
    return name


def clean_values(values: dict[str, Any], *, exclude_id: int | None) -> dict[str, Any]:
    """The given fields cleaned; ValidationFailed naming every wrong one."""
    problems = Problems()
    cleaned: dict[str, Any] = {}
    if "name" in values:
        cleaned["name"] = clean_name(values["name"], exclude_id=exclude_id, problems=problems)
    for name, label in SIZE_FIELDS.items():
        if name in values:
            cleaned[name] = decimal_of(
                values[name],
                field_name=name,
                label=str(label),
                problems=problems,
                places=SIZE_PLACES,
                maximum=SIZE_MAX,
            )
    if "tare_kg" in values:
        cleaned["tare_kg"] = decimal_of(
            values["tare_kg"] if values["tare_kg"] is not None else 0,
            field_name="tare_kg",
            label=_("Tare weight"),
            problems=problems,
            places=WEIGHT_PLACES,
            maximum=WEIGHT_MAX,
            positive=False,
        )
    if "max_weight_kg" in values:
        given = values["max_weight_kg"]
        cleaned["max_weight_kg"] = (
            None
            if given in (None, "")
            else decimal_of(
                given,
                field_name="max_weight_kg",
                label=_("Maximum weight"),
                problems=problems,
                places=WEIGHT_PLACES,
                maximum=WEIGHT_MAX,
            )
        )
    if "active" in values:
        if not isinstance(values["active"], bool):
            problems.add("active", _("Active must be true or false."))
        cleaned["active"] = bool(values["active"])
    problems.raise_any()
    return cleaned


def box_preset_create(
    *,
    actor: Any,
    name: str,
    length_cm: Any,
    width_cm: Any,
    height_cm: Any,
    tare_kg: Any = 0,
    max_weight_kg: Any = None,
    active: bool = True,
) -> BoxPreset:
    require_staff(actor)
    values = clean_values(
        {
            "name": name,
            "length_cm": length_cm,
            "width_cm": width_cm,
            "height_cm": height_cm,
            "tare_kg": tare_kg,
            "max_weight_kg": max_weight_kg,
            "active": active,
        },
        exclude_id=None,
    )
    with transaction.atomic():
        box = BoxPreset.objects.create(**values)
        audit_record(actor=actor, action="box_preset.created", obj=box, summary=box.name)
    return box


def box_preset_update(box: BoxPreset, *, actor: Any, **changes: Any) -> BoxPreset:
    """Change only the fields given (of name, sizes, tare, maximum weight, active)."""
    require_staff(actor)
    unknown = sorted(set(changes) - set(FIELDS))
    if unknown:
        problems = Problems()
        for name in unknown:
            problems.add(name, _("Unknown field."))
        problems.raise_any()
    values = clean_values(changes, exclude_id=box.pk)
    with transaction.atomic():
        current = BoxPreset.objects.select_for_update().get(pk=box.pk)
        for name, value in values.items():
            setattr(current, name, value)
        current.save()
        audit_record(
            actor=actor,
            action="box_preset.updated",
            obj=current,
            summary=current.name,
            data={name: str(value) for name, value in values.items()},
        )
    return current


def box_preset_delete(box: BoxPreset, *, actor: Any) -> None:
    require_staff(actor)
    with transaction.atomic():
        current = BoxPreset.objects.select_for_update().filter(pk=box.pk).first()
        if current is None:
            return
        rules = list(current.rules.values_list("name", flat=True)[:5])
        if rules:
            raise Conflict(
                detail=_(
                    "Box %(name)s is chosen by the shipping rules %(rules)s: turn it off "
                    "instead, or change those rules first."
                )
                % {"name": current.name, "rules": ", ".join(rules)}
            )
        audit_record(actor=actor, action="box_preset.deleted", obj=current, summary=current.name)
        current.delete()
