"""Writing shipping rules (订单规则): create, change, switch, delete and order them.

Rules are an ordered list numbered 1…n; the default rule (no conditions) is always the last,
always enabled, and cannot be deleted, moved or given conditions: only its action changes.
``rules_ensure_default`` makes it when it is missing. Every write locks the default rule and
then the whole list in its own transaction, so writers take turns, and renumbers the list in
two steps (out of the way, then into place), so positions stay unique at every statement.
Staff write; ``user`` None is the system itself (the demo, a command). Every write leaves an
audit entry.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from kucun.accounts.choices import Role
from kucun.channels.models import Store
from kucun.core.audit import audit_record
from kucun.core.errors import FieldError, NotFound, PermissionDenied, ValidationFailed
from kucun.core.idempotency import idempotent
from kucun.shipping.carrier_registry import carriers
from kucun.shipping.choices import RuleAction
from kucun.shipping.models import BoxPreset, CarrierAccount, ShippingRule
from kucun.shipping.rules import clean_conditions
from kucun.warehouses.models import Warehouse

DEFAULT_RULE_NAME = gettext_noop("Everything else")
NAME_MAX_LENGTH = 100
NOTE_MAX_LENGTH = 200
SERVICE_MAX_LENGTH = 32
ID_MAX = 2**63 - 1
# What a rule's action is made of; the default rule may change these and nothing else.
ACTION_FIELDS = frozenset({"action", "carrier_account", "service_code", "box_preset"})
UPDATABLE_FIELDS = ACTION_FIELDS | {"name", "conditions", "note", "enabled"}


# --- who may --------------------------------------------------------------------------------------


def require_staff(user: Any) -> None:
    """Staff and owners write rules; None is the system itself."""
    if user is None:
        return
    if not (getattr(user, "is_authenticated", False) and user.has_role(Role.STAFF)):
        raise PermissionDenied(detail=_("Viewers may read the shipping rules but not change them."))


# --- reading inside a write -----------------------------------------------------------------------


def locked_rules() -> list[ShippingRule]:
    """Every rule, locked, in list order (the default last). Writers first lock the default
    rule, which always exists, so they run one after another and each reads the list only
    once the one before has committed (a rule added meanwhile included)."""
    anchor = rules_ensure_default()
    list(ShippingRule.objects.select_for_update().filter(pk=anchor.pk))
    rows = ShippingRule.objects.select_for_update().order_by("pk")
    return sorted(rows, key=lambda rule: (rule.is_default, rule.position, rule.pk))


def rule_in(rules: Sequence[ShippingRule], rule_id: Any) -> ShippingRule:
    for rule in rules:
        if rule.pk == rule_id:
            return rule
    raise NotFound(detail=_("No shipping rule has id %(id)s.") % {"id": rule_id})


def renumber(rules: Sequence[ShippingRule]) -> None:
    """Give the rules positions 1…n in this order, in two steps: first above every position in
    use, then into place, so no statement ever meets a position another row still holds."""
    wanted = {rule.pk: number for number, rule in enumerate(rules, start=1)}
    moving = [rule for rule in rules if rule.position != wanted[rule.pk]]
    if not moving:
        return
    top = ShippingRule.objects.aggregate(top=Max("position"))["top"] or 0
    for offset, rule in enumerate(moving, start=1):
        rule.position = top + offset
    ShippingRule.objects.bulk_update(moving, ["position"])
    for rule in moving:
        rule.position = wanted[rule.pk]
    ShippingRule.objects.bulk_update(moving, ["position"])


# --- the default rule -----------------------------------------------------------------------------


def rules_ensure_default() -> ShippingRule:
    """The default rule, made ("Everything else", last, holding for a person until told
    otherwise) when there is none."""
    found = ShippingRule.objects.filter(is_default=True).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            top = ShippingRule.objects.aggregate(top=Max("position"))["top"] or 0
            rule = ShippingRule.objects.create(
                position=top + 1,
                name=DEFAULT_RULE_NAME,
                is_default=True,
                enabled=True,
                conditions={},
                action=RuleAction.HOLD,
            )
            audit_record(actor=None, action="shipping_rule.create", obj=rule, summary=rule.name)
            return rule
    except IntegrityError:
        # Made at the same moment by another transaction (one default, unique positions).
        found = ShippingRule.objects.filter(is_default=True).first()
        if found is None:
            raise
        return found


# --- cleaning -------------------------------------------------------------------------------------


class Problems:
    def __init__(self) -> None:
        self.items: list[FieldError] = []

    def add(self, field: str, message: str) -> None:
        self.items.append(FieldError(field, message))

    def extend(self, errors: Sequence[FieldError]) -> None:
        self.items.extend(errors)

    def raise_any(self) -> None:
        if self.items:
            summary = "; ".join(f"{item.field}: {item.message}" for item in self.items)
            raise ValidationFailed(detail=summary, errors=list(self.items))


def clean_name(value: Any, problems: Problems) -> str:
    name = value.strip() if isinstance(value, str) else ""
    if not name:
        problems.add("name", _("Name the rule: what it is for, such as 'Melbourne by courier'."))
    elif len(name) > NAME_MAX_LENGTH:
        problems.add("name", _("A name is at most %(max)d characters.") % {"max": NAME_MAX_LENGTH})
    return name


def clean_note(value: Any, problems: Problems) -> str:
    if value is None:
        return ""
    note = value.strip() if isinstance(value, str) else None
    if note is None:
        problems.add("note", _("The note is text."))
        return ""
    if len(note) > NOTE_MAX_LENGTH:
        problems.add("note", _("A note is at most %(max)d characters.") % {"max": NOTE_MAX_LENGTH})
    return note


def clean_flag(value: Any, field: str, problems: Problems) -> bool:
    if not isinstance(value, bool):
        problems.add(field, _("Give true or false."))
        return False
    return value


def clean_id(value: Any) -> int | None:
    """An id as sent (a number, or digits as text); None when empty or not an id."""
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= ID_MAX:
        return None
    return value


def existing_conditions(conditions: Mapping[str, Any], problems: Problems) -> dict[str, Any]:
    """Clean the conditions, and check that their stores and warehouses exist."""
    try:
        cleaned = clean_conditions(conditions)
    except ValidationFailed as error:
        problems.extend(error.errors)
        return {}
    for key, model, message in (
        ("stores", Store, _("No store has id %(ids)s.")),
        ("warehouses", Warehouse, _("No warehouse has id %(ids)s.")),
    ):
        wanted = cleaned.get(key, [])
        found = set(model.objects.filter(pk__in=wanted).values_list("pk", flat=True))
        missing = [str(pk) for pk in wanted if pk not in found]
        if missing:
            problems.add(f"conditions.{key}", message % {"ids": ", ".join(missing)})
    return cleaned


def known_services(account: CarrierAccount) -> list[str] | None:
    """The services of the account's carrier, or None when its adapter is not installed."""
    spec = carriers().get(account.carrier)
    if spec is None:
        return None
    return [service.code for service in spec.services]


