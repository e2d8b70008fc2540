"""An executor that completes plain selections without graphql-core's per-field machinery.

graphql-core spends several microseconds on every field it completes: a path segment, a
resolve-info object, the resolver call, awaitable checks and the recursive ``complete_value``
dispatch. A worklist of 800 occurrences selects some 7,000 fields, so that machinery, not the
database, set its latency. Most selections there are *plain*: every field is ``__typename`` or a
Strawberry field without a resolver, extension or arguments (an attribute of the object) of a
scalar or enum type, of a concrete object type whose own selection is plain again, or of a
list of such objects; or a field an entity batch preloaded (``libs/graphql/entities.py``).

For a plain selection this executor reads the attributes and coerces the values in one tight
loop, with a plan made once per selection and request; a list of such objects (non-null items)
is one loop over them. Reading attributes has no side effects, so when anything is unusual — a
null in a non-null field, a value that fails to coerce, an exception returned as a value, a
source without the attribute — the object or list is simply executed again the standard way,
which reports the error exactly as graphql-core does. Resolvers, lists with nullable items,
abstract types, types with ``is_type_of``, ``@defer``/``@stream`` and middleware always go the
standard way. ``tests/foundation/test_execution.py`` compares this executor's answers with
graphql-core's own, bad values included.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLLeafType,
    GraphQLList,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    Undefined,
    is_leaf_type,
    is_non_null_type,
    is_object_type,
)
from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet
from graphql.pyutils import Path
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField

from libs.graphql.entities import PRELOADABLE_KEY

__all__ = ["PlainSelectionExecutor"]


class _Standard(Exception):
    """Raised inside the fast path: this object must be executed the standard way."""


@dataclass(frozen=True, slots=True)
class _Field:
    key: str
    read: Callable[[Any], Any] | None  # None: the constant ``value`` (``__typename``)
    value: Any
    non_null: bool
    leaf: GraphQLLeafType | None
    selection: _Selection | None
    # Values of exactly this type are their own serialisation (a str for String and ID).
    as_is: type | None = None
    # An enum's names by member and by value: graphql-core scans the values for each one.
    names: dict[Any, str] | None = None
    # A list of non-null objects, each completed with ``selection``.
    many: bool = False


@dataclass(frozen=True, slots=True)
class _Selection:
    fields: tuple[_Field, ...]

    def complete(self, source: Any) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for field in self.fields:
            if field.read is None:
                data[field.key] = field.value
                continue
            value = field.read(source)
            if value is None or value is Undefined:
                if field.non_null:
                    raise _Standard
                data[field.key] = None
            elif isinstance(value, Exception):
                raise _Standard
            elif type(value) is field.as_is:
                data[field.key] = value
            elif field.names is not None and value in field.names:
                data[field.key] = field.names[value]
            elif field.many:
                if not isinstance(value, list | tuple):
                    raise _Standard
                assert field.selection is not None
                data[field.key] = [field.selection.complete(item) for item in value]
            elif field.selection is not None:
                data[field.key] = field.selection.complete(value)
            else:
                assert field.leaf is not None
                try:
                    coerced = field.leaf.coerce_output_value(value)
                except Exception as error:
                    raise _Standard from error
                if coerced is None or coerced is Undefined:
                    raise _Standard
                data[field.key] = coerced
        return data


# graphql-core's serialisers return these unchanged (Int is range-checked, so not listed).
_AS_IS: dict[str, type] = {"String": str, "ID": str, "Boolean": bool}


def _enum_names(leaf: GraphQLLeafType) -> dict[Any, str] | None:
    if not isinstance(leaf, GraphQLEnumType):
        return None
    names = {value.value: name for name, value in leaf.values.items()}
    wrapped = getattr(leaf, "wrapped_cls", None)  # Strawberry's enums take their members too
    if wrapped is not None:
        names |= {member: names[member.value] for member in wrapped if member.value in names}
    return names


def _plain_object_type(return_type: GraphQLOutputType) -> GraphQLObjectType | None:
    """The object type a value of this type is completed as, if nothing needs checking."""
    if is_non_null_type(return_type):
        return_type = return_type.of_type
    if is_object_type(return_type) and not return_type.is_type_of:
        return return_type
    return None


class PlainSelectionExecutor(StrawberryGraphQLCoreExecutionContext):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Per request: collected field sets depend on the document and its variables. Keyed
        # by identity; the grouped field sets are kept alive by graphql-core's own memo.
        self._selections: dict[int, _Selection | None] = {}

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: GroupedFieldSet,
        position_context: Any,
    ) -> Any:
        if position_context is None and path is not None:
            selection = self._selection(parent_type, grouped_field_set)
            if selection is not None:
                with contextlib.suppress(Exception):  # _Standard, or a source without it
                    return selection.complete(source_value)
        return super().execute_fields(
            parent_type, source_value, path, grouped_field_set, position_context
        )

    def complete_list_value(
        self,
        return_type: GraphQLList[GraphQLOutputType],
        field_details_list: FieldDetailsList,
        info: GraphQLResolveInfo[Any],
        path: Path,
        result: Any,
        position_context: Any,
    ) -> Any:
        # A list of objects with a plain selection (the occurrences of a worklist): one loop.
        selection = None
        if position_context is None and isinstance(result, list | tuple):
            selection = self._items_selection(return_type, field_details_list, path)
        if selection is not None:
            with contextlib.suppress(Exception):  # _Standard, or a source without it
                return [selection.complete(item) for item in result]
        return super().complete_list_value(
            return_type, field_details_list, info, path, result, position_context
        )

    def _selection(
        self, parent_type: GraphQLObjectType, grouped_field_set: GroupedFieldSet
    ) -> _Selection | None:
        key = id(grouped_field_set)
        if key not in self._selections:
            self._selections[key] = self._plan(parent_type, grouped_field_set)
        return self._selections[key]

    def _items_selection(
        self,
        list_type: GraphQLList[GraphQLOutputType],
        field_details_list: FieldDetailsList,
        path: Path,
    ) -> _Selection | None:
        """The plan for each item of a list of non-null objects; None if not one, or not plain.
        Null items are the standard path's business; complete() insists on objects."""
        item_type = list_type.of_type
        if not is_non_null_type(item_type):
            return None
        object_type = _plain_object_type(item_type)
        if object_type is None or self.get_stream_usage(field_details_list, path) is not None:
            return None
        return self._object_selection(object_type, field_details_list)

    def _object_selection(
        self, object_type: GraphQLObjectType, field_details_list: FieldDetailsList
    ) -> _Selection | None:
        grouped_field_set, new_defer_usages, _ = self.collect_subfields(
            object_type, field_details_list
        )
        if new_defer_usages:
            return None
        return self._selection(object_type, grouped_field_set)

    def _plan(
        self, parent_type: GraphQLObjectType, grouped_field_set: GroupedFieldSet
    ) -> _Selection | None:
        if self.middleware_manager is not None and self.middleware_manager.middlewares:
            return None
        fields = []
        for key, field_details_list in grouped_field_set.items():
            field = self._plan_field(parent_type, key, field_details_list)
            if field is None:
                return None
            fields.append(field)
        return _Selection(tuple(fields))

    def _plan_field(
        self, parent_type: GraphQLObjectType, key: str, field_details_list: FieldDetailsList
    ) -> _Field | None:
        node = field_details_list[0].node
        name = node.name.value
        if name == "__typename":
            return _Field(key, None, parent_type.name, True, None, None)
        field_def = self.schema.get_field(parent_type, name)
        if field_def is None or field_def.args or node.arguments:
            return None
        field = (field_def.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
        if not isinstance(field, StrawberryField):
            return None
        if field.metadata.get(PRELOADABLE_KEY) and not field.extensions:
            # The value an entity batch put in the object's ``preloaded`` (KeyError otherwise:
            # the object runs the standard way, which calls the resolver).
            python_name = field.python_name
            read: Callable[[Any], Any] = lambda source: source.preloaded[python_name]  # noqa: E731
        elif not getattr(field_def.resolve, "_is_default", False) or not field.is_basic_field:
            return None
        elif field.default_resolver is getattr:
            read = attrgetter(field.python_name)
        else:
            resolver, python_name = field.default_resolver, field.python_name
            read = lambda source: resolver(source, python_name)  # noqa: E731
        non_null = is_non_null_type(field_def.type)
        field_type = field_def.type.of_type if non_null else field_def.type  # type: ignore[union-attr]
        if is_leaf_type(field_type):
            as_is = _AS_IS.get(field_type.name)
            return _Field(
                key, read, None, non_null, field_type, None, as_is, _enum_names(field_type)
            )
        many = isinstance(field_type, GraphQLList)
        selection: _Selection | None = None
        if isinstance(field_type, GraphQLList):
            selection = self._items_selection(field_type, field_details_list, Path(None, key, None))
        elif object_type := _plain_object_type(field_type):
            selection = self._object_selection(object_type, field_details_list)
        if selection is None:
            return None
        return _Field(key, read, None, non_null, None, selection, many=many)
