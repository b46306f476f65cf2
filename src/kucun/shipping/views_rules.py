"""Console: Shipping → Rules (订单规则). Everyone sees and tries the rules; staff change them.

The list orders rules with up / down buttons (plain forms) and by dragging (a small script that
posts the new order to ``rule_reorder``); "Test rules" takes a parcel typed by a person and
shows the rule that matches and why each enabled rule above it did not.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kucun.accounts.choices import Role
from kucun.accounts.permissions import role_required, user_has_role
from kucun.core.errors import DomainError, FieldError
from kucun.core.forms import add_domain_error
from kucun.shipping import selectors_rules as selectors
from kucun.shipping.forms_rules import RuleForm, RuleTestForm
from kucun.shipping.models import ShippingRule
from kucun.shipping.rules import RuleDecision, evaluate
from kucun.shipping.selectors_rules import PlainDestination, facts_for_items
from kucun.shipping.services import rules as services


def rule_label(rule: ShippingRule) -> str:
    """The default rule's name is Kucun's own, so it reads in the reader's language."""
    return _(rule.name) if rule.is_default else rule.name


def get_rule(pk: int) -> ShippingRule:
    try:
        return selectors.rule_by_id(pk)
    except DomainError as error:
        raise Http404(error.detail) from error


def on_rule_form(form: RuleForm, error: DomainError) -> None:
    error.errors = [
        FieldError(RuleForm.form_field(item.field), item.message) for item in error.errors
    ]
    add_domain_error(form, error)


@require_GET
def rule_list(request: HttpRequest) -> HttpResponse:
    services.rules_ensure_default()
    rules = list(selectors.rules_ordered())
    summaries = selectors.condition_summaries(rules)
    rows: list[dict[str, Any]] = [
        {"rule": rule, "label": rule_label(rule), "conditions": summaries.get(rule.pk, [])}
        for rule in rules
    ]
    movable = [row for row in rows if not row["rule"].is_default]
    return render(
        request,
        "shipping/rules/rule_list.html",
        {
            "rows": rows,
            "first_id": movable[0]["rule"].pk if movable else None,
            "last_id": movable[-1]["rule"].pk if movable else None,
            "can_write": user_has_role(request.user, Role.STAFF),
        },
    )


@require_http_methods(["GET", "POST"])
@role_required(Role.STAFF)
def rule_create(request: HttpRequest) -> HttpResponse:
    form = RuleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            rule = services.rule_create(user=request.user, **form.service_arguments())
        except DomainError as error:
            on_rule_form(form, error)
        else:
            messages.success(request, _("Rule %(name)s added.") % {"name": rule.name})
            return redirect("shipping:rule_list")
    return render(request, "shipping/rules/rule_form.html", {"form": form, "rule": None})


@require_http_methods(["GET", "POST"])
@role_required(Role.STAFF)
def rule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_rule(pk)
    form = RuleForm(request.POST or None, rule=rule)
    if request.method == "POST" and form.is_valid():
        try:
            services.rule_update(
                user=request.user, rule_id=rule.pk, changes=form.service_arguments()
            )
        except DomainError as error:
            on_rule_form(form, error)
        else:
            messages.success(request, _("Rule %(name)s saved.") % {"name": rule_label(rule)})
            return redirect("shipping:rule_list")
    return render(
        request,
        "shipping/rules/rule_form.html",
        {"form": form, "rule": rule, "label": rule_label(rule)},
    )


def after_write(request: HttpRequest, write: Any, done: str) -> HttpResponse:
    try:
        write()
    except DomainError as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, done)
    return redirect("shipping:rule_list")