def clean_action(values: Mapping[str, Any], problems: Problems) -> dict[str, Any]:
    """action, carrier_account, service_code and box_preset, as the model stores them."""
    action = values.get("action")
    if action not in RuleAction.values:
        problems.add(
            "action",
            _("Choose an action: %(actions)s.") % {"actions": ", ".join(RuleAction.values)},
        )
        return {}
    cleaned: dict[str, Any] = {
        "action": action,
        "carrier_account": None,
        "service_code": "",
        "box_preset": clean_box(values.get("box_preset"), problems),
    }
    if action == RuleAction.CARRIER:
        account = clean_account(values.get("carrier_account"), problems)
        cleaned["carrier_account"] = account
        if account is not None:
            cleaned["service_code"] = clean_service(account, values.get("service_code"), problems)
    return cleaned


def clean_account(value: Any, problems: Problems) -> CarrierAccount | None:
    if value in (None, ""):
        problems.add("carrier_account", _("Choose the carrier account that ships these parcels."))
        return None
    account_id = clean_id(value)
    account = CarrierAccount.objects.filter(pk=account_id).first() if account_id else None
    if account is None:
        problems.add("carrier_account", _("No carrier account has id %(id)s.") % {"id": value})
        return None
    if not account.active:
        problems.add(
            "carrier_account",
            _("The carrier account %(name)s is turned off: turn it on or choose another.")
            % {"name": account.name},
        )
        return None
    return account


def clean_service(account: CarrierAccount, value: Any, problems: Problems) -> str:
    """The service: one of the carrier's, or the account's default; empty means the default."""
    code = value.strip() if isinstance(value, str) else ""
    if value not in (None, "") and not isinstance(value, str):
        problems.add("service_code", _("The service is a code such as T28."))
        return ""
    if not code:
        code = account.default_service
    if not code:
        problems.add(
            "service_code",
            _("Choose a service: the account %(name)s has no default service.")
            % {"name": account.name},
        )
        return ""
    if len(code) > SERVICE_MAX_LENGTH:
        problems.add("service_code", _("A service code is at most 32 characters."))
        return ""
    allowed = known_services(account)
    if allowed is not None and code not in allowed and code != account.default_service:
        problems.add(
            "service_code",
            _("%(carrier)s has no service %(code)s; choose one of %(services)s.")
            % {
                "carrier": account.get_carrier_display(),
                "code": code,
                "services": ", ".join(allowed) or "-",
            },
        )
    return code


