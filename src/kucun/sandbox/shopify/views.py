"""The vendor's endpoints: ``/{shop}/admin/oauth/access_token`` (client-credentials grant) and
``/{shop}/admin/api/{version}/graphql.json`` (shopify.md §1, §2, §8)."""

from __future__ import annotations

import json
import re
import secrets
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qs

from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from graphql import (
    DocumentNode,
    ExecutionResult,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    execute_sync,
    parse,
    validate,
)
from graphql.execution.values import get_variable_values

from kucun.sandbox.shopify import schema, state
from kucun.sandbox.shopify.cost import operation_cost
from kucun.sandbox.shopify.executor import LeanExecutor
from kucun.sandbox.shopify.resolvers import Context
from kucun.sandbox.shopify.webhooks import dispatch_on_commit

emulator = state.emulator

INVALID_TOKEN = {
    "errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"
}
NOT_FOUND = {"errors": "Not Found"}
MISSING_QUERY = {"errors": {"query": "Required parameter missing or invalid"}}
DEFAULT_TOKEN_TTL = 86399
DEFAULT_VERSIONS = (
    "2025-07",
    "2025-10",
    "2026-01",
    "2026-04",
    "2026-07",
    "2026-10",
    "2027-01",
    "unstable",
)
VERSION_NAME = re.compile(r"^\d{4}-(01|04|07|10)$")
MAX_QUERY_COST = 1000


def answer(data: Any, status: int = 200, *, version: str = "") -> JsonResponse:
    response = JsonResponse(data, status=status, safe=False)
    if version:
        response["X-Shopify-API-Version"] = version
    return response


def served_version(asked: str) -> str | None:
    """The version that answers: the one asked, the oldest supported for an older name
    (Shopify "falls forward"), or None (404) for a name that is not a version or not out yet."""
    supported = list(emulator.setting("api_versions", DEFAULT_VERSIONS))
    if asked in supported:
        return asked
    if not VERSION_NAME.match(asked):
        return None
    stable = sorted(version for version in supported if version != "unstable")
    if stable and asked < stable[0]:
        return stable[0]
    return None


# -- access token --------------------------------------------------------------------------


def request_fields(request: HttpRequest) -> dict[str, str]:
    if request.content_type == "application/json":
        body = json.loads(request.body or b"{}") if request.body else {}
        return {str(k): str(v) for k, v in body.items()} if isinstance(body, dict) else {}
    parsed = parse_qs(request.body.decode(errors="replace")) if request.body else {}
    fields = {name: values[0] for name, values in parsed.items()}
    return {**{name: request.GET[name] for name in request.GET}, **fields}


@csrf_exempt
def access_token(request: HttpRequest, shop: str) -> HttpResponse:
    refused = emulator.fault_before(request, "access_token")
    if refused is not None:
        emulator.log(request, refused.status_code, account=shop, operation="access_token")
        return refused
    response = grant_response(request, shop)
    emulator.log(request, response.status_code, account=shop, operation="access_token")
    return response


def grant_response(request: HttpRequest, domain: str) -> HttpResponse:
    if request.method != "POST":
        return answer(NOT_FOUND, 404)
    shop = state.shop_get(domain)
    if shop is None:
        return answer(NOT_FOUND, 404)
    try:
        fields = request_fields(request)
    except ValueError:
        fields = {}
    if fields.get("grant_type") != "client_credentials":
        return answer(
            {
                "error": "unsupported_grant_type",
                "error_description": "The grant_type must be client_credentials.",
            },
            400,
        )
    secret = shop.client_secret()
    given_id, given_secret = fields.get("client_id", ""), fields.get("client_secret", "")
    if not (
        secret
        and secrets.compare_digest(given_id, shop.client_id)
        and secrets.compare_digest(given_secret, secret)
    ):
        return answer(
            {"error": "invalid_client", "error_description": "Client credentials are invalid."},
            401,
        )
    ttl = int(emulator.setting("token_ttl_seconds", DEFAULT_TOKEN_TTL))
    token = "shpat_" + secrets.token_hex(16)
    state.token_grant(shop, token, ttl)
    return answer({"access_token": token, "scope": ",".join(shop.scopes), "expires_in": ttl})


# -- GraphQL -------------------------------------------------------------------------------


