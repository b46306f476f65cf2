"""Calculated query cost (shopify.md §8): scalars and enums cost 0, objects 1, a connection 2
plus its page size times one node's cost, a list sized by its ``ids``/``names`` argument that
many elements, and each mutation field 10. The requested cost is computed on the document
before it runs; the actual cost walks the answer, so a short page costs less and the
difference is refunded.

Fragments are counted as if they all applied (a small over-estimate for fragments on
different types, refunded by the actual cost).
"""

from __future__ import annotations

from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    is_leaf_type,
    value_from_ast_untyped,
)

MUTATION_COST = 10
REQUESTED = object()  # the walk's "value" when no answer is there yet


class CostWalker:
    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: dict[str, FragmentDefinitionNode],
        variables: dict[str, Any],
    ) -> None:
        self.schema, self.fragments, self.variables = schema, fragments, variables

    def fields(self, selection_set: SelectionSetNode | None) -> list[FieldNode]:
        found: list[FieldNode] = []
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                found.append(selection)
            elif isinstance(selection, InlineFragmentNode):
                found.extend(self.fields(selection.selection_set))
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments.get(selection.name.value)
                if fragment is not None:
                    found.extend(self.fields(fragment.selection_set))
        return found

    def argument(self, node: FieldNode, name: str) -> Any:
        for argument in node.arguments:
            if argument.name.value == name:
                return value_from_ast_untyped(argument.value, self.variables)
        return None

    def selection(self, parent: Any, selection_set: SelectionSetNode | None, value: Any) -> int:
        """The cost of a selection on an object of type ``parent`` (value: its answer)."""
        if value is None:
            return 0
        total = 0
        for node in self.fields(selection_set):
            name = node.name.value
            if name.startswith("__") or not isinstance(parent, GraphQLObjectType):
                continue
            definition = parent.fields.get(name)
            if definition is None:
                continue
            key = node.alias.value if node.alias else name
            child = REQUESTED if value is REQUESTED else value.get(key)
            total += self.field(node, definition.type, child)
        return total

    def field(self, node: FieldNode, field_type: Any, value: Any) -> int:
        named, is_list = unwrap(field_type)
        if is_leaf_type(named):
            return 0
        if named.name.endswith("Connection"):
            return self.connection(node, named, value)
        if is_list:
            if value is REQUESTED:
                sized = self.argument(node, "ids") or self.argument(node, "names")
                count = len(sized) if isinstance(sized, list) else 1
                return count * (1 + self.selection(named, node.selection_set, REQUESTED))
            return sum(
                1 + self.selection(named, node.selection_set, item)
                for item in value or []
                if item is not None
            )
        if value is None:
            return 0
        return 1 + self.selection(named, node.selection_set, value)

    def connection(self, node: FieldNode, connection_type: Any, value: Any) -> int:
        if value is None:
            return 0
        total = 2
        size = self.argument(node, "first") or self.argument(node, "last") or 0
        for part in self.fields(node.selection_set):
            name = part.name.value
            key = part.alias.value if part.alias else name
            if name not in ("edges", "nodes"):
                continue
            element_type, _ = unwrap(connection_type.fields[name].type)
            items = [REQUESTED] * int(size) if value is REQUESTED else value.get(key) or []
            for item in items:
                if name == "nodes":
                    total += 1 + self.selection(element_type, part.selection_set, item)
                else:
                    total += self.edge(element_type, part, item)
        return total

    def edge(self, edge_type: Any, part: FieldNode, item: Any) -> int:
        cost = 0
        for inner in self.fields(part.selection_set):
            if inner.name.value != "node":
                continue
            key = inner.alias.value if inner.alias else "node"
            node_type, _ = unwrap(edge_type.fields["node"].type)
            node_value = REQUESTED if item is REQUESTED else item.get(key)
            cost += 1 + self.selection(node_type, inner.selection_set, node_value)
        return cost


def unwrap(field_type: Any) -> tuple[Any, bool]:
    is_list = False
    while isinstance(field_type, GraphQLNonNull | GraphQLList):
        if isinstance(field_type, GraphQLList):
            is_list = True
        field_type = field_type.of_type
    return field_type, is_list


def operation_cost(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: dict[str, FragmentDefinitionNode],
    variables: dict[str, Any],
    answer: Any = REQUESTED,
) -> int:
    """The requested cost (no answer) or the actual cost of one operation's answer."""
    if operation.operation == OperationType.MUTATION:
        walker = CostWalker(schema, fragments, variables)
        return MUTATION_COST * len(walker.fields(operation.selection_set))
    walker = CostWalker(schema, fragments, variables)
    return walker.selection(schema.query_type, operation.selection_set, answer)