def clean_box(value: Any, problems: Problems) -> BoxPreset | None:
    if value in (None, ""):
        return None
    box_id = clean_id(value)
    box = BoxPreset.objects.filter(pk=box_id, active=True).first() if box_id else None
    if box is None:
        problems.add("box_preset", _("No box in use has id %(id)s.") % {"id": value})
    return box


# --- writes ---------------------------------------------------------------------------------------


def rule_snapshot(rule: ShippingRule) -> dict[str, Any]:
    return {
        "position": rule.position,
        "name": rule.name,
        "enabled": rule.enabled,
        "conditions": rule.conditions,
        "action": rule.action,
        "carrier_account": rule.carrier_account_id,
        "service_code": rule.service_code,
        "box_preset": rule.box_preset_id,
        "note": rule.note,
    }


@idempotent(operation="shipping_rule.create", result=ShippingRule)
def rule_create(
    *,
    user: Any,
    name: Any,
    action: Any,
    conditions: Mapping[str, Any] | None = None,
    carrier_account: Any = None,
    service_code: Any = "",
    box_preset: Any = None,
    note: Any = "",
    enabled: Any = True,
    idempotency_key: str | None = None,
) -> ShippingRule:
    """A new rule, placed last before the default rule."""
    require_staff(user)
    problems = Problems()
    values = {
        "name": clean_name(name, problems),
        "conditions": existing_conditions(conditions or {}, problems),
        **clean_action(
            {
                "action": action,
                "carrier_account": carrier_account,
                "service_code": service_code,
                "box_preset": box_preset,
            },
            problems,
        ),
        "note": clean_note(note, problems),
        "enabled": clean_flag(enabled, "enabled", problems),
    }
    problems.raise_any()
    with transaction.atomic():
        rules = locked_rules()
        top = max((rule.position for rule in rules), default=0)
        rule = ShippingRule.objects.create(position=top + 1, is_default=False, **values)
        renumber(
            [*[r for r in rules if not r.is_default], rule, *[r for r in rules if r.is_default]]
        )
        audit_record(
            actor=user,
            action="shipping_rule.create",
            obj=rule,
            summary=rule.name,
            data=rule_snapshot(rule),
        )
    return rule


@idempotent(operation="shipping_rule.update", result=ShippingRule)
def rule_update(
    *,
    user: Any,
    rule_id: int,
    changes: Mapping[str, Any],
    idempotency_key: str | None = None,
) -> ShippingRule:
    """Change the fields given (``conditions`` replaces the rule's conditions whole). The default
    rule takes only its action: action, carrier_account, service_code, box_preset."""
    require_staff(user)
    unknown = sorted(set(changes) - UPDATABLE_FIELDS)
    if unknown:
        raise ValidationFailed(
            detail=_("A rule has no field %(fields)s.") % {"fields": ", ".join(unknown)},
            errors=[FieldError(name, _("A rule has no such field.")) for name in unknown],
        )
    with transaction.atomic():
        rule = rule_in(locked_rules(), rule_id)
        if rule.is_default:
            refuse_default_change(changes)
        before = rule_snapshot(rule)
        apply_changes(rule, changes)
        rule.save()
        audit_record(
            actor=user,
            action="shipping_rule.update",
            obj=rule,
            summary=rule.name,
            data={"before": before, "after": rule_snapshot(rule)},
        )
    return rule


def refuse_default_change(changes: Mapping[str, Any]) -> None:
    fixed = sorted(set(changes) - ACTION_FIELDS)
    if fixed:
        message = _(
            "The default rule catches every parcel no other rule takes: only its action "
            "changes, not its %(fields)s."
        ) % {"fields": ", ".join(fixed)}
        raise ValidationFailed(detail=message, errors=[FieldError(name, message) for name in fixed])


def apply_changes(rule: ShippingRule, changes: Mapping[str, Any]) -> None:
    problems = Problems()
    if "name" in changes:
        rule.name = clean_name(changes["name"], problems)
    if "conditions" in changes:
        rule.conditions = existing_conditions(changes["conditions"] or {}, problems)
    if "note" in changes:
        rule.note = clean_note(changes["note"], problems)
    if "enabled" in changes:
        rule.enabled = clean_flag(changes["enabled"], "enabled", problems)
    if ACTION_FIELDS & set(changes):
        current = {
            "action": rule.action,
            "carrier_account": rule.carrier_account_id,
            "service_code": rule.service_code,
            "box_preset": rule.box_preset_id,
        }
        if changes.get("action", rule.action) != RuleAction.CARRIER:
            current["service_code"] = ""
        elif "carrier_account" in changes and "service_code" not in changes:
            current["service_code"] = ""  # another account: its default unless one is chosen
        action = clean_action({**current, **changes}, problems)
        if action:
            rule.action = action["action"]
            rule.carrier_account = action["carrier_account"]
            rule.service_code = action["service_code"]
            rule.box_preset = action["box_preset"]
    problems.raise_any()