def graphql_request(request: HttpRequest) -> tuple[str, dict[str, Any], str | None] | None:
    """(query, variables, operationName) of the request, or None when there is no query."""
    if request.content_type == "application/graphql":
        return request.body.decode(errors="replace"), {}, None
    try:
        body = json.loads(request.body or b"null")
    except ValueError:
        return None
    if not isinstance(body, dict) or not isinstance(body.get("query"), str):
        return None
    variables = body.get("variables") or {}
    if not isinstance(variables, dict):
        return None
    return body["query"], variables, body.get("operationName")


def root_fields(document: DocumentNode | None) -> str:
    """The operation's root field names, for fault matching and the access log."""
    if document is None:
        return ""
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            return ",".join(
                getattr(selection, "name", None).value  # type: ignore[union-attr]
                for selection in definition.selection_set.selections
                if getattr(selection, "name", None) is not None
            )
    return ""


@lru_cache(maxsize=256)
def try_parse(query: str) -> tuple[DocumentNode | None, GraphQLError | None]:
    """The parsed document (a client sends the same few documents again and again)."""
    try:
        return parse(query), None
    except GraphQLError as error:
        return None, error


@lru_cache(maxsize=256)
def validation_errors(era: str, query: str) -> list[GraphQLError]:
    document, _error = try_parse(query)
    assert document is not None
    return validate(schema.schema_for(era), document)


@csrf_exempt
def graphql(request: HttpRequest, shop: str, version: str) -> HttpResponse:
    asked = graphql_request(request) if request.method == "POST" else None
    document, syntax_error = try_parse(asked[0]) if asked else (None, None)
    operation = root_fields(document)
    refused = emulator.fault_before(request, operation)
    if refused is not None:
        emulator.log(request, refused.status_code, account=shop, operation=operation)
        return refused
    response = graphql_response(request, shop, version, asked, document, syntax_error)
    if request.method == "POST" and document is not None and is_mutation(document):
        response = emulator.fault_after(request, response, operation)
    emulator.log(request, response.status_code, account=shop, operation=operation)
    return response


def is_mutation(document: DocumentNode) -> bool:
    return any(
        isinstance(definition, OperationDefinitionNode) and definition.operation.value == "mutation"
        for definition in document.definitions
    )


def graphql_response(
    request: HttpRequest,
    domain: str,
    asked_version: str,
    asked: tuple[str, dict[str, Any], str | None] | None,
    document: DocumentNode | None,
    syntax_error: GraphQLError | None,
) -> HttpResponse:
    version = served_version(asked_version)
    shop = state.shop_get(domain)
    if version is None or shop is None or request.method != "POST":
        return answer(NOT_FOUND, 404)
    grant = state.token_check(shop, request.headers.get("X-Shopify-Access-Token", ""))
    if grant is None:
        return answer(INVALID_TOKEN, 401)
    if asked is None:
        return answer(MISSING_QUERY, 400, version=version)
    if syntax_error is not None or document is None:
        return answer({"errors": [shopify_error(syntax_error)]}, version=version)
    era = schema.era_of(version)
    served = schema.schema_for(era)
    problems = validation_errors(era, asked[0])
    if problems:
        return answer({"errors": [shopify_error(problem) for problem in problems]}, version=version)
    query_text, variables, operation_name = asked
    operation = chosen_operation(document, operation_name)
    if operation is None:
        message = (
            "An operation name is required"
            if operation_name is None
            else (f'No operation named "{operation_name}"')
        )
        return answer({"errors": [{"message": message}]}, version=version)
    fragments = {
        definition.name.value: definition
        for definition in document.definitions
        if isinstance(definition, FragmentDefinitionNode)
    }
    requested = operation_cost(served, operation, fragments, variables)
    if requested > MAX_QUERY_COST:
        return answer({"errors": [max_cost_error(requested)]}, version=version)
    bucket = emulator.take(grant.bucket, requested)
    if not bucket.allowed:
        throttled = {
            "errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}],
            "extensions": {"cost": cost_extension(requested, None, bucket)},
        }
        return answer(throttled, int(emulator.setting("throttle_status", 200)), version=version)
    context = Context(shop=shop, grant=grant, version=version, era=era)
    with transaction.atomic():
        result = run_operation(
            served, document, operation, fragments, variables, context, query_text
        )
        dispatch_on_commit(shop.domain, context.events)
    actual = operation_cost(served, operation, fragments, variables, result.data)
    actual = min(actual, requested)
    if requested > actual:
        bucket = emulator.take(grant.bucket, actual - requested)
    body: dict[str, Any] = {}
    if result.errors:
        body["errors"] = [shopify_error(error) for error in result.errors]
    body["data"] = result.data
    extensions: dict[str, Any] = {"cost": cost_extension(requested, actual, bucket)}
    if context.search_warnings:
        extensions["search"] = context.search_warnings
    body["extensions"] = extensions
    return answer(body, version=version)


