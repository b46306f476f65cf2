"""A lean executor for read queries over the emulated schema.

graphql-core's reference executor spends most of a page of 250 variants on bookkeeping per
field; a full read of 10,000 variants must stay well under ten seconds on a small machine.
This one walks the validated document the same way for the subset of GraphQL a read uses
(fields, aliases, arguments with defaults, variables, fragments with type conditions,
``@skip``/``@include``, abstract types resolved by ``typename``, null propagation of
non-null fields) and calls the same resolvers. Mutations and introspection go through
graphql-core.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLIncludeDirective,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLSkipDirective,
    InlineFragmentNode,
    NamedTypeNode,
    OperationDefinitionNode,
    SelectionSetNode,
    is_abstract_type,
    is_leaf_type,
    located_error,
)
from graphql.execution.values import get_argument_values, get_directive_values


class NullPropagation(Exception):
    """A non-null field came out null: its parent becomes null in turn."""


@dataclass
class ResolveInfo:
    """What the resolvers read of graphql-core's ``GraphQLResolveInfo``."""

    schema: GraphQLSchema
    context: Any
    variable_values: dict[str, Any]
    field_nodes: list[FieldNode]
    field_name: str
    path: list[str | int] = field(default_factory=list)


class LeanExecutor:
    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: dict[str, FragmentDefinitionNode],
        variables: dict[str, Any],
        context: Any,
    ) -> None:
        self.schema, self.fragments, self.variables = schema, fragments, variables
        self.context = context
        self.errors: list[GraphQLError] = []
        self.collected: dict[tuple[Any, ...], dict[str, list[FieldNode]]] = {}

    def run(self, operation: OperationDefinitionNode) -> dict[str, Any] | None:
        root = self.schema.query_type
        assert root is not None
        try:
            return self.object(root, (operation.selection_set,), None, [])
        except NullPropagation:
            return None

    # -- fields --------------------------------------------------------------------------
    def collect(
        self, object_type: GraphQLObjectType, selection_sets: Sequence[SelectionSetNode]
    ) -> dict[str, list[FieldNode]]:
        key = (object_type.name, *(id(selection_set) for selection_set in selection_sets))
        found = self.collected.get(key)
        if found is None:
            found = {}
            for selection_set in selection_sets:
                self.gather(object_type, selection_set, found, set())
            self.collected[key] = found
        return found

    def gather(
        self,
        object_type: GraphQLObjectType,
        selection_set: SelectionSetNode,
        found: dict[str, list[FieldNode]],
        visited: set[str],
    ) -> None:
        for selection in selection_set.selections:
            if not self.included(selection):
                continue
            if isinstance(selection, FieldNode):
                name = selection.alias.value if selection.alias else selection.name.value
                found.setdefault(name, []).append(selection)
            elif isinstance(selection, InlineFragmentNode):
                if self.applies(selection.type_condition, object_type):
                    self.gather(object_type, selection.selection_set, found, visited)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if name in visited or fragment is None:
                    continue
                visited.add(name)
                if self.applies(fragment.type_condition, object_type):
                    self.gather(object_type, fragment.selection_set, found, visited)

    def included(self, node: Any) -> bool:
        if not node.directives:
            return True
        skip = get_directive_values(GraphQLSkipDirective, node, self.variables)
        if skip and skip.get("if") is True:
            return False
        include = get_directive_values(GraphQLIncludeDirective, node, self.variables)
        return not (include and include.get("if") is False)

    def applies(self, condition: NamedTypeNode | None, object_type: GraphQLObjectType) -> bool:
        if condition is None or condition.name.value == object_type.name:
            return True
        conditional = self.schema.get_type(condition.name.value)
        return bool(
            conditional is not None
            and is_abstract_type(conditional)
            and self.schema.is_sub_type(conditional, object_type)  # type: ignore[arg-type]
        )

    def object(
        self,
        object_type: GraphQLObjectType,
        selection_sets: Sequence[SelectionSetNode],
        source: Any,
        path: list[str | int],
    ) -> dict[str, Any]:
        return {
            key: self.field(object_type, source, nodes, [*path, key])
            for key, nodes in self.collect(object_type, selection_sets).items()
        }

    def field(
        self,
        parent: GraphQLObjectType,
        source: Any,
        nodes: list[FieldNode],
        path: list[str | int],
    ) -> Any:
        node = nodes[0]
        name = node.name.value
        if name == "__typename":
            return parent.name
        definition = parent.fields[name]
        try:
            arguments = (
                get_argument_values(definition, node, self.variables) if definition.args else {}
            )
            info = ResolveInfo(self.schema, self.context, self.variables, nodes, name, path)
            if definition.resolve is not None:
                value = definition.resolve(source, info, **arguments)
            else:
                value = source.get(name) if isinstance(source, dict) else getattr(source, name)
                if callable(value):
                    value = value(info, **arguments)
            return self.complete(definition.type, nodes, value, path)
        except NullPropagation:
            if isinstance(definition.type, GraphQLNonNull):
                raise
            return None
        except Exception as failure:  # a resolver's error becomes the field's error
            self.errors.append(located_error(failure, nodes, path))
            if isinstance(definition.type, GraphQLNonNull):
                raise NullPropagation from failure
            return None

    def complete(
        self, field_type: Any, nodes: list[FieldNode], value: Any, path: list[str | int]
    ) -> Any:
        if isinstance(field_type, GraphQLNonNull):
            completed = self.complete(field_type.of_type, nodes, value, path)
            if completed is None:
                self.errors.append(
                    GraphQLError(
                        f"Cannot return null for non-nullable field {path[-1]}.",
                        nodes,
                        path=path,
                    )
                )
                raise NullPropagation
            return completed
        if value is None:
            return None
        if isinstance(field_type, GraphQLList):
            return [
                self.complete(field_type.of_type, nodes, item, [*path, index])
                for index, item in enumerate(value)
            ]
        if is_leaf_type(field_type):
            return field_type.serialize(value)
        object_type = field_type
        if is_abstract_type(field_type):
            object_type = self.schema.get_type(value.typename)
        selection_sets = [node.selection_set for node in nodes if node.selection_set]
        return self.object(object_type, selection_sets, value, path)