@idempotent(operation="shipping_rule.enable")
def rule_set_enabled(
    *, user: Any, rule_id: int, enabled: bool, idempotency_key: str | None = None
) -> None:
    """Switch a rule on or off; the default rule stays on."""
    require_staff(user)
    with transaction.atomic():
        rule = rule_in(locked_rules(), rule_id)
        if rule.is_default and not enabled:
            message = _("The default rule is always on: it catches what no other rule takes.")
            raise ValidationFailed.for_field("enabled", message)
        if rule.enabled == enabled:
            return
        rule.enabled = enabled
        rule.save(update_fields=["enabled", "updated_at"])
        audit_record(
            actor=user,
            action="shipping_rule.enable" if enabled else "shipping_rule.disable",
            obj=rule,
            summary=rule.name,
        )


@idempotent(operation="shipping_rule.delete")
def rule_delete(*, user: Any, rule_id: int, idempotency_key: str | None = None) -> None:
    require_staff(user)
    with transaction.atomic():
        rules = locked_rules()
        rule = rule_in(rules, rule_id)
        if rule.is_default:
            raise ValidationFailed(
                detail=_("The default rule cannot be deleted: change its action instead.")
            )
        audit_record(
            actor=user,
            action="shipping_rule.delete",
            obj=rule,
            summary=rule.name,
            data=rule_snapshot(rule),
        )
        remaining = [other for other in rules if other.pk != rule.pk]
        rule.delete()
        renumber(remaining)


@idempotent(operation="shipping_rule.reorder")
def rule_reorder(*, user: Any, rule_ids: Sequence[Any], idempotency_key: str | None = None) -> None:
    """Put the rules in this order: every rule but the default, each once (the default may
    close the list; it stays last either way)."""
    require_staff(user)
    with transaction.atomic():
        rules = locked_rules()
        ordered = ordered_as_asked(rules, rule_ids)
        moves_audit(user, rules, ordered)
        renumber(ordered)


def ordered_as_asked(rules: Sequence[ShippingRule], rule_ids: Sequence[Any]) -> list[ShippingRule]:
    if isinstance(rule_ids, str) or not isinstance(rule_ids, Sequence):
        raise ValidationFailed.for_field("ids", _("Give the rules' ids as a list."))
    by_id = {rule.pk: rule for rule in rules}
    default = [rule for rule in rules if rule.is_default]
    asked = [clean_id(value) for value in rule_ids]
    if default and asked and asked[-1] == default[0].pk:
        asked.pop()
    movable = [rule.pk for rule in rules if not rule.is_default]
    if any(pk is None for pk in asked) or sorted(asked, key=lambda pk: pk or 0) != sorted(movable):
        unknown = [
            str(value) for value, pk in zip(rule_ids, asked, strict=False) if pk not in by_id
        ]
        every = ", ".join(str(pk) for pk in movable) or "-"
        if unknown:
            message = _(
                "No shipping rule has id %(unknown)s. Give every rule's id once, in the new "
                "order, without the default rule (it stays last): %(ids)s."
            ) % {"unknown": ", ".join(unknown), "ids": every}
        else:
            message = _(
                "Give every rule's id once, in the new order, without the default rule "
                "(it stays last): %(ids)s."
            ) % {"ids": every}
        raise ValidationFailed.for_field("ids", message)
    return [by_id[pk] for pk in asked if pk is not None] + default


def moves_audit(user: Any, before: Sequence[ShippingRule], after: Sequence[ShippingRule]) -> None:
    old = {rule.pk: number for number, rule in enumerate(before, start=1)}
    for number, rule in enumerate(after, start=1):
        if old[rule.pk] != number:
            audit_record(
                actor=user,
                action="shipping_rule.move",
                obj=rule,
                summary=rule.name,
                data={"from": old[rule.pk], "to": number},
            )


@idempotent(operation="shipping_rule.move")
def rule_move(
    *, user: Any, rule_id: int, direction: str, idempotency_key: str | None = None
) -> None:
    """Move a rule one place up or down (nothing moves past the default rule)."""
    require_staff(user)
    if direction not in ("up", "down"):
        raise ValidationFailed.for_field("direction", _("Move a rule 'up' or 'down'."))
    with transaction.atomic():
        rules = locked_rules()
        rule = rule_in(rules, rule_id)
        if rule.is_default:
            raise ValidationFailed(detail=_("The default rule stays last."))
        movable = [other for other in rules if not other.is_default]
        index = movable.index(rule)
        target = index - 1 if direction == "up" else index + 1
        if not 0 <= target < len(movable):
            return
        movable[index], movable[target] = movable[target], movable[index]
        ordered = movable + [other for other in rules if other.is_default]
        moves_audit(user, rules, ordered)
        renumber(ordered)
