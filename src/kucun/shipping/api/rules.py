"""/api/v1/shipping-rules: the ordered rules that choose how a parcel ships (订单规则).

Everyone reads and tries the rules (``POST /shipping-rules/evaluate``); staff and owners
write. Writes take an ``Idempotency-Key`` header: the same key again answers with the first
result; the same key with another request is a 409.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from kucun.accounts.choices import Role
from kucun.accounts.permissions import require_role
from kucun.channels.models import Store
from kucun.core.errors import ValidationFailed
from kucun.shipping import selectors_rules as selectors
from kucun.shipping.models import BoxPreset, ShippingRule
from kucun.shipping.rules import RuleDecision, evaluate
from kucun.shipping.selectors_rules import PlainDestination, facts_for_items
from kucun.shipping.services import rules as services
from kucun.warehouses.models import Warehouse

router = Router(tags=["shipping"])


def writer(request: HttpRequest) -> Any:
    require_role(request, Role.STAFF)
    return request.user


def idempotency_key(request: HttpRequest) -> str | None:
    return request.headers.get("Idempotency-Key") or None


# --- schemas --------------------------------------------------------------------------------------


class RuleOut(Schema):
    id: int
    position: int
    name: str
    enabled: bool
    is_default: bool
    conditions: dict[str, Any] = Field(
        ..., description="Only the conditions that are set; see the module for their names."
    )
    action: str
    carrier_account: int | None
    carrier_account_name: str
    service_code: str
    box_preset: int | None
    note: str
    created_at: datetime.datetime
    updated_at: datetime.datetime


class RuleIn(Schema):
    name: Any = None
    action: Any = None
    conditions: dict[str, Any] = {}
    carrier_account: Any = None
    service_code: Any = ""
    box_preset: Any = None
    note: Any = ""
    enabled: Any = True


class RulePatchIn(Schema):
    """Only the fields sent change; ``conditions`` replaces the rule's conditions whole."""

    name: Any = None
    action: Any = None
    conditions: dict[str, Any] | None = None
    carrier_account: Any = None
    service_code: Any = None
    box_preset: Any = None
    note: Any = None
    enabled: Any = None


class ReorderIn(Schema):
    ids: list[Any]


class ItemIn(Schema):
    sku: str
    quantity: Any = 1


class DestinationIn(Schema):
    country: str = ""
    state: str = ""
    postcode: str = ""


class EvaluateIn(Schema):
    destination: DestinationIn = DestinationIn()
    items: list[ItemIn] = []
    store: Any = Field(None, description="A store's id or name.")
    warehouse: Any = Field(None, description="A warehouse's id or code.")
    value: Any = None
    shipping_method: str = ""
    box: Any = Field(None, description="A box preset's id or name; its tare adds to the weight.")
    weight_kg: Any = Field(
        None, description="The parcel's weight as weighed, instead of its items' and box's."
    )


class RuleBriefOut(Schema):
    id: int
    position: int
    name: str


class FailureOut(Schema):
    rule: RuleBriefOut
    condition: str
    explanation: str


class FactsOut(Schema):
    store: int | None
    warehouse: int | None
    country: str
    state: str
    postcode: str
    weight_kg: Decimal
    value: Decimal
    shipping_method: str
    skus: list[str]


class EvaluationOut(Schema):
    matched: RuleBriefOut | None
    action: str
    carrier_account: int | None
    service_code: str
    box_preset: int | None
    earlier: list[FailureOut] = Field(
        ..., description="Each enabled rule above the match and the first condition it failed."
    )
    facts: FactsOut


def rule_out(rule: ShippingRule) -> dict[str, Any]:
    return {
        "id": rule.pk,
        "position": rule.position,
        "name": rule.name,
        "enabled": rule.enabled,
        "is_default": rule.is_default,
        "conditions": dict(rule.conditions or {}),
        "action": rule.action,
        "carrier_account": rule.carrier_account_id,
        "carrier_account_name": rule.carrier_account.name if rule.carrier_account else "",
        "service_code": rule.service_code,
        "box_preset": rule.box_preset_id,
        "note": rule.note,
        "created_at": rule.created_at,
        "updated_at": rule.updated_at,
    }


def rules_out() -> list[dict[str, Any]]:
    return [rule_out(rule) for rule in selectors.rules_ordered()]


# --- endpoints ------------------------------------------------------------------------------------


@router.get("/shipping-rules", response=list[RuleOut], summary="List the rules, in order")
def rules_list(request: HttpRequest) -> Any:
    services.rules_ensure_default()
    return rules_out()


@router.post("/shipping-rules", response={201: RuleOut}, summary="Add a rule (staff)")
def rules_create(request: HttpRequest, payload: RuleIn) -> Any:
    rule = services.rule_create(
        user=writer(request), idempotency_key=idempotency_key(request), **payload.dict()
    )
    return Status(201, rule_out(selectors.rule_by_id(rule.pk)))