@require_POST
@role_required(Role.STAFF)
def rule_delete(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_rule(pk)
    return after_write(
        request,
        lambda: services.rule_delete(user=request.user, rule_id=rule.pk),
        _("Rule %(name)s deleted.") % {"name": rule.name},
    )


@require_POST
@role_required(Role.STAFF)
def rule_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_rule(pk)
    enabled = not rule.enabled
    done = _("Rule %(name)s is on.") if enabled else _("Rule %(name)s is off.")
    return after_write(
        request,
        lambda: services.rule_set_enabled(user=request.user, rule_id=rule.pk, enabled=enabled),
        done % {"name": rule_label(rule)},
    )


@require_POST
@role_required(Role.STAFF)
def rule_move(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_rule(pk)
    direction = request.POST.get("direction", "")
    return after_write(
        request,
        lambda: services.rule_move(user=request.user, rule_id=rule.pk, direction=direction),
        _("Rule %(name)s moved.") % {"name": rule.name},
    )


@require_POST
@role_required(Role.STAFF)
def rule_reorder(request: HttpRequest) -> HttpResponse:
    """The new order from the list's drag and drop: form fields ``ids`` (one per rule) or a
    JSON body ``{"ids": [...]}``; a script gets JSON back, a form a redirect."""
    wants_json = request.content_type == "application/json"
    if wants_json:
        try:
            ids = json.loads(request.body or b"{}").get("ids", [])
        except (ValueError, AttributeError):
            ids = None
    else:
        ids = request.POST.getlist("ids")
    try:
        services.rule_reorder(user=request.user, rule_ids=ids)
    except DomainError as error:
        if wants_json:
            return JsonResponse({"detail": error.detail}, status=error.status_code)
        messages.error(request, error.detail)
        return redirect("shipping:rule_list")
    if wants_json:
        return JsonResponse({"ids": list(selectors.rules_ordered().values_list("pk", flat=True))})
    messages.success(request, _("The rules' new order is saved."))
    return redirect("shipping:rule_list")


@require_GET
def rule_test(request: HttpRequest) -> HttpResponse:
    """Try the rules on a parcel typed into the form (sent by GET: a read, to bookmark)."""
    services.rules_ensure_default()
    asked = "run" in request.GET
    form = RuleTestForm(request.GET if asked else None)
    decision: RuleDecision | None = None
    if asked and form.is_valid():
        decision = decide(form)
    result = result_rows(decision, list(selectors.rules_ordered())) if decision else []
    return render(
        request,
        "shipping/rules/rule_test.html",
        {
            "form": form,
            "decision": decision,
            "result": result,
            "matched": next((row for row in result if row["outcome"] == "matched"), None),
        },
    )


def decide(form: RuleTestForm) -> RuleDecision | None:
    data = form.cleaned_data
    try:
        facts = facts_for_items(
            items=form.item_lines(),
            destination=PlainDestination(
                country=data.get("country") or "",
                state=data.get("state") or "",
                postcode=data.get("postcode") or "",
            ),
            store=data.get("store"),
            warehouse=data.get("warehouse"),
            value=data.get("value"),
            shipping_method=data.get("shipping_method") or "",
            box_preset=data.get("box"),
        )
    except DomainError as error:
        error.errors = [
            FieldError("items" if item.field.startswith("items.") else item.field, item.message)
            for item in error.errors
        ]
        add_domain_error(form, error)
        return None
    return evaluate(selectors.rules_compiled(), facts)


def result_rows(decision: RuleDecision, rules: list[ShippingRule]) -> list[dict[str, Any]]:
    """Every rule down to the match: why it failed, that it is off, or that it matched."""
    failures = {failure.rule.rule_id: failure for failure in decision.failures}
    matched = decision.rule.rule_id if decision.rule is not None else None
    rows = []
    for rule in rules:
        row: dict[str, Any] = {"rule": rule, "label": rule_label(rule)}
        if rule.pk == matched:
            rows.append({**row, "outcome": "matched"})
            break
        if rule.pk in failures:
            failure = failures[rule.pk]
            rows.append({**row, "outcome": "failed", "explanation": failure.explanation})
        elif not rule.enabled:
            rows.append({**row, "outcome": "off"})
    return rows