INTROSPECTION = re.compile(r"\b__(schema|type)\b")


def run_operation(
    served: GraphQLSchema,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    fragments: dict[str, FragmentDefinitionNode],
    raw_variables: dict[str, Any],
    context: Context,
    query: str,
) -> ExecutionResult:
    """Reads through the lean executor; mutations and introspection through graphql-core."""
    name = operation.name.value if operation.name else None
    if operation.operation != OperationType.QUERY or INTROSPECTION.search(query):
        return execute_sync(
            served,
            document,
            context_value=context,
            variable_values=raw_variables,
            operation_name=name,
        )
    variables = get_variable_values(served, operation.variable_definitions, raw_variables)
    if isinstance(variables, list):
        return ExecutionResult(None, variables)
    executor = LeanExecutor(served, fragments, variables, context)
    data = executor.run(operation)
    return ExecutionResult(data, executor.errors or None)


def chosen_operation(document: DocumentNode, name: str | None) -> OperationDefinitionNode | None:
    operations = [
        definition
        for definition in document.definitions
        if isinstance(definition, OperationDefinitionNode)
    ]
    if name is None:
        return operations[0] if len(operations) == 1 else None
    return next(
        (operation for operation in operations if operation.name and operation.name.value == name),
        None,
    )


def cost_extension(requested: int, actual: int | None, bucket: Any) -> dict[str, Any]:
    return {
        "requestedQueryCost": requested,
        "actualQueryCost": actual,
        "throttleStatus": {
            "maximumAvailable": float(bucket.capacity),
            "currentlyAvailable": int(min(bucket.remaining, bucket.capacity)),
            "restoreRate": float(bucket.refill_per_second),
        },
    }


def max_cost_error(requested: int) -> dict[str, Any]:
    return {
        "message": (
            f"Query cost is {requested}, which exceeds the single query max cost limit "
            f"({MAX_QUERY_COST}).\n\nSee https://shopify.dev/concepts/about-apis/rate-limits "
            "for more information on how the\ncost of a query is calculated.\n\nTo query larger "
            "amounts of data with fewer limits, bulk operations should be used instead.\n"
            "See https://shopify.dev/tutorials/perform-bulk-operations-with-admin-api for "
            "usage details.\n"
        ),
        "extensions": {"code": "MAX_COST_EXCEEDED", "cost": requested, "maxCost": MAX_QUERY_COST},
    }


UNDEFINED_FIELD = re.compile(r"^Cannot query field '(?P<field>\w+)' on type '(?P<type>\w+)'\.")
UNKNOWN_ARGUMENT = re.compile(
    r"^Unknown argument '(?P<argument>\w+)' on field '(?P<type>\w+)\.(?P<field>\w+)'\."
)


def shopify_error(error: GraphQLError | None) -> dict[str, Any]:
    """A GraphQL error in the words Shopify uses for the common mistakes."""
    if error is None:
        return {"message": "syntax error"}
    formatted: dict[str, Any] = dict(error.formatted)
    message = error.message
    field = UNDEFINED_FIELD.match(message)
    if field:
        formatted["message"] = f"Field '{field['field']}' doesn't exist on type '{field['type']}'"
        formatted["extensions"] = {
            "code": "undefinedField",
            "typeName": field["type"],
            "fieldName": field["field"],
        }
    argument = UNKNOWN_ARGUMENT.match(message)
    if argument:
        formatted["message"] = (
            f"Field '{argument['field']}' doesn't accept argument '{argument['argument']}'"
        )
        formatted["extensions"] = {
            "code": "argumentNotAccepted",
            "name": argument["field"],
            "typeName": "Field",
            "argumentName": argument["argument"],
        }
    if not formatted.get("extensions"):
        formatted.pop("extensions", None)
    return formatted
