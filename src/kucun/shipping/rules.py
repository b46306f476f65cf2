"""The shipping rules engine (订单规则): conditions → action, first match wins. No database.

A rule holds only the conditions that are set, under these keys (``ShippingRule.conditions``):

==========================  ==============================================================
``stores``                  [store ids]: the order came from one of these stores
``countries``               [ISO-2 codes]: the destination's country is one of these
``states``                  [codes such as VIC]: the destination's state is one of these
``postcodes``               text of postcodes and ranges ("3000-3999, 2000, 2600-2620")
``weight_min_kg``           decimal text: the parcel weighs at least this (inclusive)
``weight_max_kg``           decimal text: the parcel weighs at most this (inclusive)
``value_min``               decimal text: the order is worth at least this
``value_max``               decimal text: the order is worth at most this
``shipping_method_contains``  text found, ignoring case, in the channel's shipping method
``skus``                    [SKUs]: the parcel contains at least one of them
``warehouses``              [warehouse ids]: the parcel ships from one of these warehouses
==========================  ==============================================================

Every condition of a rule must hold. ``compile_rules`` turns the stored rows into predicates
once; ``evaluate`` runs them against the facts of a parcel (``RuleFacts``) and answers the
first enabled rule whose conditions all hold, and, for each enabled rule above it, the first
of its conditions (in the order of the table) that did not hold. Explanations are worded only
when read, in the reader's language, so evaluating stays cheap.

``clean_conditions`` checks and normalises conditions as a person or a client sends them (lists
or comma-separated text); whether the stores, warehouses and SKUs exist is the services' part.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from kucun.core.errors import FieldError, ValidationFailed

CONDITION_KEYS: tuple[str, ...] = (
    "stores",
    "countries",
    "states",
    "postcodes",
    "weight_min_kg",
    "weight_max_kg",
    "value_min",
    "value_max",
    "shipping_method_contains",
    "skus",
    "warehouses",
)
ID_CONDITIONS = ("stores", "warehouses")
DECIMAL_CONDITIONS = ("weight_min_kg", "weight_max_kg", "value_min", "value_max")
DECIMAL_LIMIT = Decimal("1000000000")
TEXT_MAX_LENGTH = 100
LIST_MAX_LENGTH = 1000
POSTCODE_SET_LIMIT = 20_000
HOLD = "hold"  # RuleAction.HOLD, without importing the choices' lazy labels here

COUNTRY = re.compile(r"^[A-Z]{2}$")
STATE = re.compile(r"^[A-Z0-9][A-Z0-9 .-]{0,49}$")
POSTCODE_RANGE = re.compile(r"^(\d{1,10})\s*-\s*(\d{1,10})$")
POSTCODE_SINGLE = re.compile(r"^\d{1,10}$")
LIST_SEPARATORS = re.compile(r"[,;\s]+")
POSTCODE_SEPARATORS = re.compile(r"[,;\n]+")


# --- facts ---------------------------------------------------------------------------------------


def postcode_key(postcode: str) -> str:
    """A postcode as rules compare it: upper case, without spaces."""
    return "".join(postcode.split()).upper()


@dataclass(frozen=True, slots=True)
class RuleFacts:
    """What rules look at in one parcel. The normalised forms (``*_key``) are computed once."""

    store_id: int | None = None
    warehouse_id: int | None = None
    country: str = ""
    state: str = ""
    postcode: str = ""
    weight_kg: Decimal = Decimal(0)
    value: Decimal = Decimal(0)
    shipping_method: str = ""
    skus: frozenset[str] = frozenset()
    country_key: str = field(init=False, repr=False, compare=False)
    state_key: str = field(init=False, repr=False, compare=False)
    postcode_text: str = field(init=False, repr=False, compare=False)
    postcode_number: int | None = field(init=False, repr=False, compare=False)
    method_key: str = field(init=False, repr=False, compare=False)
    sku_keys: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        code = postcode_key(self.postcode or "")
        setattr_ = object.__setattr__
        setattr_(self, "country_key", (self.country or "").strip().upper())
        setattr_(self, "state_key", (self.state or "").strip().upper())
        setattr_(self, "postcode_text", code)
        setattr_(self, "postcode_number", int(code) if code.isdigit() else None)
        setattr_(self, "method_key", (self.shipping_method or "").casefold())
        setattr_(self, "sku_keys", frozenset(sku.strip().casefold() for sku in self.skus))


# --- cleaning conditions -------------------------------------------------------------------------


@dataclass(frozen=True)
class PostcodeSet:
    """Parsed postcode text: numeric postcodes and ranges, merged and sorted. Postcodes are
    compared as numbers, so 0800-0899 holds 0800 and 800 alike."""

    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def __contains__(self, number: int | None) -> bool:
        if number is None:
            return False
        index = bisect.bisect_right(self.starts, number) - 1
        return index >= 0 and number <= self.ends[index]


def parse_postcodes(text: str) -> PostcodeSet:
    """Parse "3000-3999, 2000, 2600-2620"; a bad part raises ValidationFailed naming it."""
    ranges: list[tuple[int, int]] = []
    parts: list[str] = []
    for raw in POSTCODE_SEPARATORS.split(text or ""):
        part = raw.strip().upper()
        if not part:
            continue
        found = POSTCODE_RANGE.match(part)
        if found:
            low, high = int(found.group(1)), int(found.group(2))
            if low > high:
                raise condition_error(
                    "postcodes",
                    _("'%(part)s' runs backwards: write the lower postcode first (%(fixed)s).")
                    % {"part": raw.strip(), "fixed": f"{found.group(2)}-{found.group(1)}"},
                )
            ranges.append((low, high))
            parts.append(f"{found.group(1)}-{found.group(2)}")
        elif POSTCODE_SINGLE.match(part):
            ranges.append((int(part), int(part)))
            parts.append(part)
        else:
            raise condition_error(
                "postcodes",
                _(
                    "'%(part)s' is not a postcode or a range of postcodes: write postcodes "
                    "and ranges separated by commas, such as 3000-3999, 2000."
                )
                % {"part": raw.strip()},
            )
    merged: list[list[int]] = []
    for low, high in sorted(ranges):
        if merged and low <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], high)
        else:
            merged.append([low, high])
    return PostcodeSet(
        text=", ".join(parts),
        starts=tuple(low for low, _high in merged),
        ends=tuple(high for _low, high in merged),
    )


def condition_error(key: str, message: str) -> ValidationFailed:
    return ValidationFailed(
        detail=f"{condition_label(key)}: {message}",
        errors=[FieldError(f"conditions.{key}", message)],
    )


def condition_label(key: str) -> str:
    labels = {
        "stores": _("Stores"),
        "countries": _("Countries"),
        "states": _("States"),
        "postcodes": _("Postcodes"),
        "weight_min_kg": _("Minimum weight (kg)"),
        "weight_max_kg": _("Maximum weight (kg)"),
        "value_min": _("Minimum order value"),
        "value_max": _("Maximum order value"),
        "shipping_method_contains": _("Shipping method contains"),
        "skus": _("SKUs"),
        "warehouses": _("Warehouses"),
    }
    return str(labels.get(key, key))


def is_unset(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | tuple | set | frozenset):
        return len(value) == 0
    return False


def as_list(key: str, value: Any) -> list[Any]:
    """A list as sent, or text split on commas and spaces (the console's text inputs)."""
    if isinstance(value, str):
        items: list[Any] = [part for part in LIST_SEPARATORS.split(value) if part]
    elif isinstance(value, list | tuple | set | frozenset):
        items = list(value)
    else:
        raise condition_error(key, _("Give a list."))
    if len(items) > LIST_MAX_LENGTH:
        raise condition_error(key, _("At most %(max)d entries.") % {"max": LIST_MAX_LENGTH})
    return items


def clean_ids(key: str, value: Any) -> list[int]:
    ids: list[int] = []
    for entry in as_list(key, value):
        if isinstance(entry, str) and entry.strip().isdigit():
            entry = int(entry.strip())
        if isinstance(entry, bool) or not isinstance(entry, int) or entry <= 0:
            raise condition_error(
                key, _("'%(entry)s' is not an id: give whole numbers.") % {"entry": entry}
            )
        if entry not in ids:
            ids.append(entry)
    return sorted(ids)


def clean_codes(key: str, value: Any, pattern: re.Pattern[str], hint: str) -> list[str]:
    codes: list[str] = []
    for entry in as_list(key, value):
        code = str(entry).strip().upper()
        if not pattern.match(code):
            raise condition_error(key, _("'%(entry)s' %(hint)s") % {"entry": entry, "hint": hint})
        if code not in codes:
            codes.append(code)
    return codes


def clean_skus(value: Any) -> list[str]:
    skus: list[str] = []
    seen: set[str] = set()
    for entry in as_list("skus", value):
        sku = str(entry).strip()
        if not sku or len(sku) > 64:
            raise condition_error(
                "skus", _("'%(entry)s' is not a SKU (1 to 64 characters).") % {"entry": entry}
            )
        if sku.casefold() not in seen:
            seen.add(sku.casefold())
            skus.append(sku)
    return skus


def clean_decimal(key: str, value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise condition_error(key, _("Give a number, such as 2.5."))
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise condition_error(
            key, _("'%(value)s' is not a number: write it like 2.5.") % {"value": value}
        ) from None
    if not number.is_finite() or number < 0 or number >= DECIMAL_LIMIT:
        raise condition_error(
            key,
            _("'%(value)s' must be zero or more and less than 1,000,000,000.") % {"value": value},
        )
    return format(number.normalize(), "f")


def clean_text_condition(key: str, value: Any) -> str:
    if not isinstance(value, str):
        raise condition_error(key, _("Give text."))
    text = value.strip()
    if len(text) > TEXT_MAX_LENGTH:
        raise condition_error(key, _("At most %(max)d characters.") % {"max": TEXT_MAX_LENGTH})
    return text


def clean_one(key: str, value: Any) -> Any:
    if key in ID_CONDITIONS:
        return clean_ids(key, value)
    if key == "countries":
        return clean_codes(
            key, value, COUNTRY, _("is not a two-letter country code such as AU or NZ.")
        )
    if key == "states":
        return clean_codes(key, value, STATE, _("is not a state code such as VIC or NSW."))
    if key == "postcodes":
        if not isinstance(value, str):
            raise condition_error(key, _("Give postcodes as text, such as 3000-3999, 2000."))
        return parse_postcodes(value).text
    if key in DECIMAL_CONDITIONS:
        return clean_decimal(key, value)
    if key == "skus":
        return clean_skus(value)
    return clean_text_condition(key, value)


def clean_conditions(raw: Mapping[str, Any] | None) -> dict[str, Any]:
    """The conditions to store: only those set, normalised; every problem named by its key
    (``conditions.postcodes``) in one ValidationFailed."""
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise ValidationFailed.for_field(
            "conditions", _("Conditions are an object of condition names and values.")
        )
    cleaned: dict[str, Any] = {}
    problems: list[FieldError] = []
    for key, value in raw.items():
        if key not in CONDITION_KEYS:
            problems.append(
                FieldError(
                    f"conditions.{key}",
                    _("Kucun has no condition named '%(key)s'; the conditions are %(keys)s.")
                    % {"key": key, "keys": ", ".join(CONDITION_KEYS)},
                )
            )
            continue
        if is_unset(value):
            continue
        try:
            result = clean_one(key, value)
        except ValidationFailed as error:
            problems.extend(error.errors)
            continue
        if not is_unset(result):
            cleaned[key] = result
    problems.extend(range_problems(cleaned))
    if problems:
        raise ValidationFailed(
            detail="; ".join(f"{p.field}: {p.message}" for p in problems), errors=problems
        )
    return {key: cleaned[key] for key in CONDITION_KEYS if key in cleaned}


def range_problems(cleaned: Mapping[str, Any]) -> list[FieldError]:
    problems = []
    for low_key, high_key in (("weight_min_kg", "weight_max_kg"), ("value_min", "value_max")):
        if (
            low_key in cleaned
            and high_key in cleaned
            and Decimal(cleaned[low_key]) > Decimal(cleaned[high_key])
        ):
            problems.append(
                FieldError(
                    f"conditions.{high_key}",
                    _("The maximum (%(high)s) is below the minimum (%(low)s).")
                    % {"high": cleaned[high_key], "low": cleaned[low_key]},
                )
            )
    return problems


# --- explanations ---------------------------------------------------------------------------------

# Worded only when read; ``Wording`` translates each message once per decision, not once per rule.
NO_STORE = gettext_noop("no store given; the rule needs %(allowed)s")
STORE_NOT_IN = gettext_noop("store %(store)s is not one of %(allowed)s")
NO_WAREHOUSE = gettext_noop("no warehouse given; the rule needs %(allowed)s")
WAREHOUSE_NOT_IN = gettext_noop("warehouse %(warehouse)s is not one of %(allowed)s")
NO_COUNTRY = gettext_noop("no country given; the rule needs %(allowed)s")
COUNTRY_NOT_IN = gettext_noop("country %(country)s is not one of %(allowed)s")
NO_STATE = gettext_noop("no state given; the rule needs %(allowed)s")
STATE_NOT_IN = gettext_noop("state %(state)s is not one of %(allowed)s")
NO_POSTCODE = gettext_noop("no postcode given; the rule needs %(allowed)s")
POSTCODE_NOT_IN = gettext_noop("postcode %(postcode)s is not in %(allowed)s")
WEIGHT_BELOW = gettext_noop("weight %(weight)s kg is below the minimum of %(limit)s kg")
WEIGHT_ABOVE = gettext_noop("weight %(weight)s kg is above the maximum of %(limit)s kg")
VALUE_BELOW = gettext_noop("order value %(value)s is below the minimum of %(limit)s")
VALUE_ABOVE = gettext_noop("order value %(value)s is above the maximum of %(limit)s")
NO_METHOD = gettext_noop("no shipping method given; the rule needs one containing %(text)s")
METHOD_WITHOUT = gettext_noop("shipping method %(method)s does not contain %(text)s")
NO_SKU = gettext_noop("the parcel contains none of %(skus)s")
UNREADABLE = gettext_noop("the condition %(condition)s cannot be read: %(problem)s")


class Wording:
    """Messages translated into the active language, each once."""

    def __init__(self) -> None:
        self.done: dict[str, str] = {}

    def __call__(self, message: str) -> str:
        found = self.done.get(message)
        if found is None:
            found = self.done[message] = _(message)
        return found


Explain = Callable[[RuleFacts, Wording], str]


@dataclass(frozen=True)
class Check:
    """One condition of one rule: ``expression`` (Python, on the facts ``f`` and the constant
    ``k``) holds or not; ``explain`` says why it did not."""

    key: str
    expression: str
    constant: Any
    explain: Explain


def names_of(ids: Iterable[int], names: Mapping[int, str]) -> str:
    return ", ".join(names.get(pk, f"#{pk}") for pk in ids)


def quoted(text: str) -> str:
    return f"“{text}”"


def decimal_text(value: Decimal) -> str:
    return format(value.normalize(), "f") if value.is_finite() else str(value)


def id_check(key: str, ids: Sequence[int], names: Mapping[int, str]) -> Check:
    attribute, missing, outside, placeholder = {
        "stores": ("store_id", NO_STORE, STORE_NOT_IN, "store"),
        "warehouses": ("warehouse_id", NO_WAREHOUSE, WAREHOUSE_NOT_IN, "warehouse"),
    }[key]
    wanted = names_of(ids, names)

    def explain(facts: RuleFacts, word: Wording) -> str:
        given = getattr(facts, attribute)
        if given is None:
            return word(missing) % {"allowed": wanted}
        return word(outside) % {placeholder: names.get(given, f"#{given}"), "allowed": wanted}

    return Check(key, f"f.{attribute} in k", frozenset(ids), explain)


def code_check(key: str, codes: Sequence[str]) -> Check:
    attribute, missing, outside, placeholder = {
        "countries": ("country_key", NO_COUNTRY, COUNTRY_NOT_IN, "country"),
        "states": ("state_key", NO_STATE, STATE_NOT_IN, "state"),
    }[key]
    wanted = ", ".join(codes)

    def explain(facts: RuleFacts, word: Wording) -> str:
        given = getattr(facts, attribute)
        if not given:
            return word(missing) % {"allowed": wanted}
        return word(outside) % {placeholder: given, "allowed": wanted}

    return Check(key, f"f.{attribute} in k", frozenset(codes), explain)


def postcode_check(text: str) -> Check:
    postcodes = parse_postcodes(text)
    span = sum(end - start + 1 for start, end in zip(postcodes.starts, postcodes.ends, strict=True))
    # A few thousand postcodes are looked up in a set; wider ranges by bisection.
    members: Any = (
        frozenset(
            number
            for start, end in zip(postcodes.starts, postcodes.ends, strict=True)
            for number in range(start, end + 1)
        )
        if span <= POSTCODE_SET_LIMIT
        else postcodes
    )

    def explain(facts: RuleFacts, word: Wording) -> str:
        if not facts.postcode_text:
            return word(NO_POSTCODE) % {"allowed": postcodes.text}
        return word(POSTCODE_NOT_IN) % {
            "postcode": facts.postcode.strip(),
            "allowed": postcodes.text,
        }

    return Check("postcodes", "f.postcode_number in k", members, explain)


def limit_check(key: str, limit: str) -> Check:
    attribute, operator, message, placeholder = {
        "weight_min_kg": ("weight_kg", ">=", WEIGHT_BELOW, "weight"),
        "weight_max_kg": ("weight_kg", "<=", WEIGHT_ABOVE, "weight"),
        "value_min": ("value", ">=", VALUE_BELOW, "value"),
        "value_max": ("value", "<=", VALUE_ABOVE, "value"),
    }[key]

    def explain(facts: RuleFacts, word: Wording) -> str:
        given = decimal_text(getattr(facts, attribute))
        return word(message) % {placeholder: given, "limit": limit}

    return Check(key, f"f.{attribute} {operator} k", Decimal(limit), explain)


def method_check(text: str) -> Check:
    def explain(facts: RuleFacts, word: Wording) -> str:
        if not facts.method_key:
            return word(NO_METHOD) % {"text": quoted(text)}
        method = quoted(facts.shipping_method)
        return word(METHOD_WITHOUT) % {"method": method, "text": quoted(text)}

    return Check("shipping_method_contains", "k in f.method_key", text.casefold(), explain)


def sku_check(skus: Sequence[str]) -> Check:
    listed = ", ".join(skus)
    return Check(
        "skus",
        "not k.isdisjoint(f.sku_keys)",
        frozenset(sku.casefold() for sku in skus),
        lambda facts, word: word(NO_SKU) % {"skus": listed},
    )


def unreadable_check(key: str, message: str) -> Check:
    """A stored condition that no longer reads: the rule never matches, and says why."""
    return Check(
        key,
        "False",
        None,
        lambda facts, word: (
            word(UNREADABLE) % {"condition": condition_label(key), "problem": message}
        ),
    )


def checks_for(
    conditions: Mapping[str, Any],
    *,
    store_names: Mapping[int, str],
    warehouse_names: Mapping[int, str],
) -> tuple[Check, ...]:
    """The predicates of one rule's stored conditions, in the order of ``CONDITION_KEYS``."""
    try:
        clean = clean_conditions(conditions)
    except ValidationFailed as error:
        first = error.errors[0] if error.errors else FieldError("conditions", error.detail)
        return (unreadable_check(first.field.removeprefix("conditions."), first.message),)
    checks: list[Check] = []
    for key, value in clean.items():  # in the order of CONDITION_KEYS
        if key in ID_CONDITIONS:
            names = store_names if key == "stores" else warehouse_names
            checks.append(id_check(key, value, names))
        elif key in ("countries", "states"):
            checks.append(code_check(key, value))
        elif key == "postcodes":
            checks.append(postcode_check(value))
        elif key in DECIMAL_CONDITIONS:
            checks.append(limit_check(key, value))
        elif key == "shipping_method_contains":
            checks.append(method_check(value))
        else:
            checks.append(sku_check(value))
    return tuple(checks)


Decide = Callable[[RuleFacts], tuple[Any, list[Any]]]


def decide_function(rules: Sequence[CompiledRule]) -> Decide:
    """One function trying every rule in turn, conditions inline: it answers the first rule
    whose conditions all hold (or None) and, for each rule above it, (rule, index of its first
    condition that failed). Built from the checks' fixed expressions; the values (sets, limits,
    the rules themselves) are bound as names, never written into the source."""
    namespace: dict[str, Any] = {}
    lines = ["def decide(f):", "    failed = []", "    failed_append = failed.append"]
    for number, rule in enumerate(rules):
        namespace[f"r{number}"] = rule
        lines.append("    while True:")
        for index, check in enumerate(rule.checks):
            constant = f"k{number}_{index}"
            namespace[constant] = check.constant
            namespace[f"p{number}_{index}"] = (rule, index)
            test = re.sub(r"\bk\b", constant, check.expression)
            lines.append(f"        if not ({test}):")
            lines.append(f"            failed_append(p{number}_{index})")
            lines.append("            break")
        lines.append(f"        return r{number}, failed")
    lines.append("    return None, failed")
    exec(compile("\n".join(lines), "<shipping rules>", "exec"), namespace)  # noqa: S102
    function: Decide = namespace["decide"]
    return function


class RuleRow(Protocol):
    """What compiling needs of a rule (a ShippingRule or any object alike)."""

    pk: Any
    name: str
    position: int
    enabled: bool
    is_default: bool
    conditions: Any
    action: str
    carrier_account_id: int | None
    service_code: str
    box_preset_id: int | None


@dataclass(frozen=True)
class CompiledRule:
    rule_id: int
    name: str
    position: int
    is_default: bool
    action: str
    carrier_account_id: int | None
    service_code: str
    box_preset_id: int | None
    checks: tuple[Check, ...]


@dataclass(frozen=True)
class CompiledRules:
    rules: tuple[CompiledRule, ...]
    decide: Decide = field(repr=False, compare=False)

    def __len__(self) -> int:
        return len(self.rules)


@dataclass(frozen=True)
class RuleFailure:
    """An enabled rule above the match, and the first of its conditions that did not hold."""

    rule: CompiledRule
    check: Check
    explanation: str

    @property
    def condition(self) -> str:
        return self.check.key


@dataclass(frozen=True)
class RuleDecision:
    """The first rule that matched (None when none did: hold the parcel) and, for each enabled
    rule above it, the index of its first condition that did not hold."""

    rule: CompiledRule | None
    failed: tuple[tuple[CompiledRule, int], ...]
    facts: RuleFacts

    @property
    def action(self) -> str:
        return self.rule.action if self.rule is not None else HOLD

    @property
    def failures(self) -> tuple[RuleFailure, ...]:
        """The failed conditions, worded in the active language."""
        word = Wording()
        found = []
        for rule, index in self.failed:
            check = rule.checks[index]
            found.append(RuleFailure(rule, check, check.explain(self.facts, word)))
        return tuple(found)


def compile_rules(
    rows: Iterable[RuleRow],
    *,
    store_names: Mapping[int, str] | None = None,
    warehouse_names: Mapping[int, str] | None = None,
) -> CompiledRules:
    """The enabled rules, by position (the default rule last whatever its position), each with
    its predicates built once. ``*_names`` word the explanations (ids otherwise)."""
    enabled = [row for row in rows if row.enabled or row.is_default]
    enabled.sort(key=lambda row: (row.is_default, row.position, row.pk))
    compiled = []
    for row in enabled:
        checks = checks_for(
            row.conditions or {},
            store_names=store_names or {},
            warehouse_names=warehouse_names or {},
        )
        compiled.append(
            CompiledRule(
                rule_id=row.pk,
                name=row.name,
                position=row.position,
                is_default=row.is_default,
                action=row.action,
                carrier_account_id=row.carrier_account_id,
                service_code=row.service_code,
                box_preset_id=row.box_preset_id,
                checks=checks,
            )
        )
    return CompiledRules(rules=tuple(compiled), decide=decide_function(compiled))


def evaluate(compiled: CompiledRules, facts: RuleFacts) -> RuleDecision:
    """The first rule whose conditions all hold; for every rule above it, the first condition
    that failed."""
    rule, failed = compiled.decide(facts)
    return RuleDecision(rule=rule, failed=tuple(failed), facts=facts)