@router.post(
    "/shipping-rules/reorder",
    response=list[RuleOut],
    summary="Put the rules in a new order (staff)",
    description='`{"ids": [...]}`: every rule but the default, each once; the default stays last.',
)
def rules_reorder(request: HttpRequest, payload: ReorderIn) -> Any:
    services.rule_reorder(
        user=writer(request), rule_ids=payload.ids, idempotency_key=idempotency_key(request)
    )
    return rules_out()


@router.post(
    "/shipping-rules/evaluate",
    response=EvaluationOut,
    summary="Try the rules on a parcel",
    description="The rule that matches a parcel (destination, items, store, warehouse, value, "
    "shipping method, box) and, for each enabled rule above it, the condition that failed.",
)
def rules_evaluate(request: HttpRequest, payload: EvaluateIn) -> Any:
    services.rules_ensure_default()
    box = box_named(payload.box)
    facts = facts_for_items(
        items=[(line.sku, line.quantity) for line in payload.items],
        destination=PlainDestination(
            country=payload.destination.country,
            state=payload.destination.state,
            postcode=payload.destination.postcode,
        ),
        store=store_id(payload.store),
        warehouse=warehouse_id(payload.warehouse),
        value=payload.value,
        shipping_method=payload.shipping_method,
        box_preset=box,
        weight_kg=weight_given(payload.weight_kg),
    )
    return evaluation_out(evaluate(selectors.rules_compiled(), facts))


@router.get("/shipping-rules/{rule_id}", response=RuleOut, summary="Get a rule")
def rules_get(request: HttpRequest, rule_id: int) -> Any:
    return rule_out(selectors.rule_by_id(rule_id))


@router.patch("/shipping-rules/{rule_id}", response=RuleOut, summary="Change a rule (staff)")
def rules_patch(request: HttpRequest, rule_id: int, payload: RulePatchIn) -> Any:
    user = writer(request)
    selectors.rule_by_id(rule_id)
    services.rule_update(
        user=user,
        rule_id=rule_id,
        changes=payload.dict(exclude_unset=True),
        idempotency_key=idempotency_key(request),
    )
    return rule_out(selectors.rule_by_id(rule_id))


@router.delete("/shipping-rules/{rule_id}", response={204: None}, summary="Delete a rule (staff)")
def rules_delete(request: HttpRequest, rule_id: int) -> Any:
    user = writer(request)
    services.rule_delete(user=user, rule_id=rule_id, idempotency_key=idempotency_key(request))
    return Status(204, None)


# --- evaluate's inputs and answer -----------------------------------------------------------------


def store_id(value: Any) -> int | None:
    if value in (None, ""):
        return None
    found = (
        Store.objects.filter(pk=value).first()
        if isinstance(value, int) and not isinstance(value, bool)
        else Store.objects.filter(name__iexact=str(value).strip()).first()
    )
    if found is None:
        raise ValidationFailed.for_field("store", _("No store is %(store)s.") % {"store": value})
    return found.pk


def warehouse_id(value: Any) -> int | None:
    if value in (None, ""):
        return None
    found = (
        Warehouse.objects.filter(pk=value).first()
        if isinstance(value, int) and not isinstance(value, bool)
        else Warehouse.objects.filter(code__iexact=str(value).strip()).first()
    )
    if found is None:
        raise ValidationFailed.for_field(
            "warehouse", _("No warehouse is %(warehouse)s.") % {"warehouse": value}
        )
    return found.pk


def box_named(value: Any) -> BoxPreset | None:
    if value in (None, ""):
        return None
    found = (
        BoxPreset.objects.filter(pk=value).first()
        if isinstance(value, int) and not isinstance(value, bool)
        else BoxPreset.objects.filter(name__iexact=str(value).strip()).first()
    )
    if found is None:
        raise ValidationFailed.for_field("box", _("No box is %(box)s.") % {"box": value})
    return found


def weight_given(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        weight = Decimal(str(value))
    except ArithmeticError:
        weight = Decimal(-1)
    if isinstance(value, bool) or not weight.is_finite() or weight < 0:
        raise ValidationFailed.for_field(
            "weight_kg", _("The weight is a number of kilograms, such as 2.5.")
        )
    return weight


def brief(rule: Any) -> dict[str, Any]:
    return {"id": rule.rule_id, "position": rule.position, "name": rule.name}


def evaluation_out(decision: RuleDecision) -> dict[str, Any]:
    rule, facts = decision.rule, decision.facts
    return {
        "matched": brief(rule) if rule is not None else None,
        "action": decision.action,
        "carrier_account": rule.carrier_account_id if rule is not None else None,
        "service_code": rule.service_code if rule is not None else "",
        "box_preset": rule.box_preset_id if rule is not None else None,
        "earlier": [
            {
                "rule": brief(failure.rule),
                "condition": failure.condition,
                "explanation": failure.explanation,
            }
            for failure in decision.failures
        ],
        "facts": {
            "store": facts.store_id,
            "warehouse": facts.warehouse_id,
            "country": facts.country_key,
            "state": facts.state_key,
            "postcode": facts.postcode.strip(),
            "weight_kg": facts.weight_kg,
            "value": facts.value,
            "shipping_method": facts.shipping_method,
            "skus": sorted(facts.skus),
        },
    }
